"""Record lists in the database (crm.services.record_views): each view's rows and count are
the ones an independent reading of every row finds, in the declared order, on SQLite and
PostgreSQL; another hub's records never appear."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from crm.models import Consultation
from crm.reference import Channel, Stance
from crm.services.record_views import ViewQuery, count_view, view_rows
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
