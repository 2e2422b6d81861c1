"""Every CSV or xlsx text cell from any writer goes through one neutraliser (issue 23, item 4):
a firm named like a spreadsheet formula comes out as text from the API's CSV and the exports
(CSV and workbook); a hub name like one from the reports (``crm report hubs`` as CSV and as a
workbook, the monthly report's workbook). Firm names appear in no report."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import update
from sqlmodel import Session
from starlette.testclient import TestClient
from typer.testing import CliRunner

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens
from crm.cli import app
from crm.csvio.excel import neutralise
from crm.csvio.export import full_export
from crm.csvio.xlsx import export_sheets, workbook_bytes, write_workbook
from crm.models import Hub
from crm.reports.monthly import monthly_report, workbook_sheets
from tests.csvio.helpers import rows_of
from tests.utils.factories import make_company, make_consultation

FIRM = '=HYPERLINK("http://x","y")'
HUB = '=HYPERLINK("x","y")'  # a hub's name holds at most 20 characters
NEUTRALISED = "'" + FIRM


def test_the_neutraliser_guards_the_formula():
    assert neutralise(FIRM) == NEUTRALISED
    assert neutralise(HUB) == "'" + HUB


@pytest.fixture
def hostile_firm(session, actors):
    firm = make_company(session, actors.manager01, name=FIRM)
    make_consultation(session, actors.manager01, firm, on=dt.date(2025, 6, 2))
    token = api_tokens.create_token(session, SYSTEM, actors.manager01.username)[1]
    session.commit()
    return firm, token


def test_the_api_csv_neutralises_it(engine, hostile_firm):
    _firm, token = hostile_firm
    with TestClient(create_api(lambda: engine), base_url="http://crm.test") as client:
        answer = client.get(
            "/firms", params={"format": "csv"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200, answer.text
        [row] = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
        assert row["企業名"] == NEUTRALISED
        as_json = client.get("/firms", headers={"Authorization": f"Bearer {token}"}).json()
    assert as_json["items"][0]["name"] == FIRM  # JSON is no spreadsheet: the name as stored


def test_the_exports_neutralise_it(session, actors, hostile_firm):
    bundle = full_export(session, actors.manager01)
    [row] = rows_of(bundle, "companies.csv")
    assert row["企業名"] == NEUTRALISED
    [consultation] = rows_of(bundle, "consultations.csv")
    assert consultation["企業名"] == NEUTRALISED
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(export_sheets(bundle))))
    names = [
        cell.value
        for sheet in book.worksheets
        for line in sheet.iter_rows()
        for cell in line
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    assert names and set(names) == {NEUTRALISED}
    formulas = [
        cell
        for sheet in book.worksheets
        for line in sheet.iter_rows()
        for cell in line
        if cell.data_type == "f"
    ]
    assert formulas == []


@pytest.fixture
def hostile_hub(engine, session, actors, monkeypatch):
    """Hub 01 named like a formula (hub names are reference data, but a writer must not trust
    any text), with a consultation so that it has figures."""
    firm = make_company(session, actors.manager01, name="普通の会社株式会社")
    make_consultation(session, actors.manager01, firm, on=dt.date(2025, 6, 2))
    session.execute(update(Hub).where(Hub.code == "01").values(name_ja=HUB))
    session.commit()
    monkeypatch.setenv("CRM_DATABASE_URL", engine.url.render_as_string(hide_password=False))


def _workbook_texts(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert not [
        cell
        for sheet in book.worksheets
        for line in sheet.iter_rows()
        for cell in line
        if cell.data_type == "f"
    ]
    return [
        cell.value
        for sheet in book.worksheets
        for line in sheet.iter_rows()
        for cell in line
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]


def test_crm_report_hubs_csv_and_workbook_neutralise_it(hostile_hub, tmp_path):
    printed = CliRunner().invoke(
        app, ["report", "hubs", "--from", "2025-04", "--until", "2025-09", "--codes"]
    )
    assert printed.exit_code == 0, printed.output
    rows = {row["hub_code"]: row for row in csv.DictReader(io.StringIO(printed.output))}
    assert rows["01"]["hub_name"] == "'" + HUB
    assert rows["02"]["hub_name"] == "青森県"  # other text as it is

    out = tmp_path / "hubs.xlsx"
    period = ["--from", "2025-04", "--until", "2025-09"]
    written = CliRunner().invoke(
        app, ["report", "hubs", *period, "--format", "xlsx", "--out", str(out)]
    )
    assert written.exit_code == 0, written.output
    assert _workbook_texts(out.read_bytes()) == ["'" + HUB]


def test_the_monthly_report_workbook_neutralises_it(hostile_hub, engine, actors):
    with Session(engine) as s:
        report = monthly_report(s, actors.secretariat, "2025-09", today=dt.date(2025, 10, 15))
    buffer = io.BytesIO()
    write_workbook(workbook_sheets(report), buffer)
    texts = _workbook_texts(buffer.getvalue())
    assert "'" + HUB in texts  # the name alone; "01 =HYPERLINK…" (code first) is no formula
    assert not [text for text in texts if text[0] in "=+-@"]
