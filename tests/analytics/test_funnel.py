"""The funnel (crm.analytics.funnel) against the known figures of a small data set and against
an independent recount in plain SQL, on SQLite and PostgreSQL; its scope rules."""

import statistics

import pytest
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import Actor
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.funnel import CHANNEL, EVENT, INTRODUCTION, funnel, source_total
from crm.errors import PermissionDenied
from crm.reference import Role
from tests.analytics.funnel_data import SINCE, UNTIL, Recount, build_funnel_world

PERIOD = {"since": SINCE, "until": UNTIL}


@pytest.fixture
def world(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        yield session, build_funnel_world(session), Recount(any_engine.dialect.name)


def _one(session: Session, sql: str, **params) -> int:
    return int(session.execute(text(sql), {**PERIOD, **params}).scalar_one() or 0)


def _median(session: Session, sql: str, **params) -> tuple[float | None, int]:
    days = [
        row[0] for row in session.execute(text(sql), {**PERIOD, **params}) if row[0] is not None
    ]
    return (statistics.median(days) if days else None), len(days)


def recount(session: Session, r: Recount, hub: str) -> dict[str, tuple]:
    """Every step's (count, median days, timed) by plain SQL over hub ``hub``."""
    touches = """
        SELECT company_id, MIN(touched_on) AS touched_on FROM (
            SELECT a.company_id, e.held_on AS touched_on
              FROM event_attendee a JOIN outreach_event e ON e.id = a.event_id
             WHERE e.hub_code = :hub AND e.held_on BETWEEN :since AND :until
            UNION ALL
            SELECT company_id, introduced_on FROM introduction
             WHERE hub_code = :hub AND introduced_on BETWEEN :since AND :until
        ) t GROUP BY company_id"""
    outreach_days = f"""
        SELECT {r.days("MIN(c.consulted_on)", "f.touched_on")}
          FROM ({touches}) f JOIN consultation c ON c.company_id = f.company_id
         WHERE c.hub_code = :hub AND c.consulted_on >= f.touched_on AND c.consulted_on <= :until
         GROUP BY f.company_id, f.touched_on"""
    need_days = f"""
        SELECT (SELECT {r.days("n.opened_on", "MIN(c.consulted_on)")} FROM consultation c
                 WHERE c.company_id = n.company_id AND c.hub_code = n.hub_code
                   AND c.consulted_on <= n.opened_on)
          FROM talent_need n
         WHERE n.hub_code = :hub AND n.opened_on BETWEEN :since AND :until"""
    referred = """SELECT DISTINCT need_id FROM referral
                   WHERE hub_code = :hub AND referred_on BETWEEN :since AND :until"""
    first_referral = "(SELECT MIN(x.referred_on) FROM referral x WHERE x.need_id = n.id)"
    referral_days = f"""
        SELECT {r.days(first_referral, "n.opened_on")}
          FROM talent_need n WHERE n.id IN ({referred})"""
    placement_days = f"""
        SELECT {
        r.days(
            "p.placed_on",
            '''(SELECT MIN(x.referred_on) FROM referral x
                  WHERE x.need_id = p.need_id AND x.referred_on <= p.placed_on
                    AND (p.partner_id IS NULL OR x.partner_id = p.partner_id))''',
        )
    }
          FROM placement p WHERE p.hub_code = :hub AND p.placed_on BETWEEN :since AND :until"""
    median, timed = _median(session, outreach_days, hub=hub)  # a firm consulted is timed
    return {
        "events": (
            _one(
                session,
                "SELECT COUNT(*) FROM outreach_event "
                "WHERE hub_code = :hub AND held_on BETWEEN :since AND :until",
                hub=hub,
            ),
        ),
        "attending_firms": (
            _one(
                session,
                "SELECT COUNT(DISTINCT a.company_id) FROM event_attendee a "
                "JOIN outreach_event e ON e.id = a.event_id "
                "WHERE e.hub_code = :hub AND e.held_on BETWEEN :since AND :until",
                hub=hub,
            ),
        ),
        "introductions": (
            _one(
                session,
                "SELECT COUNT(*) FROM introduction "
                "WHERE hub_code = :hub AND introduced_on BETWEEN :since AND :until",
                hub=hub,
            ),
        ),
        "outreach_firms": (_one(session, f"SELECT COUNT(*) FROM ({touches}) f", hub=hub),),
        "outreach_consulted": (timed, median, timed),
        "firms_consulted": (
            _one(
                session,
                "SELECT COUNT(DISTINCT company_id) FROM consultation "
                "WHERE hub_code = :hub AND consulted_on BETWEEN :since AND :until",
                hub=hub,
            ),
        ),
        "needs": (
            _one(
                session,
                "SELECT COUNT(*) FROM talent_need "
                "WHERE hub_code = :hub AND opened_on BETWEEN :since AND :until",
                hub=hub,
            ),
            *_median(session, need_days, hub=hub),
        ),
        "needs_referred": (
            _one(session, f"SELECT COUNT(*) FROM ({referred}) r", hub=hub),
            *_median(session, referral_days, hub=hub),
        ),
        "placements": (
            _one(
                session,
                "SELECT COUNT(*) FROM placement "
                "WHERE hub_code = :hub AND placed_on BETWEEN :since AND :until",
                hub=hub,
            ),
            *_median(session, placement_days, hub=hub),
        ),
    }


def test_hub_funnel_matches_known_figures_and_the_recount(world):
    session, w, r = world
    found = funnel(session, w.actors.manager01, AnalyticsFilter(**PERIOD))
    counts = {s.key: s.count for s in found.steps}
    # Known by hand (tests/analytics/funnel_data.py).
    assert counts == {
        "events": 1,
        "attending_firms": 3,
        "introductions": 2,
        "outreach_firms": 5,
        "outreach_consulted": 4,
        "firms_consulted": 6,
        "needs": 5,
        "needs_referred": 5,
        "placements": 4,
    }
    assert found.step("outreach_consulted").median_days == 7.0  # 5, 5, 9, 10 days
    assert found.step("needs").median_days == 7.0  # 4, 5, 7, 27, 152
    assert found.step("needs_referred").median_days == 4.0  # 1, 2, 4, 5, 21
    assert found.step("placements").median_days == 51.0  # 15, 51, 59 (one untimed)
    assert found.step("placements").timed == 3
    assert round(found.step("needs").conversion * 100, 1) == 83.3
    assert found.step("placements").conversion == 4 / 5
    assert found.step("events").conversion is None

    # Independent recount in plain SQL.
    expected = recount(session, r, "01")
    for step in found.steps:
        wanted = expected[step.key]
        assert step.count == wanted[0], step.key
        if len(wanted) > 1:
            assert step.median_days == wanted[1], step.key
            assert step.timed == wanted[2], step.key


def _sources_sql(r: Recount) -> str:
    """Each firm consulted in the period with its source, by the module's rule, in plain SQL."""
    return """
        SELECT company_id, event_id, introduction_id, channel FROM (
            SELECT company_id, event_id, introduction_id, channel,
                   ROW_NUMBER() OVER (
                       PARTITION BY company_id
                       ORDER BY CASE WHEN event_id IS NOT NULL OR introduction_id IS NOT NULL
                                     THEN 0 ELSE 1 END, consulted_on, id) AS n
              FROM consultation
             WHERE hub_code = :hub AND consulted_on BETWEEN :since AND :until) ranked
         WHERE n = 1"""


def test_by_source_matches_the_recount_and_adds_up(world):
    session, w, r = world
    found = funnel(session, w.actors.manager01, AnalyticsFilter(**PERIOD))
    sources = _sources_sql(r)
    source_of = f"""
        SELECT s.company_id,
               CASE WHEN s.event_id IS NOT NULL THEN 'event:' || s.event_id
                    WHEN s.introduction_id IS NOT NULL THEN 'introduction:' || i.partner_id
                    ELSE 'channel:' || s.channel END AS source
          FROM ({sources}) s LEFT JOIN introduction i ON i.id = s.introduction_id"""
    facts = {
        "firms": f"SELECT source, COUNT(*) FROM ({source_of}) f GROUP BY source",
        "needs": f"""SELECT COALESCE(f.source, 'none'), COUNT(*) FROM talent_need n
                     LEFT JOIN ({source_of}) f ON f.company_id = n.company_id
                     WHERE n.hub_code = :hub AND n.opened_on BETWEEN :since AND :until
                     GROUP BY COALESCE(f.source, 'none')""",
        "needs_referred": f"""SELECT COALESCE(f.source, 'none'), COUNT(DISTINCT n.id)
                     FROM referral x JOIN talent_need n ON n.id = x.need_id
                     LEFT JOIN ({source_of}) f ON f.company_id = n.company_id
                     WHERE x.hub_code = :hub AND x.referred_on BETWEEN :since AND :until
                     GROUP BY COALESCE(f.source, 'none')""",
        "placements": f"""SELECT COALESCE(f.source, 'none'), COUNT(*) FROM placement p
                     LEFT JOIN ({source_of}) f ON f.company_id = p.company_id
                     WHERE p.hub_code = :hub AND p.placed_on BETWEEN :since AND :until
                     GROUP BY COALESCE(f.source, 'none')""",
    }
    expected: dict[str, dict[str, int]] = {}
    for measure, sql in facts.items():
        for source, n in session.execute(text(sql), {**PERIOD, "hub": "01"}).all():
            expected.setdefault(str(source), {})[measure] = int(n)

    shown: dict[str, dict[str, int]] = {}
    for kind, rows in ((EVENT, found.events), (INTRODUCTION, found.introducers)):
        for row in rows:
            shown[f"{kind}:{row.key}"] = vars(row.flow)
    for row in found.channels:
        shown[f"{CHANNEL}:{row.key}"] = vars(row.flow)
    shown["none"] = vars(found.unattributed)
    shown = {k: {m: n for m, n in v.items() if n} for k, v in shown.items()}
    assert {k: v for k, v in shown.items() if v} == expected

    # Known: seminar E1 brought F1 and F2 (F2 consulted before it, then named it), the
    # briefing E2 (held before the period) brought F4 with a need referred and placed.
    e1 = next(row for row in found.events if row.key == w.e1)
    assert (e1.attendees, e1.flow.firms, e1.flow.needs, e1.flow.placements) == (3, 2, 2, 1)
    bank = next(row for row in found.introducers if row.key == w.bank)
    assert (bank.introductions, bank.flow.firms, bank.flow.placements) == (2, 1, 1)
    # Every breakdown adds up to the funnel.
    total = (
        source_total(found.events)
        + source_total(found.introducers)
        + source_total(found.channels)
        + found.unattributed
    )
    assert total.firms == found.count("firms_consulted")
    assert total.needs == found.count("needs")
    assert total.needs_referred == found.count("needs_referred")
    assert total.placements == found.count("placements")
    kinds = source_total(found.event_kinds)
    assert kinds == source_total(found.events)
    assert sum(k.events for k in found.event_kinds) == found.count("events")


def test_by_category_and_by_partner_match_the_recount(world):
    session, w, _ = world
    found = funnel(session, w.actors.manager01, AnalyticsFilter(**PERIOD))
    params = {**PERIOD, "hub": "01"}
    needs = dict(
        session.execute(
            text(
                "SELECT category_id, COUNT(*) FROM talent_need WHERE hub_code = :hub "
                "AND opened_on BETWEEN :since AND :until GROUP BY category_id"
            ),
            params,
        ).all()
    )
    referred = dict(
        session.execute(
            text(
                "SELECT n.category_id, COUNT(DISTINCT n.id) FROM referral x "
                "JOIN talent_need n ON n.id = x.need_id WHERE x.hub_code = :hub "
                "AND x.referred_on BETWEEN :since AND :until GROUP BY n.category_id"
            ),
            params,
        ).all()
    )
    placed = dict(
        session.execute(
            text(
                "SELECT n.category_id, COUNT(*) FROM placement p "
                "JOIN talent_need n ON n.id = p.need_id WHERE p.hub_code = :hub "
                "AND p.placed_on BETWEEN :since AND :until GROUP BY n.category_id"
            ),
            params,
        ).all()
    )
    for row in found.categories:
        assert row.flow.needs == needs.get(row.category_id, 0)
        assert row.flow.needs_referred == referred.get(row.category_id, 0)
        assert row.flow.placements == placed.get(row.category_id, 0)
    assert {row.category_id for row in found.categories} == set(needs) | set(referred) | set(placed)

    by_partner = {row.partner_id: row for row in found.partners}
    partner_referred = dict(
        session.execute(
            text(
                "SELECT partner_id, COUNT(DISTINCT need_id) FROM referral WHERE hub_code = :hub "
                "AND referred_on BETWEEN :since AND :until GROUP BY partner_id"
            ),
            params,
        ).all()
    )
    partner_placed = dict(
        session.execute(
            text(
                "SELECT partner_id, COUNT(*) FROM placement WHERE hub_code = :hub "
                "AND placed_on BETWEEN :since AND :until GROUP BY partner_id"
            ),
            params,
        ).all()
    )
    assert {k: v.needs_referred for k, v in by_partner.items() if v.needs_referred} == {
        k: int(v) for k, v in partner_referred.items()
    }
    assert {k: v.placements for k, v in by_partner.items()} == {
        k: int(v) for k, v in partner_placed.items()
    }
    # Known: B placed N3 (59 days after its referral) and N6 (15 days); A placed N1 (51).
    assert by_partner[w.agency_b].median_days == 37.0
    assert by_partner[w.agency_a].median_days == 51.0
    assert by_partner[None].median_days is None


def test_national_funnel_counts_every_hub_and_a_block_narrows(world):
    session, w, r = world
    national = funnel(session, w.actors.secretariat, AnalyticsFilter(**PERIOD))
    hub01 = funnel(session, w.actors.secretariat, AnalyticsFilter(hubs=("01",), **PERIOD))
    hub02 = recount(session, r, "02")
    for step in national.steps:
        assert step.count == hub01.count(step.key) + hub02[step.key][0], step.key
    assert national.count("events") == 2 and national.count("placements") == 5
    hokkaido = funnel(session, w.actors.secretariat, AnalyticsFilter(blocks=("北海道",), **PERIOD))
    assert [s.count for s in hokkaido.steps] == [s.count for s in hub01.steps]


def test_category_filter_narrows_needs_not_consultations(world):
    session, w, _ = world
    found = funnel(session, w.actors.manager01, AnalyticsFilter(category_ids=(1,), **PERIOD))
    assert found.count("firms_consulted") == 6  # consultations have no category
    assert found.count("needs") == 3  # N1, N3, N5
    assert found.count("needs_referred") == 3
    assert found.count("placements") == 2  # N1, N3


def test_hub_manager_reads_only_their_hub(world):
    session, w, _ = world
    with pytest.raises(PermissionDenied):
        funnel(session, w.actors.manager01, AnalyticsFilter(hubs=("02",), **PERIOD))
    own = funnel(session, w.actors.manager02, AnalyticsFilter(**PERIOD))
    assert own.count("events") == 1 and own.count("placements") == 1
    assert all(row.hub_code == "02" for row in own.events)


def test_a_partner_is_refused(world):
    session, w, _ = world
    partner = Actor(user_id=999, username="partner", role=Role.PARTNER, partner_id=w.agency_a)
    with pytest.raises(PermissionDenied):
        funnel(session, partner, AnalyticsFilter(**PERIOD))


def test_empty_period_has_no_conversion_and_no_median(world):
    session, w, _ = world
    found = funnel(
        session,
        w.actors.secretariat,
        AnalyticsFilter(since=SINCE.replace(year=2019), until=UNTIL.replace(year=2019)),
    )
    assert all(s.count == 0 for s in found.steps)
    assert all(s.conversion is None and s.median_days is None for s in found.steps)
    assert found.events == () and found.partners == ()


# --- crm report funnel -------------------------------------------------------------------------


@pytest.fixture
def cli_world(sqlite_engine, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    with Session(sqlite_engine, expire_on_commit=False) as session:
        return build_funnel_world(session)


def _csv(args: list[str]) -> list[list[str]]:
    import csv
    import io

    from typer.testing import CliRunner

    from crm.cli import app

    result = CliRunner().invoke(app, ["report", "funnel", *args])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.output)))


