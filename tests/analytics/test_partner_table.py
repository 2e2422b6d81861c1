"""The partner table (crm.analytics.partner_table) against known figures and an independent
recount in plain SQL, on SQLite and PostgreSQL; its scope rules."""

import statistics

import pytest
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import Actor
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.partner_table import ON_TIME_DAYS, PartnerRow, partner_table
from crm.analytics.partner_table import _ranked as ranked_key
from crm.errors import PermissionDenied
from crm.reference import Role
from tests.analytics.funnel_data import SINCE, UNTIL, Recount, build_funnel_world

PERIOD = {"since": SINCE, "until": UNTIL}


@pytest.fixture
def world(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        yield session, build_funnel_world(session), Recount(any_engine.dialect.name)


def recount(session: Session, r: Recount, hubs: tuple[str, ...], dimension: str) -> dict:
    """(partner, key) -> (referrals, on time, placements, median days) by plain SQL;
    ``dimension``: an expression of the need ``n`` (the key), e.g. n.category_id."""
    hub_list = ", ".join(f"'{h}'" for h in hubs)
    received = f"""
        SELECT x.id, x.partner_id, x.need_id, x.referred_on, {dimension} AS dim,
               (SELECT MIN(rr.reported_on) FROM referral_report rr
                 WHERE rr.referral_id = x.id) AS first_report
          FROM referral x JOIN talent_need n ON n.id = x.need_id
         WHERE x.hub_code IN ({hub_list}) AND x.referred_on BETWEEN :since AND :until"""
    counted = session.execute(
        text(
            f"""SELECT partner_id, dim, COUNT(*),
                       SUM(CASE WHEN first_report IS NOT NULL
                                 AND {r.days("first_report", "referred_on")} <= {ON_TIME_DAYS}
                                THEN 1 ELSE 0 END)
                  FROM ({received}) rc GROUP BY partner_id, dim"""
        ),
        PERIOD,
    ).all()
    days = session.execute(
        text(
            f"""SELECT pr.partner_id, pr.dim, {r.days("p.placed_on", "pr.first_on")}
                  FROM (SELECT partner_id, need_id, dim, MIN(referred_on) AS first_on
                          FROM ({received}) rc GROUP BY partner_id, need_id, dim) pr
                  JOIN placement p ON p.need_id = pr.need_id AND p.partner_id = pr.partner_id
                   AND p.placed_on >= pr.first_on"""
        ),
        PERIOD,
    ).all()
    per: dict = {}
    for partner, dim, n in days:
        per.setdefault((partner, dim), []).append(n)
    return {
        (partner, dim): (
            int(n),
            int(on_time),
            len(per.get((partner, dim), [])),
            statistics.median(per[(partner, dim)]) if (partner, dim) in per else None,
        )
        for partner, dim, n, on_time in counted
    }


def _figures(rows, keyed=True) -> dict:
    return {
        (row.partner_id, row.key if keyed else row.partner_id): (
            row.referrals,
            row.reported_on_time,
            row.placements,
            row.median_days,
        )
        for row in rows
    }


def test_hub_partner_table_matches_known_figures_and_the_recount(world):
    session, w, r = world
    table = partner_table(session, w.actors.manager01, AnalyticsFilter(**PERIOD))
    rows = {row.partner_id: row for row in table.rows}
    # Known by hand: A received N1, N2, N5 (reports after 3 days, none, 7 days: two on time)
    # and placed N1 (51 days) and N5 (166 days, after the period); B received N1, N3, N6
    # (reports after 14, 2 and 15 days: one on time) and placed N3 (59) and N6 (15).
    a, b = rows[w.agency_a], rows[w.agency_b]
    assert (a.referrals, a.reported_on_time, a.placements, a.median_days) == (3, 2, 2, 108.5)
    assert (b.referrals, b.reported_on_time, b.placements, b.median_days) == (3, 1, 2, 37.0)
    assert a.conversion == pytest.approx(2 / 3) and b.on_time_share == pytest.approx(1 / 3)
    # Placed referrals: a referral that led to a placement by that partner on its need.
    assert (a.placed_referrals, b.placed_referrals) == (2, 2)
    assert w.bank not in rows  # introduced firms, referred nothing

    assert _figures(table.rows, keyed=False) == recount(session, r, ("01",), "x.partner_id")
    assert _figures(table.by_category) == recount(session, r, ("01",), "n.category_id")
    assert _figures(table.by_engagement) == recount(session, r, ("01",), "n.engagement")


def test_breakdowns_add_up_to_each_partner(world):
    session, w, _ = world
    table = partner_table(session, w.actors.secretariat, AnalyticsFilter(**PERIOD))
    for breakdown in (table.by_category, table.by_engagement):
        for row in table.rows:
            parts = [p for p in breakdown if p.partner_id == row.partner_id]
            assert sum(p.referrals for p in parts) == row.referrals
            assert sum(p.reported_on_time for p in parts) == row.reported_on_time
            assert sum(p.placements for p in parts) == row.placements
    assert all(p.key_label for p in table.by_category + table.by_engagement)


def test_national_table_counts_every_hub(world):
    session, w, r = world
    table = partner_table(session, w.actors.secretariat, AnalyticsFilter(**PERIOD))
    assert _figures(table.rows, keyed=False) == recount(session, r, ("01", "02"), "x.partner_id")
    a = next(row for row in table.rows if row.partner_id == w.agency_a)
    assert (a.referrals, a.placements) == (4, 3)  # hub 02's referral and placement too


def test_ranked_by_conversion_then_placements(world):
    session, w, _ = world
    table = partner_table(session, w.actors.secretariat, AnalyticsFilter(**PERIOD))
    conversions = [row.conversion for row in table.rows]
    assert conversions == sorted(conversions, reverse=True)
    assert table.rows[0].partner_id == w.agency_a  # 3 of 4 nationally


def test_hub_manager_reads_only_their_hub(world):
    session, w, _ = world
    with pytest.raises(PermissionDenied):
        partner_table(session, w.actors.manager02, AnalyticsFilter(hubs=("01",), **PERIOD))
    own = partner_table(session, w.actors.manager02, AnalyticsFilter(**PERIOD))
    assert [(row.partner_id, row.referrals, row.placements) for row in own.rows] == [
        (w.agency_a, 1, 1)
    ]


def test_a_partner_is_refused(world):
    session, w, _ = world
    partner = Actor(user_id=999, username="partner", role=Role.PARTNER, partner_id=w.agency_a)
    with pytest.raises(PermissionDenied):
        partner_table(session, partner, AnalyticsFilter(**PERIOD))


def test_report_partners_writes_the_table(sqlite_engine, monkeypatch):
    import csv
    import io

    from typer.testing import CliRunner

    from crm.cli import app

    monkeypatch.setenv("CRM_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    with Session(sqlite_engine, expire_on_commit=False) as session:
        build_funnel_world(session)
    args = ["report", "partners", "--hub", "01", "--from", "2024-04", "--to", "2024-09"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == [
        "パートナー",
        "パートナーの種類",
        "紹介件数",
        "期限内の報告",
        "期限内報告率",
        "成約件数",
        "成約に至った紹介",
        "成約率",
        "紹介から成約までの日数（中央値）",
    ]
    assert rows[1] == [
        "甲人材株式会社",
        "人材ビジネス事業者",
        "3",
        "2",
        "0.6667",
        "2",
        "2",
        "0.6667",
        "108.5",
    ]
    result = CliRunner().invoke(app, [*args, "--by", "category", "--codes"])
    assert result.exit_code == 0, result.output
    coded = list(csv.reader(io.StringIO(result.output)))
    assert coded[0][:4] == ["partner_id", "partner", "partner_kind", "category_id"]
    assert len(coded) == 1 + 4


def test_placed_referrals_match_a_plain_count_and_bound_the_conversion(world):
    session, w, _ = world
    table = partner_table(session, w.actors.secretariat, AnalyticsFilter(**PERIOD))
    counted = dict(
        session.execute(
            text(
                """SELECT x.partner_id, COUNT(*) FROM referral x
                    WHERE x.referred_on BETWEEN :since AND :until
                      AND EXISTS (SELECT 1 FROM placement p WHERE p.need_id = x.need_id
                                     AND p.partner_id = x.partner_id
                                     AND p.placed_on >= x.referred_on)
                    GROUP BY x.partner_id"""
            ),
            PERIOD,
        ).all()
    )
    assert {row.partner_id: row.placed_referrals for row in table.rows if row.placed_referrals} == (
        counted
    )
    assert all(0 <= (row.conversion or 0) <= 1 for row in table.rows)


def _row(partner_id: int, referrals: int, placed: int, reported: int = 0) -> PartnerRow:
    return PartnerRow(
        partner_id=partner_id,
        partner_name=f"P{partner_id}",
        partner_kind="recruitment_agency",
        referrals=referrals,
        reported_on_time=0,
        placements=placed,
        median_days=None,
        timed=placed,
        placed_referrals=placed,
        reported=reported,
    )


def test_few_referrals_rank_below_and_no_reports_is_no_share():
    small, large, middling = _row(1, 3, 3), _row(2, 40, 20, reported=30), _row(3, 12, 3)
    ranked = sorted([small, middling, large], key=ranked_key)
    assert [row.partner_id for row in ranked] == [2, 3, 1]  # 100% of three comes last
    assert small.on_time_share is None  # reports nothing through the CRM: no share, not 0%
    assert large.on_time_share == 0.0
