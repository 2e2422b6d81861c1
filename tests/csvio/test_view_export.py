"""A list's current view as a file (crm.csvio.view_export): the view's every row in its order
and only its shown columns, read back as a spreadsheet program reads them (the CSV with the
csv module in its encoding, the workbook with openpyxl), on SQLite and PostgreSQL."""

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from sqlmodel import Session, select

from crm.csvio import view_export
from crm.csvio.view_export import ViewTooLarge, export_view
from crm.errors import CrmError
from crm.models import AuditLog, Consultation
from crm.reference import Channel
from crm.services.record_views import ViewQuery
from tests.utils.factories import make_actors, make_company, make_consultation

CHANNELS = ("visit", "seminar", "financial_institution", "inbound")


@pytest.fixture
def filled(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        firm = make_company(session, actors.manager01, name="書き出し確認株式会社")
        other = make_company(session, actors.manager02, name="他拠点株式会社")
        for n in range(45):
            make_consultation(
                session,
                actors.manager01,
                firm,
                on=dt.date(2024, 4, 1) + dt.timedelta(days=9 * n),
                channel=CHANNELS[n % 4],
                summary=f"=相談{n}",  # a formula-looking text stays text
            )
        make_consultation(session, actors.manager02, other, on=dt.date(2024, 5, 1))
        session.commit()
        yield session, actors


VIEW = ViewQuery(
    descending=False, fiscal_year=2024, chosen=(("channel", ("visit", "seminar")),), limit=20
)
SHOWN = ["consulted_on", "company", "channel", "summary"]


def _expected(session) -> list[Consultation]:
    rows = session.exec(select(Consultation).where(Consultation.hub_code == "01")).all()
    picked = [
        c
        for c in rows
        if dt.date(2024, 4, 1) <= c.consulted_on <= dt.date(2025, 3, 31)
        and c.channel in ("visit", "seminar")
    ]
    return sorted(picked, key=lambda c: (c.consulted_on, c.id))


def test_the_csv_holds_every_row_of_the_view_in_its_order(filled, monkeypatch):
    session, actors = filled
    monkeypatch.setattr(view_export, "CHUNK", 7)  # several pages
    file = export_view(session, actors.manager01, "consultations", VIEW, SHOWN)
    assert file.name.endswith(".csv") and file.name.startswith("相談_")
    text = file.data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["相談日", "企業名", "相談経路", "相談内容"]
    expected = _expected(session)
    assert len(expected) > 20  # more than the page on the screen
    assert file.rows == len(expected) == len(lines) - 1
    assert [line[0] for line in lines[1:]] == [c.consulted_on.isoformat() for c in expected]
    assert {line[1] for line in lines[1:]} == {"書き出し確認株式会社"}
    assert {line[2] for line in lines[1:]} == {Channel.VISIT.label, Channel.SEMINAR.label}
    assert lines[1][3].startswith("'=相談")  # neutralised for Excel


def test_the_workbook_reads_back_like_the_csv(filled):
    session, actors = filled
    file = export_view(session, actors.manager01, "consultations", VIEW, SHOWN, file_format="xlsx")
    assert file.name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(file.data)).active
    values = list(sheet.iter_rows(values_only=True))
    expected = _expected(session)
    assert list(values[0]) == ["相談日", "企業名", "相談経路", "相談内容"]
    assert len(values) - 1 == len(expected)
    firsts = [v[0].date() if isinstance(v[0], dt.datetime) else v[0] for v in values[1:]]
    assert firsts == [c.consulted_on for c in expected]  # real dates, not text
    assert values[1][3].startswith("'=相談")  # neutralised as in every export workbook


def test_another_hub_is_never_in_the_file_and_the_export_is_audited(filled):
    session, actors = filled
    file = export_view(session, actors.manager02, "consultations", ViewQuery(), SHOWN)
    lines = list(csv.reader(io.StringIO(file.data.decode("utf-8-sig"))))
    assert [line[1] for line in lines[1:]] == ["他拠点株式会社"]
    entry = session.exec(select(AuditLog).where(AuditLog.entity == "view")).one()
    assert entry.action == "export" and entry.username == "manager02"
    assert json.loads(entry.detail)["rows"] == 1


def test_a_view_too_large_is_refused_before_reading(filled, monkeypatch):
    session, actors = filled
    monkeypatch.setattr(view_export, "MAX_ROWS", 10)
    with pytest.raises(ViewTooLarge) as refused:
        export_view(session, actors.manager01, "consultations", ViewQuery(), SHOWN)
    assert "45件あります" in str(refused.value) and "10件まで" in str(refused.value)
    with pytest.raises(CrmError, match="書き出せる列"):
        export_view(session, actors.manager01, "consultations", ViewQuery(), ["no_such"])
    with pytest.raises(CrmError, match="形式"):
        export_view(session, actors.manager01, "consultations", VIEW, SHOWN, file_format="pdf")
