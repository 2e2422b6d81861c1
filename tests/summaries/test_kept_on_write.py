"""The counts kept on write equal a recount of the rows after every kind of write: the forms'
services (create, edit of every counted key, a need's category, a firm's industry), a raw
delete, a CSV import, a merge, the demo loader, a national restore and ``crm db transfer``, on
SQLite and PostgreSQL. ``check_summaries`` is the recount; each test also reads a dashboard
number and compares it with ``count(*)`` over the rows, so the readers are checked too."""

import datetime as dt

import pytest
from sqlalchemy import delete, func, select, text
from sqlmodel import Session
from typer.testing import CliRunner

from crm.actor import SYSTEM
from crm.analytics.breakdowns import Dimension, breakdown
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.cli import app
from crm.csvio.export import full_export
from crm.csvio.importer import import_files
from crm.models import Company, Consultation, Placement, TalentNeed
from crm.services import companies, consultations, merge, needs, placements
from crm.summaries.check import check_summaries, rebuild_summaries
from tests.csvio.helpers import csv_bytes
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

runner = CliRunner()
D = dt.date


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def differences(engine) -> list:
    with engine.connect() as connection:
        return check_summaries(connection)


def rows(engine, model, *where) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def world(any_engine):
    """Two hubs with firms, consultations, needs and placements, written through the services."""
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        partner = make_partner(session)
        made = {}
        for manager in (actors.manager01, actors.manager02):
            firm = make_company(session, manager, industry="E")
            for day in (D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 17)):
                consultation = make_consultation(session, manager, firm, on=day, channel="visit")
            need = make_need(session, manager, consultation, category_id=1)
            placement = make_placement(
                session, manager, need, on=D(2025, 6, 3), partner_id=partner.id
            )
            made[manager.hub_code] = (firm, consultation, need, placement)
        session.commit()
    return any_engine, actors, partner, made


def test_every_form_write_keeps_the_counts(world):
    engine, actors, partner, made = world
    assert differences(engine) == []
    m = actors.manager01
    firm, consultation, need, placement = made["01"]
    with Session(engine, expire_on_commit=False) as session:
        # Each counted key of each fact is edited, one write at a time.
        consultations.update_consultation(
            session,
            m,
            consultation.id,
            {"consulted_on": D(2025, 5, 10), "channel": "seminar", "summary": "再訪"},
            consultation.version,
        )
        session.flush()
        # Inside the writer's transaction already, before the commit.
        assert check_summaries(session.connection()) == []
        needs.update_need(
            session,
            m,
            need.id,
            {
                "category_id": 2,
                "engagement": "side_job",
                "role_title": "工場長",
                "opened_on": D(2025, 5, 20),
            },
            need.version,
        )
        placements.update_placement(
            session,
            m,
            placement.id,
            {
                "placed_on": D(2025, 8, 1),
                "age_band": "30s",
                "previous_residence": "other_region",
                "engagement": "side_job",
                "partner_id": None,
            },
            placement.version,
        )
        companies.update_company(
            session,
            m,
            firm.id,
            {"name": firm.name, "prefecture_code": "01", "industry": "P"},
            firm.version,
        )
        second = make_company(session, m, name="二号精機株式会社", industry=None)
        later = make_consultation(session, m, second, on=D(2025, 9, 9))
        make_placement(session, m, make_need(session, m, later, category_id=3))
        session.commit()
    assert differences(engine) == []

    # What the dashboards read is the rows' count, by hub and by dimension.
    period = AnalyticsFilter(since=D(2025, 4, 1), until=D(2026, 3, 31), hubs=("01",))
    with Session(engine) as session:
        figures = headline_figures(session, actors.secretariat, period)
        industry = breakdown(session, actors.secretariat, Dimension.INDUSTRY, period)
    assert figures.consultations == rows(engine, Consultation, Consultation.hub_code == "01")
    assert figures.needs_opened == rows(engine, TalentNeed, TalentNeed.hub_code == "01")
    assert figures.placements == rows(engine, Placement, Placement.hub_code == "01") == 2
    assert {r.key: r.count for r in industry.rows} == {"P": 1, None: 1}


def test_a_need_category_change_moves_its_placements(world):
    engine, actors, _partner, made = world
    _firm, _consultation, need, _placement = made["02"]
    with Session(engine, expire_on_commit=False) as session:
        needs.update_need(
            session,
            actors.manager02,
            need.id,
            {
                "category_id": 4,
                "engagement": need.engagement,
                "role_title": need.role_title,
                "opened_on": need.opened_on,
            },
            need.version,
        )
        session.commit()
        category = breakdown(session, actors.secretariat, Dimension.CATEGORY)
    assert differences(engine) == []
    assert {r.key: r.count for r in category.rows if r.count} == {"1": 1, "4": 1}


def test_a_raw_delete_and_a_rolled_back_write_keep_the_counts(world):
    engine, actors, _partner, made = world
    with Session(engine) as session:
        make_consultation(session, actors.manager01, made["01"][0], on=D(2025, 6, 1))
        session.rollback()  # the count goes back with the row
    assert differences(engine) == []
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM follow_up WHERE hub_code = '02'"))
        connection.execute(delete(Placement).where(Placement.hub_code == "02"))
    assert differences(engine) == []
    with Session(engine) as session:
        figures = headline_figures(session, actors.secretariat, AnalyticsFilter(hubs=("02",)))
    assert figures.placements == 0


