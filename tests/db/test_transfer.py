"""`crm db transfer --to URL`: the whole database copied into an empty, migrated one.

The PostgreSQL test moves the SQLite demo (every table: accounts, audit log, data versions,
sessions, tokens) into PostgreSQL and checks the copy independently of the command's own
check: row counts by ``count(*)`` on both engines, every row of every table compared after
normalising values, and the dashboards' numbers computed on both engines.
"""

import datetime as dt
import os
import re

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session
from typer.testing import CliRunner

from crm.actor import SYSTEM
from crm.analytics.comparison import hub_comparison
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.analytics.trend import monthly_trend
from crm.cli import app
from crm.db import make_engine, upgrade
from crm.dbtransfer import canonical, tables
from crm.models import Company, table_of
from crm.summaries.check import check_summaries
from crm.summaries.tables import TABLES as SUMMARY_TABLES
from tests.utils.factories import make_actors, make_company, make_consultation

runner = CliRunner()
URL = "CRM_DATABASE_URL"
TODAY = dt.date(2026, 11, 30)  # a pinned "today" for the dashboards on both engines


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _rows(engine) -> dict[str, list[tuple]]:
    """Every table's rows, in canonical form, sorted (independent of the command's hashing
    order)."""
    found = {}
    with engine.connect() as connection:
        for table in tables():
            rows = connection.execute(select(*table.columns))
            found[table.name] = sorted(tuple(str(canonical(v)) for v in row) for row in rows)
    return found


def _summaries(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: sorted(
                tuple(str(v) for v in row)
                for row in connection.execute(table.select().where(table.c.n != 0))
            )
            for table in SUMMARY_TABLES
        }


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: connection.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()
            for t in tables()
        }


def _dashboards(engine):
    with Session(engine) as session:
        period = AnalyticsFilter(since=dt.date(2020, 4, 1), until=dt.date(2021, 3, 31))
        return (
            monthly_trend(session, SYSTEM, until=TODAY),
            hub_comparison(session, SYSTEM, period, today=TODAY),
            headline_figures(session, SYSTEM, period),
            headline_figures(session, SYSTEM),
        )


def _report_lines(output: str) -> dict[str, str]:
    lines = {}
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] in {t.name for t in tables()}:
            lines[parts[0]] = line
    return lines


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("CRM_SLOW_TESTS") != "1",
    reason="the demo's transfer and checks take minutes: set CRM_SLOW_TESTS=1",
)
def test_transfer_of_the_demo_into_postgresql(demo_engine, postgres_engine, monkeypatch):
    monkeypatch.setenv(URL, _url(demo_engine))
    before = _counts(demo_engine)
    assert min(before[n] for n in ("user_account", "audit_log", "consultation")) > 0
    assert before["need_status_change"] > before["talent_need"]

    result = runner.invoke(app, ["db", "transfer", "--to", _url(postgres_engine)])
    assert result.exit_code == 0, result.output
    printed = _report_lines(result.stdout)
    assert set(printed) == {t.name for t in tables()}
    for name, line in printed.items():
        found = re.fullmatch(
            r"(\S+)\s+([\d,]+) 件 →\s+([\d,]+) 件  sha256 ([0-9a-f]{16})  一致", line
        )
        assert found, line
        assert found[2] == found[3] == f"{before[name]:,}", line

    assert _counts(postgres_engine) == before
    assert _rows(postgres_engine) == _rows(demo_engine)
    assert _dashboards(postgres_engine) == _dashboards(demo_engine)
    # The copied rows were counted by the target's own triggers: the same summaries, equal to
    # a recount (the summary tables themselves are not copied).
    assert _summaries(postgres_engine) == _summaries(demo_engine)
    with postgres_engine.connect() as connection:
        assert check_summaries(connection) == []

    # Sequences continue after the copied ids: a new row on PostgreSQL gets the next id.
    with postgres_engine.begin() as connection:
        largest = connection.execute(text("SELECT max(id) FROM company")).scalar_one()
        company = table_of(Company)
        new_id = connection.execute(
            company.insert()
            .values(hub_code="01", name="移行後の新しい会社", prefecture_code="01")
            .returning(company.c.id)
        ).scalar_one()
    assert new_id == largest + 1

    # A second transfer into the now non-empty database is refused, in one line.
    again = runner.invoke(app, ["db", "transfer", "--to", _url(postgres_engine)])
    assert again.exit_code == 1
    assert again.output.startswith("エラー: 移行先のデータベースが空ではありません")
    assert len(again.output.strip().splitlines()) == 1


def _small_source(engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        manager = make_actors(session).manager01
        first = make_company(session, manager, name="株式会社甲")
        make_consultation(session, manager, first, on=dt.date(2025, 4, 1))
        session.commit()


def test_transfer_between_sqlite_files_and_its_refusals(
    sqlite_engine, sqlite_template, tmp_path, monkeypatch
):
    _small_source(sqlite_engine)
    monkeypatch.setenv(URL, _url(sqlite_engine))

    # Not migrated: refused, nothing written.
    bare = tmp_path / "bare.sqlite3"
    result = runner.invoke(app, ["db", "transfer", "--to", f"sqlite:///{bare}"])
    assert result.exit_code == 1
    assert result.output.startswith("エラー: 移行先のデータベースが最新のスキーマではありません")
    assert len(result.output.strip().splitlines()) == 1

    # Migrated and empty: copied, with a line per table.
    target = make_engine(f"sqlite:///{tmp_path / 'target.sqlite3'}")
    upgrade(target)
    result = runner.invoke(app, ["db", "transfer", "--to", _url(target)])
    assert result.exit_code == 0, result.output
    assert len(_report_lines(result.stdout)) == len(tables())
    assert _rows(target) == _rows(sqlite_engine)
    with target.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(text("company"))).scalar_one() == 1
        )

    # The same database as source and target: refused.
    result = runner.invoke(app, ["db", "transfer", "--to", _url(sqlite_engine)])
    assert result.exit_code == 1 and "同じデータベース" in result.output
    target.dispose()