def test_report_funnel_writes_the_steps_in_japanese_and_with_codes(cli_world):
    period = ["--hub", "1", "--from", "2024-04", "--to", "2024-09-30"]
    shown = _csv(period)
    assert shown[0] == [
        "段階",
        "件数",
        "前の段階からの率",
        "日数の中央値",
        "日数の区間",
        "日数を数えた件数",
    ]
    assert shown[1][:2] == ["セミナー等の開催", "1"]
    placed = next(row for row in shown if row[0] == "成約")
    assert placed == ["成約", "4", "0.8000", "51.0", "紹介から成約まで", "3"]
    coded = _csv([*period, "--codes"])
    assert coded[0] == ["step", "count", "conversion", "median_days", "timed"]
    assert coded[-1] == ["placements", "4", "0.8000", "51.0", "3"]
    events = _csv([*period, "--by", "events"])
    assert events[0][:4] == ["開催日", "種類", "名称", "拠点名"]
    assert events[1][:4] == ["2024-05-10", "セミナー", "攻めの経営セミナー", "北海道"]
    national = _csv(["--from", "2024-04-01", "--to", "2024-09-30", "--codes"])
    assert national[-1][:2] == ["placements", "5"]


def test_report_funnel_refuses_a_bad_period_in_one_line(cli_world):
    from typer.testing import CliRunner

    from crm.cli import app

    result = CliRunner().invoke(app, ["report", "funnel", "--from", "2024-13"])
    assert result.exit_code == 1
    assert "from" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["report", "funnel", "--by", "nothing"])
    assert result.exit_code == 1 and "--by" in result.output