def test_an_import_and_a_merge_keep_the_counts(world):
    engine, actors, _partner, made = world
    m = actors.manager01
    files = [
        ("companies.csv", csv_bytes(["企業ID,企業名,都道府県コード,業種", "501,新しい会社,01,G"])),
        (
            "consultations.csv",
            csv_bytes(
                [
                    "相談ID,企業ID,相談日,相談経路,相談内容",
                    "601,501,2025-02-03,企業訪問,初回",
                    ",501,2025-02-28,セミナー,二回目",
                ]
            ),
        ),
        (
            "needs.csv",
            csv_bytes(
                [
                    "ニーズID,企業ID,相談ID,人材区分,雇用形態,役職・職種,受付日",
                    ",501,601,経営人材,中途採用,工場長,2025-02-10",
                ]
            ),
        ),
    ]
    with Session(engine, expire_on_commit=False) as session:
        report = import_files(session, m, files, dry_run=False)
        assert report.ok, report.errors
        session.commit()
    assert differences(engine) == []

    with Session(engine, expire_on_commit=False) as session:
        kept = made["01"][0]
        other = session.execute(select(Company).where(Company.name == "新しい会社")).scalar_one()
        merge.merge_companies(
            session,
            m,
            keep_id=other.id,
            keep_version=other.version,
            merge_id=kept.id,
            merge_version=session.get(Company, kept.id).version,
        )
        session.commit()
        industry = breakdown(session, actors.secretariat, Dimension.INDUSTRY)
    assert differences(engine) == []
    # The placement of the merged firm now counts under the kept firm's industry.
    assert {r.key: r.count for r in industry.rows} == {"E": 1, "G": 1}


def test_the_demo_loader_a_restore_and_a_rebuild_keep_the_counts(any_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", _url(any_engine))
    loaded = runner.invoke(app, ["demo", "--consultations", "3000", "--seed", "7"])
    assert loaded.exit_code == 0, loaded.output
    assert differences(any_engine) == []
    checked = runner.invoke(app, ["db", "check-summaries"])
    assert checked.exit_code == 0 and "差異 0 件" in checked.stdout

    # A national restore of the demo into an empty database of the same kind.
    with Session(any_engine) as session:
        folder = full_export(session, SYSTEM).write_to(tmp_path / "out")
        session.rollback()
    with any_engine.begin() as connection:
        summary_rows = connection.execute(text("SELECT COUNT(*) FROM placement_count")).scalar()
        # Emptying the fact tables leaves every summary at zero: the triggers uncount.
        for table in (
            "referral_report",
            "event_attendee",
            "event_cohost",
            "introduction",
            "outreach_event",
            "follow_up",
            "need_status_change",
            "placement",
            "referral",
            "talent_need",
            "contact",
            "consultation",
        ):
            connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(text("UPDATE company SET merged_into = NULL"))
        connection.execute(text("DELETE FROM company"))
        connection.execute(text("DELETE FROM kpi_target"))
        connection.execute(text("DELETE FROM partner"))
        left = connection.execute(text("SELECT COALESCE(SUM(ABS(n)), 0) FROM placement_count"))
        assert left.scalar() == 0
    assert summary_rows
    restored = runner.invoke(app, ["import", "all", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert differences(any_engine) == []

    # Counts broken behind the triggers' back are found, reported and rebuilt.
    with any_engine.begin() as connection:
        connection.execute(text("UPDATE need_count SET n = n + 2"))
    broken = runner.invoke(app, ["db", "check-summaries"])
    assert broken.exit_code == 1
    assert "need_count: hub_code=" in broken.stdout and "差異があります" in broken.output
    rebuilt = runner.invoke(app, ["db", "rebuild-summaries"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert differences(any_engine) == []


def test_a_rebuild_equals_what_the_triggers_kept(world):
    engine, *_ = world

    def stored(connection):
        return {
            table: sorted(
                tuple(row)
                for row in connection.execute(text(f"SELECT * FROM {table} WHERE n <> 0"))
            )
            for table in ("consultation_count", "need_count", "placement_count")
        }

    with engine.begin() as connection:
        kept = stored(connection)
        rebuild_summaries(connection)
        assert stored(connection) == kept
    assert sum(len(v) for v in kept.values()) > 0


def test_referrals_and_follow_ups_done_are_counted_for_the_weekly_summary(world):
    from crm.analytics.counted import per_hub
    from crm.models import FollowUp, Referral
    from crm.services import followups

    engine, actors, partner, made = world
    m = actors.manager01
    firm, consultation, _need, _placement = made["01"]
    with Session(engine, expire_on_commit=False) as session:
        fresh = make_need(session, m, consultation, category_id=2)
        needs.refer_need(
            session,
            m,
            {"need_id": fresh.id, "partner_id": partner.id, "referred_on": D(2025, 6, 20)},
        )
        due = session.execute(select(FollowUp).where(FollowUp.hub_code == "01")).scalars().all()
        assert due and all(f.done_on is None for f in due)  # not done: not counted
        assert per_hub(session, "follow_ups_done", None, None, ["01"]) == {}
        followups.complete_follow_up(session, m, due[0].id, due[0].version, D(2025, 9, 16))
        session.commit()
    assert differences(engine) == []
    with Session(engine) as session:
        assert per_hub(session, "referrals", D(2025, 6, 1), D(2025, 6, 30), None) == {"01": 1}
        assert per_hub(session, "referrals", None, D(2025, 6, 19), None) == {}
        # A partial month at both ends (rows) and none in between.
        assert per_hub(session, "follow_ups_done", D(2025, 9, 16), D(2025, 9, 16), None) == {
            "01": 1
        }
        assert per_hub(session, "follow_ups_done", None, None, None) == {
            "01": rows(engine, FollowUp, FollowUp.done_on.is_not(None))
        }
    # A raw delete is uncounted by the triggers too.
    with Session(engine) as session:
        session.execute(delete(Referral))
        session.commit()
    assert differences(engine) == []
    with Session(engine) as session:
        assert per_hub(session, "referrals", None, None, None) == {}
