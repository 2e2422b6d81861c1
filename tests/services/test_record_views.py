"""Record lists in the database (crm.services.record_views): each view's rows and count are
the ones an independent reading of every row finds, in the declared order, on SQLite and
PostgreSQL; another hub's records never appear."""

import datetime as dt

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from crm.models import Company, Consultation, FollowUp
from crm.reference import JSIC_DIVISIONS, PREFECTURES, Channel, Stance
from crm.services.record_views import ViewQuery, count_view, view_rows
from crm.timeutil import JST
from tests.utils.factories import make_actors, make_company, make_consultation

CHANNELS = ("visit", "seminar", "financial_institution", "inbound")
STANCES = (None, "ready", "considering")
CHANNEL_CODES, STANCE_CODES = set(Channel.labels()), set(Stance.labels())


def _expected(rows, view: ViewQuery, hub: str) -> list[int]:
    """The view read by hand from every row: filters in Python, then the order."""
    picked = []
    for c in rows:
        if c.hub_code != hub:
            continue
        if view.since and c.consulted_on < view.since or view.until and c.consulted_on > view.until:
            continue
        if view.fiscal_year is not None:
            first = dt.date(view.fiscal_year, 4, 1)
            if not first <= c.consulted_on <= dt.date(view.fiscal_year + 1, 3, 31):
                continue
        # Codes a list does not know (a hand-edited address) choose nothing.
        chosen = {
            key: [code for code in codes if code in (CHANNEL_CODES | STANCE_CODES)]
            for key, codes in view.chosen
        }
        if chosen.get("channel") and c.channel not in chosen["channel"]:
            continue
        if chosen.get("stance") and c.stance not in chosen["stance"]:
            continue
        picked.append(c)
    column = view.order or "consulted_on"
    present = [c for c in picked if getattr(c, column) is not None]
    missing = [c for c in picked if getattr(c, column) is None]
    present.sort(key=lambda c: (getattr(c, column), c.id), reverse=view.descending)
    missing.sort(key=lambda c: c.id, reverse=view.descending)
    return [c.id for c in present + missing]


