"""今日やること: overdue and this week's follow-ups and next actions, counted and closed."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from crm.errors import PermissionDenied, StaleVersion
from crm.models import AuditLog, Consultation, FollowUp
from crm.services import followups, today
from tests.utils.factories import make_actors, make_company, make_consultation

TODAY = dt.date(2026, 11, 25)  # a Wednesday; this week ends on Sunday 11/29
D = dt.date


def _follow_up(session, actor, company, due_on, done=False):
    row = followups.schedule_follow_up(
        session, actor, {"company_id": company.id, "due_on": due_on, "notes": f"期日{due_on}"}
    )
    if done:
        followups.complete_follow_up(session, actor, row.id, row.version, done_on=D(2026, 11, 1))
    return row


@pytest.fixture
def hub(session, actors):
    """Hub 01 with one item of each kind that counts and of each kind that does not."""
    m = actors.manager01
    firm = make_company(session, m, name="山形精密株式会社")
    other_firm = make_company(session, m, name="庄内電機株式会社")
    rows = {
        "overdue_follow_up": _follow_up(session, m, firm, D(2026, 11, 20)),
        "week_follow_up": _follow_up(session, m, firm, D(2026, 11, 29)),
        "later_follow_up": _follow_up(session, m, firm, D(2026, 11, 30)),  # next week
        "done_follow_up": _follow_up(session, m, firm, D(2026, 11, 10), done=True),
        "overdue_action": make_consultation(
            session,
            m,
            other_firm,
            on=D(2026, 11, 5),
            next_action="見積の確認",
            next_action_on=D(2026, 11, 24),
        ),
        "week_action": make_consultation(
            session,
            m,
            firm,
            on=D(2026, 11, 18),
            next_action="求人票の確認",
            next_action_on=D(2026, 11, 27),
        ),
        # Lapsed: its date passed more than 30 days ago.
        "lapsed_action": make_consultation(
            session,
            m,
            make_company(session, m),
            on=D(2026, 9, 1),
            next_action="電話",
            next_action_on=D(2026, 10, 20),
        ),
    }
    # Superseded: the firm was met again (11/18) after this consultation.
    rows["superseded_action"] = make_consultation(
        session, m, firm, on=D(2026, 11, 2), next_action="再訪問", next_action_on=D(2026, 11, 23)
    )
    # Another hub's overdue follow-up.
    theirs = make_company(session, actors.manager02, name="他拠点の会社")
    rows["other_hub"] = _follow_up(session, actors.manager02, theirs, D(2026, 11, 2))
    session.commit()
    return rows


def test_lists_overdue_and_this_weeks_items_of_the_readers_hub(session, actors, hub):
    work = today.todays_work(session, actors.manager01, today=TODAY)
    assert [(i.kind, i.record_id) for i in work.items] == [
        ("follow_up", hub["overdue_follow_up"].id),  # 11/20
        ("next_action", hub["overdue_action"].id),  # 11/24
        ("next_action", hub["week_action"].id),  # 11/27
        ("follow_up", hub["week_follow_up"].id),  # 11/29
    ]
    assert work.week_end == D(2026, 11, 29)
    counts = work.counts
    assert (counts.overdue_follow_ups, counts.week_follow_ups) == (1, 1)
    assert (counts.overdue_actions, counts.week_actions) == (1, 1)
    assert (counts.overdue, counts.total) == (2, 4)
    assert today.todays_counts(session, actors.manager01, today=TODAY) == counts
    assert work.items[0].company_name == "山形精密株式会社"
    assert work.items[0].days_overdue(TODAY) == 5
    assert today.describe(work.items[0], TODAY) == "5日超過"


def test_the_counts_equal_an_independent_count(session, actors, hub):
    until = D(2026, 11, 29)
    open_follow_ups = session.exec(
        select(FollowUp).where(FollowUp.hub_code == "01", FollowUp.done_on.is_(None))
    ).all()
    expected_follow_ups = sum(1 for f in open_follow_ups if f.due_on <= until)
    consultations = session.exec(select(Consultation).where(Consultation.hub_code == "01")).all()
    latest = {}
    for c in consultations:
        latest[c.company_id] = max(latest.get(c.company_id, c.consulted_on), c.consulted_on)
    expected_actions = sum(
        1
        for c in consultations
        if c.next_action_on is not None
        and TODAY - dt.timedelta(days=30) <= c.next_action_on <= until
        and c.consulted_on == latest[c.company_id]
    )
    counts = today.todays_counts(session, actors.manager01, today=TODAY)
    assert counts.week_follow_ups + counts.overdue_follow_ups == expected_follow_ups == 2
    assert counts.week_actions + counts.overdue_actions == expected_actions == 2


def test_secretariat_sees_counts_per_hub(session, actors, hub):
    per_hub = today.todays_counts_by_hub(session, actors.secretariat, today=TODAY)
    assert [(c.hub_code, c.overdue, c.total) for c in per_hub] == [("01", 2, 4), ("02", 1, 1)]
    assert today.todays_counts(session, actors.secretariat, today=TODAY).total == 5
    # A hub manager's "per hub" is their own hub only.
    assert [
        c.hub_code for c in today.todays_counts_by_hub(session, actors.manager01, today=TODAY)
    ] == ["01"]
    with pytest.raises(PermissionDenied):
        today.todays_work(session, actors.manager01, hub_code="02", today=TODAY)


def test_one_click_closes_an_item_with_an_audited_versioned_write(session, actors, hub):
    follow_up, action = hub["overdue_follow_up"], hub["overdue_action"]
    seen = action.version
    today.close_item(session, actors.manager01, "follow_up", follow_up.id, follow_up.version)
    today.close_item(session, actors.manager01, "next_action", action.id, seen)
    session.commit()
    counts = today.todays_counts(session, actors.manager01, today=TODAY)
    assert (counts.overdue, counts.total) == (0, 2)
    assert session.get(Consultation, action.id).next_action_done_on is not None
    audited = session.exec(
        select(AuditLog.entity, AuditLog.entity_id).where(AuditLog.action == "update")
    ).all()
    assert ("follow_up", str(follow_up.id)) in audited
    assert ("consultation", str(action.id)) in audited
    # A second click with the version seen before is refused, not applied twice.
    with pytest.raises(StaleVersion):
        today.close_item(session, actors.manager01, "next_action", action.id, seen)


def test_only_the_own_hub_manager_closes(session, actors, hub):
    row = hub["other_hub"]
    with pytest.raises(PermissionDenied):
        today.close_item(session, actors.manager01, "follow_up", row.id, row.version)
    with pytest.raises(PermissionDenied):
        today.close_item(session, actors.secretariat, "follow_up", row.id, row.version)


def test_the_same_on_every_database(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        firm = make_company(session, actors.manager01)
        _follow_up(session, actors.manager01, firm, D(2026, 11, 20))
        make_consultation(
            session,
            actors.manager01,
            firm,
            on=D(2026, 11, 5),
            next_action="電話",
            next_action_on=D(2026, 11, 26),
        )
        session.commit()
        work = today.todays_work(session, actors.manager01, today=TODAY)
        assert [(i.kind, i.due_on, i.placement_id) for i in work.items] == [
            ("follow_up", D(2026, 11, 20), None),
            ("next_action", D(2026, 11, 26), None),
        ]
        assert (work.counts.overdue, work.counts.total) == (1, 2)
        per_hub = today.todays_counts_by_hub(session, actors.secretariat, today=TODAY)
        assert [(c.hub_code, c.total) for c in per_hub] == [("01", 2)]
