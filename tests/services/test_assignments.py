"""拠点担当者 (issue 25, items 1-2): assigning one record or many within the hub, audited and
notified, all or nothing; a new need or follow-up taking its firm's; the lists' filter by it;
each person's 今日やること (theirs and nobody's), counted independently."""

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from crm.actor import SYSTEM, actor_for
from crm.errors import PermissionDenied, ValidationError
from crm.models import AuditLog, Company, FollowUp, Notification, TalentNeed
from crm.services import (
    assignments,
    followups,
    needs,
    notifications,
    record_views,
    targets,
    today,
    users,
)
from crm.services.record_views import ViewQuery, count_view, view_rows
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

DAY = dt.date(2026, 12, 7)  # a Monday; the week runs to Sunday 12/13


@pytest.fixture
def team(session: Session, actors):
    """Hub 01: manager01 and 佐藤; firms A (manager01's), B (佐藤's), C (nobody's)."""
    sato = actor_for(
        users.create_user(
            session, SYSTEM, username="sato01", role="hub_manager", hub_code="01",
            display_name="佐藤 一郎",
        )
    )  # fmt: skip
    firms = [make_company(session, actors.manager01, name=f"担当確認{n}株式会社") for n in "ABC"]
    session.commit()
    a, b, _c = firms
    assignments.assign(session, actors.manager01, "company", [a.id], actors.manager01.user_id)
    assignments.assign(session, actors.manager01, "company", [b.id], sato.user_id)
    session.commit()
    return sato, firms


def _count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_assigning_is_audited_and_tells_the_person(session, actors, team):
    sato, (a, b, c) = team
    assert session.get(Company, b.id).assignee_id == sato.user_id
    # manager01 gave B to 佐藤: one notification for 佐藤, none for assigning oneself (A).
    [note] = notifications.list_notifications(session, sato)
    assert note.kind == "assigned" and "担当確認B株式会社" in note.text
    assert notifications.unread_count(session, actors.manager01) == 0
    change = session.exec(
        select(AuditLog.changes).where(
            AuditLog.entity == "company",
            AuditLog.entity_id == str(b.id),
            AuditLog.action == "update",
        )
    ).one()
    assert '"assignee_id": [null, ' in change


def test_many_at_once_and_back_to_nobody(session, actors, team):
    sato, firms = team
    ids = [f.id for f in firms]
    assert assignments.assign(session, actors.manager01, "company", ids, sato.user_id) == 2
    session.commit()
    assert {session.get(Company, i).assignee_id for i in ids} == {sato.user_id}
    assert assignments.assign(session, actors.manager01, "company", ids, None) == 3
    session.commit()
    assert _count(session, Company, Company.assignee_id.is_not(None)) == 0


def test_refusals_write_nothing(session, actors, team):
    sato, (a, b, c) = team
    before = _count(session, AuditLog), _count(session, Notification)
    with pytest.raises(ValidationError):  # hub 02's manager is not hub 01's
        assignments.assign(session, actors.manager01, "company", [c.id], actors.manager02.user_id)
    with pytest.raises(PermissionDenied):
        assignments.assign(session, actors.manager02, "company", [c.id], None)
    with pytest.raises(PermissionDenied):
        assignments.assign(session, actors.secretariat, "company", [c.id], None)
    users.set_active(session, actors.admin, "sato01", False)
    with pytest.raises(ValidationError):  # a disabled account is given nothing
        assignments.assign(session, actors.manager01, "company", [c.id], sato.user_id)
    session.rollback()
    assert (_count(session, AuditLog), _count(session, Notification)) == before
    names = [p.username for p in assignments.assignees(session, actors.manager01, "01")]
    assert names == ["manager01", "sato01"]


def test_a_new_need_and_follow_up_take_the_firms(session, actors, team):
    sato, (a, b, c) = team
    need = make_need(session, actors.manager01, make_consultation(session, actors.manager01, b))
    placement = make_placement(session, actors.manager01, need)
    later = followups.schedule_follow_up(
        session, actors.manager01, {"company_id": c.id, "due_on": DAY}
    )
    session.commit()
    assert need.assignee_id == sato.user_id
    automatic = session.exec(select(FollowUp).where(FollowUp.placement_id == placement.id)).one()
    assert automatic.assignee_id == sato.user_id
    assert later.assignee_id is None  # C is nobody's


def _firms(session, actor, *cases: str) -> set[str]:
    view = ViewQuery(chosen=(("assignee", cases),) if cases else (), limit=200)
    rows = view_rows(session, actor, list_name="companies", view=view)
    assert count_view(session, actor, list_name="companies", view=view) == len(rows)
    return {r.name[4] for r in rows}


