"""`crm report hubs`: the prefecture comparison as CSV, from the same queries as the page."""

import csv
import io

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from crm.actor import actor_for
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.cli import app
from crm.cli.report import HUB_COLUMNS
from crm.services import targets
from crm.services.users import get_user

runner = CliRunner()


def _rows(output: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(output)))


@pytest.fixture
def data(known_engine, known_template, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", known_engine.url.render_as_string(hide_password=False))
    known = known_template[1]
    with Session(known_engine) as session:
        targets.set_target(
            session,
            known.secretariat,
            {"hub_code": "06", "fiscal_year": 2020, "consultations": 10, "placements": 2},
        )
        session.commit()
    return known


def test_month_range_rows_match_an_independent_count(data):
    result = runner.invoke(
        app,
        ["report", "hubs", "--from", "2019-04", "--until", "2020-12", "--format", "csv", "--codes"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == ",".join(HUB_COLUMNS)
    rows = _rows(result.output)
    assert len(rows) == 46 and "13" not in {r["hub_code"] for r in rows}
    for row in rows:
        one = AnalyticsFilter.for_months("2019-04", "2020-12", hubs=(row["hub_code"],))
        assert (int(row["consultations"]), int(row["needs"]), int(row["placements"])) == (
            len(data.c_in(one)),
            len(data.n_in(one)),
            len(data.p_in(one)),
        ), row["hub_code"]
        cumulative = one.with_period(None, one.until)
        assert int(row["cumulative_consultations"]) == len(data.c_in(cumulative))
        assert (row["since"], row["until"]) == ("2019-04-01", "2020-12-31")
        assert row["fiscal_year"] == "2020"
    total = AnalyticsFilter.for_months("2019-04", "2020-12")
    assert sum(int(r["placements"]) for r in rows) == len(data.p_in(total))
    yamagata = next(r for r in rows if r["hub_code"] == "06")
    assert yamagata["hub_name"] == "山形県" and yamagata["block"] == "東北"
    assert (yamagata["target_status"], yamagata["target_consultations"]) == ("approved", "10")
    # The period ends on 2020-12-31, when 275 of FY2020's 365 days have elapsed.
    assert float(yamagata["expected_consultations"]) == pytest.approx(10 * 275 / 365, abs=0.05)
    fy_to_date = AnalyticsFilter.for_months("2020-04", "2020-12", hubs=("06",))
    assert int(yamagata["fy_consultations"]) == len(data.c_in(fy_to_date))
    assert yamagata["behind"] == str(
        int(
            len(data.c_in(fy_to_date)) < 10 * 275 / 365
            or len(data.p_in(fy_to_date)) < 2 * 275 / 365
        )
    )
    hokkaido = next(r for r in rows if r["hub_code"] == "01")
    assert hokkaido["target_status"] == "" and hokkaido["behind"] == ""


def test_fiscal_year_and_block(data):
    result = runner.invoke(app, ["report", "hubs", "--fy", "2020", "--block", "東北", "--codes"])
    assert result.exit_code == 0, result.output
    rows = _rows(result.output)
    assert [r["hub_code"] for r in rows] == ["02", "03", "04", "05", "06", "07"]
    fy = AnalyticsFilter.for_fiscal_year(2020)
    for row in rows:
        hub = AnalyticsFilter(since=fy.since, until=fy.until, hubs=(row["hub_code"],))
        assert int(row["consultations"]) == len(data.c_in(hub))
        placements, consultations = len(data.p_in(hub)), len(data.c_in(hub))
        assert row["conversion"] == (
            "" if not consultations else f"{placements / consultations:.4f}"
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fy", "2020", "--from", "2020-04"], "同時に指定できません"),
        (["--format", "pdf"], "csv または xlsx"),
        (["--format", "xlsx"], "--out"),
        (["--from", "2020/04"], "YYYY-MM"),
        (["--from", "2020-05", "--until", "2020-04"], "終了日"),
        (["--block", "関西"], "地域ブロック"),
    ],
)
def test_bad_options_exit_with_a_message(data, args, message):
    result = runner.invoke(app, ["report", "hubs", *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_demo_rows_add_up_to_the_national_totals(demo_engine, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    with Session(demo_engine) as session:
        secretariat = actor_for(get_user(session, "secretariat"))
        for args, filters in (
            (["--fy", "2020"], AnalyticsFilter.for_fiscal_year(2020)),
            (
                ["--from", "2016-01", "--until", "2020-11"],
                AnalyticsFilter.for_months("2016-01", "2020-11"),
            ),
        ):
            result = runner.invoke(app, ["report", "hubs", *args, "--format", "csv", "--codes"])
            assert result.exit_code == 0, result.output
            rows = _rows(result.output)
            assert len(rows) == 46
            national = headline_figures(session, secretariat, filters)
            assert sum(int(r["consultations"]) for r in rows) == national.consultations
            assert sum(int(r["needs"]) for r in rows) == national.needs_opened
            assert sum(int(r["placements"]) for r in rows) == national.placements
        # Through November 2020: the published 52,144 consultations and 10,831 placements.
        assert sum(int(r["cumulative_consultations"]) for r in rows) == 52144
        assert sum(int(r["cumulative_placements"]) for r in rows) == 10831


def test_the_month_in_progress_ends_today_not_at_its_month_end(data, monkeypatch):
    """On 2 December 2026 (pinned) `--until 2026-12` counts up to today and says so."""
    import datetime as dt

    import crm.analytics.comparison as comparison

    monkeypatch.setattr(comparison, "today_jst", lambda: dt.date(2026, 12, 2))
    result = runner.invoke(
        app,
        ["report", "hubs", "--from", "2026-10", "--until", "2026-12", "--format", "csv", "--codes"],
    )
    assert result.exit_code == 0, result.output
    rows = _rows(result.output)
    assert {(r["since"], r["until"], r["fiscal_year"]) for r in rows} == {
        ("2026-10-01", "2026-12-02", "2026")
    }
    assert "2026-12-31" not in result.output


def test_side_jobs_and_people_from_outside_match_an_independent_count(data, tmp_path):
    """うち副業・兼業 and 県外からの人材 (首都圏 or その他の地域), in the CSV and the workbook."""
    import openpyxl

    args = ["report", "hubs", "--from", "2019-04", "--until", "2020-12"]
    rows = _rows(runner.invoke(app, [*args, "--format", "csv", "--codes"]).output)
    result = runner.invoke(app, [*args, "--format", "xlsx", "--out", str(tmp_path / "h.xlsx")])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "h.xlsx")["都道府県比較"]
    header = [c.value for c in sheet[1]]
    book = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    period = AnalyticsFilter.for_months("2019-04", "2020-12")
    outside = {"tokyo_area", "other_region"}
    for row in rows:
        code = row["hub_code"]
        placed = [p for p in data.p_in(period) if p.hub == code]
        cumulative = [p for p in data.p_in(period.with_period(None, period.until)) if p.hub == code]
        expected = (
            sum(p.engagement == "side_job" for p in placed),
            sum(p.residence in outside for p in placed),
            sum(p.engagement == "side_job" for p in cumulative),
            sum(p.residence in outside for p in cumulative),
        )
        assert tuple(int(row[k]) for k in HUB_COLUMNS[-4:]) == expected, code
        typed = book[code]
        assert (typed["うち副業・兼業"], typed["県外からの人材"]) == expected[:2]
        assert typed["相談件数"] == int(row["consultations"])
        assert (
            typed["拠点コード"] == code and typed["期間（初日）"].date().isoformat() == "2019-04-01"
        )
    assert sum(int(r["side_job_placements"]) for r in rows) > 0
    assert sum(int(r["outside_placements"]) for r in rows) > 0
    assert not [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]


def test_by_default_the_csv_reads_like_the_workbook(data):
    """Without --codes: the workbook's Japanese headers and the pages' label for the target's
    state (承認済み, never ``approved``), the same numbers as the coded CSV."""
    period = ["report", "hubs", "--from", "2019-04", "--until", "2020-12"]
    coded = {r["hub_code"]: r for r in _rows(runner.invoke(app, [*period, "--codes"]).output)}
    result = runner.invoke(app, period)
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split(",")
    assert header[:3] == ["拠点コード", "拠点名", "地域ブロック"] and "target_status" not in header
    rows = {r["拠点コード"]: r for r in _rows(result.output)}
    assert rows.keys() == coded.keys()
    assert rows["06"]["目標の状態"] == "承認済み" and coded["06"]["target_status"] == "approved"
    assert "approved" not in result.output
    for code, row in rows.items():
        assert (row["相談件数"], row["成約件数"]) == (
            coded[code]["consultations"],
            coded[code]["placements"],
        )