@pytest.fixture
def filled(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        firm = make_company(session, actors.manager01, name="一覧確認株式会社")
        other = make_company(session, actors.manager02, name="他拠点株式会社")
        for n in range(60):
            day = dt.date(2024, 1, 1) + dt.timedelta(days=11 * n)
            make_consultation(
                session,
                actors.manager01,
                firm,
                on=day,
                channel=CHANNELS[n % 4],
                stance=STANCES[n % 3],
                next_action="連絡" if n % 5 == 0 else None,
                next_action_on=day + dt.timedelta(days=30) if n % 5 == 0 else None,
            )
        make_consultation(session, actors.manager02, other, on=dt.date(2025, 1, 10))
        session.commit()
        yield session, actors


VIEWS = [
    ViewQuery(),
    ViewQuery(descending=False, limit=20, offset=20),
    ViewQuery(fiscal_year=2024, chosen=(("channel", ("visit", "seminar")),)),
    ViewQuery(since=dt.date(2024, 6, 1), until=dt.date(2025, 3, 31), order="created_at"),
    ViewQuery(order="next_action_on", chosen=(("stance", ("ready",)),), limit=5),
    ViewQuery(order="next_action_on", descending=False),
    ViewQuery(chosen=(("channel", ("no_such_code",)),)),  # a hand-made address: ignored
]


@pytest.mark.parametrize("view", VIEWS)
def test_a_view_reads_what_an_independent_reading_finds(filled, view):
    session, actors = filled
    every = list(session.exec(select(Consultation)).all())
    expected = _expected(every, view, "01")
    got = view_rows(session, actors.manager01, "consultations", view)
    assert [c.id for c in got] == expected[view.offset : view.offset + view.limit]
    assert count_view(session, actors.manager01, "consultations", view) == len(expected)
    assert all(c.hub_code == "01" for c in got)


def test_the_secretariat_reads_the_hubs_it_chose(filled):
    session, actors = filled
    assert count_view(session, actors.secretariat, "consultations", ViewQuery()) == 61
    assert count_view(session, actors.secretariat, "consultations", ViewQuery(), ["02"]) == 1


def test_placements_counted_per_engagement_in_the_view(any_engine):
    from crm.models import Placement
    from crm.services.record_views import count_view_by
    from tests.utils.factories import make_need, make_placement

    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        firm = make_company(session, actors.manager01, name="成約確認株式会社")
        consultation = make_consultation(session, actors.manager01, firm, on=dt.date(2024, 4, 1))
        need = make_need(session, actors.manager01, consultation, headcount=9)
        for n, engagement in enumerate(["mid_career", "side_job", "side_job", "mid_career"]):
            make_placement(
                session,
                actors.manager01,
                need,
                on=dt.date(2024, 5, 1) + dt.timedelta(days=200 * n),
                engagement=engagement,
            )
        session.commit()
        view = ViewQuery(fiscal_year=2024)
        counted = count_view_by(session, actors.manager01, "placements", view, "engagement")
        rows = [
            p
            for p in session.exec(select(Placement)).all()
            if dt.date(2024, 4, 1) <= p.placed_on <= dt.date(2025, 3, 31)
        ]
        assert counted == {code: sum(p.engagement == code for p in rows) for code in counted}
        assert (
            sum(counted.values()) == count_view(session, actors.manager01, "placements", view) == 2
        )


# --- firms and follow-ups -----------------------------------------------------------------

FIRMS = [
    # name, kana, industry, prefecture
    ("山形精密株式会社", "ヤマガタセイミツ", "E", "06"),
    ("米沢織物株式会社", "ヨネザワオリモノ", "E", "06"),
    ("酒田港運株式会社", "サカタコウウン", "H", "06"),
    ("あおば建設株式会社", "アオバケンセツ", "D", "04"),
    ("鶴岡精密工業", None, "E", "06"),
    ("庄内食品株式会社", "ショウナイショクヒン", "I", "06"),
    ("天童木工株式会社", None, "D", "06"),
    ("新庄精密株式会社", "シンジョウセイミツ", "E", "04"),
]


@pytest.fixture
def firms(any_engine):
    """Hub 01's firms (two without kana, one merged away) registered at stamps around
    Japan's midnight, and one firm of hub 02."""
    from crm.services.merge import merge_companies

    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        made = []
        for n, (name, kana, industry, prefecture) in enumerate(FIRMS):
            made.append(
                make_company(
                    session,
                    actors.manager01,
                    name=name,
                    kana=kana,
                    industry=industry,
                    prefecture_code=prefecture,
                )
            )
            # 14:30 and 15:30 UTC: 23:30 on one day and 00:30 on the next in Japan.
            made[-1].created_at = dt.datetime(2026, 4, 1 + n // 2, 14 + n % 2, 30, tzinfo=dt.UTC)
        make_company(session, actors.manager02, name="青森精密株式会社", kana="アオモリセイミツ")
        session.flush()
        merge_companies(
            session,
            actors.manager01,
            keep_id=made[0].id,
            keep_version=made[0].version,
            merge_id=made[4].id,
            merge_version=made[4].version,
        )
        session.commit()
        yield session, actors


KNOWN = set(JSIC_DIVISIONS) | set(PREFECTURES)


def _japan_day(stamp: dt.datetime) -> dt.date:
    return stamp.astimezone(JST).date()


def _expected_firms(rows, view: ViewQuery, hub: str, names: set[str] | None) -> list[int]:
    picked = []
    # Codes a list does not know (a hand-edited address) choose nothing.
    chosen = {key: [code for code in codes if code in KNOWN] for key, codes in view.chosen}
    for c in rows:
        if c.hub_code != hub or c.merged_into is not None:
            continue
        if names is not None and c.name not in names:
            continue
        registered = _japan_day(c.created_at)
        if view.since and registered < view.since or view.until and registered > view.until:
            continue
        if chosen.get("industry") and c.industry not in chosen["industry"]:
            continue
        if chosen.get("prefecture_code") and c.prefecture_code not in chosen["prefecture_code"]:
            continue
        picked.append(c)
    column = view.order or "kana_key"
    present = [c for c in picked if getattr(c, column) is not None]
    missing = [c for c in picked if getattr(c, column) is None]
    present.sort(key=lambda c: (getattr(c, column), c.id), reverse=view.descending)
    missing.sort(key=lambda c: c.id, reverse=view.descending)
    return [c.id for c in present + missing]


FIRM_VIEWS = [
    # (view, the names the search finds: None for no search)
    (ViewQuery(descending=False), None),
    (ViewQuery(descending=True), None),
    (ViewQuery(order="created_at"), None),
    (ViewQuery(order="created_at", descending=False, limit=3, offset=2), None),
    (ViewQuery(descending=False, chosen=(("industry", ("E",)),)), None),
    (
        ViewQuery(descending=False, chosen=(("prefecture_code", ("04",)), ("industry", ("D",)))),
        None,
    ),
    # Japan's 2026/04/02: registered 2026-04-01 15:30 UTC and 2026-04-02 14:30 UTC.
    (ViewQuery(descending=False, since=dt.date(2026, 4, 2), until=dt.date(2026, 4, 2)), None),
    (ViewQuery(descending=False, text="精密"), {"山形精密株式会社", "新庄精密株式会社"}),
    (ViewQuery(descending=False, text="ヨネザワ"), {"米沢織物株式会社"}),
    (ViewQuery(chosen=(("industry", ("not_a_division",)),)), None),  # ignored
]


@pytest.mark.parametrize(("view", "names"), FIRM_VIEWS)
def test_a_firm_view_reads_what_an_independent_reading_finds(firms, view, names):
    session, actors = firms
    every = list(session.exec(select(Company)).all())
    expected = _expected_firms(every, view, "01", names)
    got = view_rows(session, actors.manager01, "companies", view)
    assert [c.id for c in got] == expected[view.offset : view.offset + view.limit]
    assert count_view(session, actors.manager01, "companies", view) == len(expected)
    assert all(c.hub_code == "01" and c.merged_into is None for c in got)


def test_the_registration_day_is_japans(firms):
    """A count by hand of the stamps between Japan's midnights of 2026/04/02 (15:00 UTC)."""
    session, actors = firms
    day = ViewQuery(since=dt.date(2026, 4, 2), until=dt.date(2026, 4, 2))
    stamp = col(Company.created_at)
    counted = session.exec(
        select(func.count())
        .select_from(Company)
        .where(Company.hub_code == "01", col(Company.merged_into).is_(None))
        .where(stamp >= dt.datetime(2026, 4, 1, 15, tzinfo=dt.UTC))
        .where(stamp < dt.datetime(2026, 4, 2, 15, tzinfo=dt.UTC))
    ).one()
    assert count_view(session, actors.manager01, "companies", day) == counted == 2


def test_the_secretariat_reads_every_hubs_firms_by_kana(firms):
    session, actors = firms
    rows = session.exec(
        text(
            "SELECT id FROM company WHERE merged_into IS NULL"
            " ORDER BY CASE WHEN kana_key IS NULL THEN 1 ELSE 0 END, kana_key, id"
        )
    ).all()
    view = ViewQuery(descending=False)
    got = view_rows(session, actors.secretariat, "companies", view)
    assert [c.id for c in got] == [r[0] for r in rows]
    assert [
        c.hub_code for c in view_rows(session, actors.secretariat, "companies", view, ["02"])
    ] == ["02"]


@pytest.fixture
def follow_ups(any_engine):
    """On 2026/12/07, hub 01's follow-ups of two firms: overdue, due today, upcoming and
    done; and one of hub 02."""
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        first = make_company(session, actors.manager01, name="フォロー一株式会社")
        second = make_company(session, actors.manager01, name="フォロー二株式会社")
        theirs = make_company(session, actors.manager02, name="フォロー他株式会社")
        rows = [
            FollowUp(
                hub_code="01",
                company_id=(first if n % 3 else second).id,
                due_on=TODAY + dt.timedelta(days=7 * (n % 9) - 30),
                done_on=TODAY - dt.timedelta(days=n) if n % 4 == 0 else None,
            )
            for n in range(40)
        ]
        rows.append(FollowUp(hub_code="02", company_id=theirs.id, due_on=TODAY))
        session.add_all(rows)
        session.commit()
        yield session, actors, first


TODAY = dt.date(2026, 12, 7)
STATE_SQL = {
    "overdue": "done_on IS NULL AND due_on < :today",
    "upcoming": "done_on IS NULL AND due_on >= :today",
    "done": "done_on IS NOT NULL",
}


def _expected_follow_ups(session, view: ViewQuery, company: int | None = None) -> list[int]:
    """The view as plain SQL: the hub, the states chosen, the due dates, the order."""
    where = ["hub_code = '01'"]
    states = dict(view.chosen).get("state", ())
    if states:
        where.append("(" + " OR ".join(f"({STATE_SQL[s]})" for s in states) + ")")
    params: dict = {"today": TODAY}
    if view.since:
        where.append("due_on >= :since")
        params["since"] = view.since
    if view.until:
        where.append("due_on <= :until")
        params["until"] = view.until
    if company is not None:
        where.append("company_id = :company")
        params["company"] = company
    direction = "DESC" if view.descending else "ASC"
    sql = (
        f"SELECT id FROM follow_up WHERE {' AND '.join(where)}"
        f" ORDER BY due_on {direction}, id {direction}"
    )
    return [r[0] for r in session.exec(text(sql), params=params).all()]


FOLLOW_UP_VIEWS = [
    ViewQuery(descending=False, today=TODAY),
    ViewQuery(descending=False, today=TODAY, chosen=(("state", ("overdue", "upcoming")),)),
    ViewQuery(descending=True, today=TODAY, chosen=(("state", ("overdue",)),)),
    ViewQuery(today=TODAY, chosen=(("state", ("done",)),), limit=4, offset=4),
    ViewQuery(
        descending=False,
        today=TODAY,
        chosen=(("state", ("upcoming", "done")),),
        since=TODAY - dt.timedelta(days=10),
        until=TODAY + dt.timedelta(days=20),
    ),
]


@pytest.mark.parametrize("view", FOLLOW_UP_VIEWS)
def test_a_follow_up_view_reads_what_plain_sql_finds(follow_ups, view):
    session, actors, _first = follow_ups
    expected = _expected_follow_ups(session, view)
    got = view_rows(session, actors.manager01, "followups", view)
    assert [f.id for f in got] == expected[view.offset : view.offset + view.limit]
    assert count_view(session, actors.manager01, "followups", view) == len(expected)


def test_a_follow_up_view_of_one_firm(follow_ups):
    session, actors, first = follow_ups
    view = ViewQuery(descending=False, today=TODAY, pinned=(("company_id", first.id),))
    expected = _expected_follow_ups(session, view, company=first.id)
    assert (
        expected
        and [f.id for f in view_rows(session, actors.manager01, "followups", view)] == expected
    )
    # A column the list does not let a page pin (a hand-made query) shows nothing.
    wrong = ViewQuery(today=TODAY, pinned=(("hub_code", "02"),))
    assert count_view(session, actors.manager01, "followups", wrong) == 0