def test_the_lists_filter_by_assignee(session, actors, team):
    sato, _ = team
    me = str(actors.manager01.user_id)
    assert _firms(session, actors.manager01, me) == {"A"}
    assert _firms(session, actors.manager01, me, record_views.UNASSIGNED) == {"A", "C"}
    assert _firms(session, actors.manager01, str(sato.user_id)) == {"B"}
    assert _firms(session, actors.manager01) == {"A", "B", "C"}
    assert _firms(session, actors.manager01, "x") == set()  # a hand-made address: nothing


def test_each_persons_todays_work_is_theirs_and_nobodys(session, actors, team):
    sato, (a, b, c) = team
    for firm, due in ((a, DAY), (b, DAY), (c, DAY - dt.timedelta(days=2))):
        followups.schedule_follow_up(
            session, actors.manager01, {"company_id": firm.id, "due_on": due}
        )
    make_consultation(
        session, actors.manager01, b, on=DAY - dt.timedelta(days=3),
        next_action="電話", next_action_on=DAY + dt.timedelta(days=1),
    )  # fmt: skip
    session.commit()
    mine = today.todays_work(session, actors.manager01, today=DAY, person=actors.manager01.user_id)
    theirs = today.todays_work(session, sato, today=DAY, person=sato.user_id)
    whole = today.todays_work(session, actors.manager01, today=DAY)
    assert {i.company_name[4] for i in mine.items} == {"A", "C"}
    assert sorted(i.company_name[4] for i in theirs.items) == ["B", "B", "C"]
    assert len(whole.items) == whole.counts.total == 4
    assert (mine.counts.total, theirs.counts.total) == (2, 3)
    assert mine.counts.overdue == theirs.counts.overdue == 1  # C's, two days late
    counted = today.todays_counts(session, sato, today=DAY, person=sato.user_id)
    assert counted == theirs.counts
    with pytest.raises(PermissionDenied):  # who does what is the hub's business
        today.todays_counts(session, actors.secretariat, today=DAY, person=sato.user_id)


def test_the_needs_person_hears_of_its_outcomes_and_placement(session, actors, team):
    sato, (a, b, c) = team
    need = make_need(session, actors.manager01, make_consultation(session, actors.manager01, b))
    partner = make_partner(session)
    referral = needs.refer_need(
        session,
        actors.manager01,
        {
            "need_id": need.id,
            "partner_id": partner.id,
            "referred_on": need.opened_on,
            "notes": "急ぎ",
        },
    )
    session.commit()
    before = notifications.unread_count(session, sato)
    changed = needs.update_referral(
        session, actors.manager01, referral.id, {"outcome": "candidates"}, referral.version
    )
    session.commit()
    assert changed.notes == "急ぎ"  # the outcome alone keeps the notes
    make_placement(session, actors.manager01, session.get(TalentNeed, need.id))
    session.commit()
    kinds = [n.kind for n in notifications.list_notifications(session, sato)][:2]
    assert kinds == ["placement", "outcome"]
    assert notifications.unread_count(session, sato) == before + 2
    # Nobody hears of their own doing: manager01's need (firm A) tells nobody.
    own = make_need(session, actors.manager01, make_consultation(session, actors.manager01, a))
    make_placement(session, actors.manager01, own)
    session.commit()
    assert notifications.unread_count(session, actors.manager01) == 0


def test_the_proposer_hears_the_secretariats_decision(session, actors, team):
    proposal = targets.propose_target(
        session,
        actors.manager01,
        {"hub_code": "01", "fiscal_year": 2026, "consultations": 100, "placements": 10},
    )
    session.commit()
    targets.approve_target(session, actors.secretariat, proposal.id, proposal.version)
    session.commit()
    [note] = notifications.list_notifications(session, actors.manager01)
    assert note.kind == "target" and "2026年度の目標" in note.text and "承認しました" in note.text


def test_quiet_needs_are_the_persons_and_nobodys_untouched_for_30_days(session, actors, team):
    from sqlalchemy import update as sql_update

    from crm.services import comments

    sato, (a, b, c) = team
    made = {
        firm.name[4]: make_need(
            session, actors.manager01, make_consultation(session, actors.manager01, firm)
        )
        for firm in (a, b, c)
    }
    session.commit()
    long_ago = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    session.execute(sql_update(TalentNeed).values(updated_at=long_ago))
    session.commit()
    total, quiet = today.quiet_needs(session, actors.manager01, today=DAY)
    assert total == 3 and {n.need_id for n in quiet} == {n.id for n in made.values()}
    mine, theirs = (
        today.quiet_needs(session, who, today=DAY, person=who.user_id)
        for who in (actors.manager01, sato)
    )
    assert {n.company_name[4] for n in mine[1]} == {"A", "C"}
    assert {n.company_name[4] for n in theirs[1]} == {"B", "C"}
    # A comment is activity: the need is no longer quiet.
    comments.post_comment(session, actors.manager01, "talent_need", made["C"].id, "状況を確認")
    session.commit()
    assert today.quiet_needs(session, actors.manager01, today=DAY)[0] == 2
    assert today.quiet_needs(session, actors.manager02, today=DAY)[0] == 0  # another hub's
