"""Hostile input, table-driven, over forms (the services the forms call), CSV import and the
CLI: dates (year 1, year 9999, February 30, eras that do not exist), numbers (negative, 1e30,
2^63), strings (NUL, 100,000 characters, a BOM mid-cell, Markdown and HTML). Each value is
either refused with a field (or row and column) message or stored exactly as typed, never a
traceback. Then records the boundaries would refuse are written straight into the database
(year 1, year 9999, 100,000 characters) and every main page, report and export still renders.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select
from typer.testing import CliRunner

from crm.analytics.trend import monthly_trend
from crm.cli import app
from crm.csvio.export import full_export
from crm.csvio.importer import import_files
from crm.errors import ValidationError
from crm.models import Company, Consultation, Placement, table_of
from crm.services import companies, consultations
from tests.utils.factories import make_actors, make_company, make_consultation, make_need

MARKDOWN = "![x](https://evil.example/a.png) **太字** [link](javascript:alert(1)) # 見出し"
HTML = '<img src="https://evil.example/b.png"><script>alert(1)</script>&amp;'
LONG = "あ" * 100_000


@dataclass(frozen=True)
class Case:
    name: str
    entity: str  # company | consultation
    field: str  # input field
    column: str  # the CSV header of that field
    form: Any  # the value a form hands the service
    cell: str  # the same value as a CSV cell
    stored: Any = None  # the value stored; None: refused


REFUSED = None
CASES = [
    # dates
    Case("year 1", "consultation", "consulted_on", "相談日", dt.date(1, 1, 1), "0001-01-01"),
    Case(
        "year 9999", "consultation", "consulted_on", "相談日", dt.date(9999, 12, 31), "9999-12-31"
    ),
    Case(
        "before the programme",
        "consultation",
        "consulted_on",
        "相談日",
        dt.date(2015, 3, 31),
        "2015-03-31",
    ),
    Case("February 30", "consultation", "consulted_on", "相談日", "2025-02-30", "2025-02-30"),
    Case(
        "平成32年 (平成 ended in its 31st year)",
        "consultation",
        "consulted_on",
        "相談日",
        "平成32年1月1日",
        "平成32年1月1日",
    ),
    Case("令和0年", "consultation", "consulted_on", "相談日", "令和0年5月1日", "令和0年5月1日"),
    Case(
        "next action 9999",
        "consultation",
        "next_action_on",
        "次回予定日",
        dt.date(9999, 1, 1),
        "9999-01-01",
    ),
    Case(
        "first day of the range",
        "consultation",
        "consulted_on",
        "相談日",
        dt.date(2015, 4, 1),
        "2015-04-01",
        dt.date(2015, 4, 1),
    ),
    # numbers
    Case("employees negative", "company", "employees", "従業員数", -1, "-1"),
    Case("employees 1e30", "company", "employees", "従業員数", 1e30, "1e30"),
    Case("employees 2^63", "company", "employees", "従業員数", 2**63, str(2**63)),
    Case("capital 2^63", "company", "capital_jpy", "資本金（円）", 2**63, str(2**63)),
    Case(
        "capital above 2^31 is kept",
        "company",
        "capital_jpy",
        "資本金（円）",
        30_000_000_000,
        "30000000000",
        30_000_000_000,
    ),
    # strings
    Case("NUL in a name", "company", "name", "企業名", "株式会社\x00テスト", "株式会社\x00テスト"),
    Case("escape in a note", "company", "notes", "備考", "メモ\x1b[31m", "メモ\x1b[31m"),
    Case("100,000 characters of name", "company", "name", "企業名", LONG, LONG),
    Case("100,000 characters of note", "company", "notes", "備考", LONG, LONG),
    Case("100,000 characters of summary", "consultation", "summary", "相談内容", LONG, LONG),
    Case(
        "BOM mid-cell",
        "company",
        "name",
        "企業名",
        "株式会社\ufeffテスト",
        "株式会社\ufeffテスト",
        "株式会社テスト",
    ),
    Case("Markdown kept as typed", "company", "name", "企業名", MARKDOWN, MARKDOWN, MARKDOWN),
    Case("HTML kept as typed", "consultation", "summary", "相談内容", HTML, HTML, HTML),
    Case(
        "line breaks in a summary",
        "consultation",
        "summary",
        "相談内容",
        "一行目\n二行目",
        '"一行目\n二行目"',
        "一行目\n二行目",
    ),
]


def _company(values: dict) -> dict:
    return {"name": "株式会社テスト", "prefecture_code": "01", **values}


def _consultation(firm_id: int, values: dict) -> dict:
    return {
        "company_id": firm_id,
        "consulted_on": dt.date(2025, 4, 10),
        "channel": "visit",
        "summary": "面談",
        **values,
    }


def _csv(case: Case, firm_id: int) -> bytes:
    if case.entity == "company":
        header, row = ["企業名", "都道府県コード"], ["株式会社テスト", "01"]
    else:
        header = ["企業ID", "相談日", "相談経路", "相談内容"]
        row = [str(firm_id), "2025-04-10", "企業訪問", "面談"]
    if case.column in header:
        row[header.index(case.column)] = case.cell
    else:
        header.append(case.column)
        row.append(case.cell)
    return ("\r\n".join([",".join(header), ",".join(row)]) + "\r\n").encode("utf-8")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_forms_and_import_refuse_or_store_exactly(session, actors, case):
    manager = actors.manager01
    firm = make_company(session, manager)
    session.commit()
    # The form's service call.
    values = {case.field: case.form}
    create = (
        (lambda: companies.create_company(session, manager, _company(values)))
        if case.entity == "company"
        else (
            lambda: consultations.log_consultation(session, manager, _consultation(firm.id, values))
        )
    )
    if case.stored is REFUSED:
        with pytest.raises(ValidationError) as refused:
            create()
        assert refused.value.fields.get(case.field), refused.value.fields
        session.rollback()
    else:
        saved = create()
        session.commit()
        assert getattr(saved, case.field) == case.stored
    # The same value in a CSV file.
    file = "companies.csv" if case.entity == "company" else "consultations.csv"
    report = import_files(session, manager, [(file, _csv(case, firm.id))], dry_run=True)
    if case.stored is REFUSED:
        assert not report.ok
        assert [(e.row, e.column) for e in report.errors] == [(2, case.column)], report.errors
        assert report.errors[0].reason
    else:
        assert report.ok, report.errors
    session.rollback()


def test_the_cli_refuses_hostile_cells_in_one_line_per_error(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("CRM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    path = tmp_path / "companies.csv"
    path.write_bytes(
        "企業名,都道府県コード,従業員数,資本金（円）\r\n"
        f"株式会社\x00テスト,01,-1,{2**63}\r\n{LONG},01,1e30,1\r\n".encode()
    )
    with Session(engine) as session:
        make_actors(session)
        session.commit()
    result = CliRunner().invoke(app, ["import", "companies", str(path), "--hub", "01"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("エラー:")]
    assert len(errors) == 5, result.output
    for reason in (
        "制御文字（U+0000）",  # row 2: NUL in the name
        "0以上で入力してください",  # row 2: employees -1
        "100,000,000,000,000以下で入力してください",  # row 2: capital 2^63
        "200文字以内で入力してください（100,000文字）",  # row 3: the name
        "指数表記（1e30）",  # row 3: employees 1e30 (a spreadsheet's exponent form)
    ):
        assert any(reason in line for line in errors), (reason, errors)


# --- values only the database can hold ----------------------------------------------------


@pytest.fixture
def odd_rows(session, actors):
    """Records dated year 1 and year 9999 and 100,000-character text, written straight into
    the database (every boundary refuses them)."""
    manager = actors.manager01
    firm = make_company(session, manager, name=MARKDOWN)
    consultation = make_consultation(session, manager, firm, on=dt.date(2025, 4, 1))
    need = make_need(session, manager, consultation, opened_on=dt.date(2025, 4, 2))
    session.commit()
    base = {"hub_code": "01", "company_id": firm.id, "channel": "visit"}
    session.execute(
        insert(table_of(Consultation)),
        [
            {**base, "consulted_on": dt.date(1, 1, 1), "summary": LONG},
            {**base, "consulted_on": dt.date(9999, 12, 31), "summary": HTML},
        ],
    )
    session.execute(
        insert(table_of(Placement)),
        [
            {
                "hub_code": "01",
                "need_id": need.id,
                "company_id": firm.id,
                "placed_on": dt.date(1, 1, 1),
                "engagement": "mid_career",
            }
        ],
    )
    session.execute(
        table_of(Company).update().where(table_of(Company).c.id == firm.id).values(notes=LONG)
    )
    session.commit()
    return firm


def test_the_trend_counts_year_one_in_its_first_month(session, actors, odd_rows):
    points = monthly_trend(session, actors.secretariat, until=dt.date(2025, 6, 30))
    assert points[0].month == "2015-04"  # the programme's first month, not year 1
    assert all(len(p.month) == 7 for p in points)
    assert points[-1].cumulative_consultations == 2  # year 1 and 2025-04; 9999 is later
    assert points[-1].cumulative_contracts == 1  # the year-1 placement


def test_reports_and_exports_render_what_the_database_holds(
    session, actors, odd_rows, engine, monkeypatch, tmp_path
):
    monkeypatch.setenv("CRM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    trend = runner.invoke(app, ["report", "trend"])
    assert trend.exit_code == 0, trend.output
    assert trend.output.splitlines()[1].startswith("2015-04,1,1"), trend.output[:200]
    hubs = runner.invoke(app, ["report", "hubs"])
    assert hubs.exit_code == 0, hubs.output
    for encoding in ("utf-8-sig", "cp932"):
        bundle = full_export(session, actors.secretariat, encoding=encoding)
        consultations_csv = next(f for f in bundle.files if f.name == "consultations.csv")
        text = consultations_csv.data.decode(encoding)
        assert "0001-01-01" in text and "9999-12-31" in text
    session.commit()  # the exports' audit entries; the CLI writes next
    xlsx = runner.invoke(app, ["export", "full", "--format", "xlsx", "--out", str(tmp_path)])
    assert xlsx.exit_code == 0, xlsx.output
    monthly = runner.invoke(
        app, ["report", "monthly", "--month", "2025-05", "--out", str(tmp_path)]
    )
    assert monthly.exit_code == 0, monthly.output
    assert session.exec(select(Company)).first() is not None


PAGES = [
    ("secretariat", "pages/national.py", None),
    ("secretariat", "pages/prefectures.py", None),
    ("secretariat", "pages/breakdowns.py", None),
    ("manager01", "pages/hub_dashboard.py", None),
    ("manager01", "pages/companies.py", "company"),
    ("manager01", "pages/consultations.py", None),
    ("manager01", "pages/needs.py", None),
    ("manager01", "pages/placements.py", None),
    ("manager01", "pages/followups.py", None),
    ("manager01", "pages/search.py", None),
    ("manager01", "pages/export.py", None),
]


@pytest.mark.parametrize(("who", "page", "link"), PAGES, ids=[p[1] for p in PAGES])
def test_every_main_page_renders_after_hostile_data(actors, odd_rows, open_page, who, page, link):
    query = {"company": str(odd_rows.id)} if link else None
    at = open_page(getattr(actors, who), page, query=query, timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    shown = [str(e.value) for e in (*at.error, *at.markdown)]
    assert not any("Traceback" in text or "Error" in text for text in shown), shown
