"""The demo's later changes are in the audit trail as the app writes them, so the weekly
export's 区分 on the fresh demo is 当週, 遅延入力 or 状況変更, never 訂正; one real correction
made through a service is the one 訂正.

The demo database is loaded at the start of the test session; every week and moment here is
taken from that load's moment (``demo_summary.loaded_at``), never from the clock."""

import datetime as dt
import importlib
import json
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from crm.actor import SYSTEM, Actor
from crm.csvio.export import Week, weekly_export
from crm.demo import load_synthetic
from crm.models import (
    AuditLog,
    Company,
    Consultation,
    Contact,
    FollowUp,
    KpiTarget,
    NeedStatusChange,
    Partner,
    Placement,
    Referral,
    TalentNeed,
    UserAccount,
)
from crm.reference import Role
from crm.services import followups, needs, targets
from crm.timeutil import JST, fiscal_year
from tests.csvio.helpers import rows_of

FILES = ("consultations.csv", "needs.csv", "referrals.csv", "placements.csv", "follow_ups.csv")


@pytest.fixture
def demo_session(demo_engine):
    with Session(demo_engine) as session:
        yield session


@pytest.fixture
def week(demo_summary) -> Week:
    """The last complete week before the load: the demo's most recent week."""
    return Week.last_complete(demo_summary.loaded_at)


def _kinds(session: Session, week: Week) -> dict[str, Counter]:
    bundle = weekly_export(session, SYSTEM, week)
    return {name: Counter(row["区分"] for row in rows_of(bundle, name)) for name in FILES}


def _manager(session: Session, hub_code: str) -> Actor:
    """The hub's demo manager (hubNN; some hubs also have a team: crm/demo/team.py)."""
    user = session.execute(
        select(UserAccount).where(UserAccount.username == f"hub{hub_code}")
    ).scalar_one()
    return Actor(user.id, user.username, Role.HUB_MANAGER, hub_code)


def _secretariat(session: Session) -> Actor:
    user = session.execute(
        select(UserAccount).where(UserAccount.username == "secretariat")
    ).scalar_one()
    return Actor(user.id, user.username, Role.SECRETARIAT)


def _last_entry(session: Session, entity: str | None = None) -> AuditLog:
    """The newest audit entry (of ``entity``: a change may also write a notification)."""
    statement = select(AuditLog)
    if entity is not None:
        statement = statement.where(AuditLog.entity == entity)
    return session.execute(statement.order_by(AuditLog.id.desc()).limit(1)).scalar_one()


def _demo_entry(session: Session, entity: str, changes_like: str) -> AuditLog:
    return session.execute(
        select(AuditLog)
        .where(AuditLog.entity == entity, AuditLog.changes.like(changes_like))
        .order_by(AuditLog.id)
        .limit(1)
    ).scalar_one()


def _shape(entry: AuditLog) -> tuple:
    return (entry.action, entry.entity, json.loads(entry.changes or "{}"))


def test_a_fresh_demo_week_has_no_correction(demo_session, week):
    kinds = _kinds(demo_session, week)
    assert sum(counts["訂正"] for counts in kinds.values()) == 0
    # The referrals dated before the week whose outcome was recorded in it (an independent
    # count from the rows) are the file's 状況変更, no longer 訂正.
    monday, _ = week.days
    start, end = week.stored_instants
    settled = demo_session.execute(
        select(func.count())
        .select_from(Referral)
        .where(
            Referral.referred_on < monday,
            Referral.created_at < start,
            Referral.updated_at >= start,
            Referral.updated_at < end,
        )
    ).scalar_one()
    assert settled > 20
    assert kinds["referrals.csv"]["状況変更"] == settled


def test_every_later_change_of_the_demo_has_its_entry(demo_session):
    # Each update the app makes raises the row's version by one and writes one entry: a row
    # at version n has had n - 1 changes after its creation, each in the trail.
    for model in (
        Company,
        Contact,
        Consultation,
        TalentNeed,
        Referral,
        Placement,
        FollowUp,
        KpiTarget,
    ):
        entity = model.__tablename__
        changes = demo_session.execute(select(func.sum(model.version - 1))).scalar_one()
        entries = demo_session.execute(
            select(func.count()).where(AuditLog.action == "update", AuditLog.entity == entity)
        ).scalar_one()
        assert entries == changes, entity


def test_one_real_correction_is_the_one_correction(demo_session, week, monkeypatch):
    monday, _ = week.days
    start, _end = week.stored_instants
    # A referral made a month before the week and not touched since: its partner is corrected
    # on the week's Wednesday, 10:00.
    referral = demo_session.execute(
        select(Referral)
        .where(Referral.referred_on < monday - dt.timedelta(days=30), Referral.updated_at < start)
        .order_by(Referral.id.desc())
        .limit(1)
    ).scalar_one()
    other = demo_session.execute(
        select(Partner.id).where(Partner.id != referral.partner_id, Partner.active).limit(1)
    ).scalar_one()
    moment = dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(10), JST)
    # The write layer's clock (its module: ``crm.writes.apply`` names the function there).
    monkeypatch.setattr(
        importlib.import_module("crm.writes.apply"), "utcnow", lambda: moment.astimezone(dt.UTC)
    )
    needs.update_referral(
        demo_session,
        _manager(demo_session, referral.hub_code),
        referral.id,
        {"partner_id": other},
        referral.version,
    )
    bundle = weekly_export(demo_session, SYSTEM, week)
    corrected = [
        (name, row) for name in FILES for row in rows_of(bundle, name) if row["区分"] == "訂正"
    ]
    assert [(name, int(row["紹介ID"])) for name, row in corrected] == [
        ("referrals.csv", referral.id)
    ]


def test_a_referral_outcome_is_audited_as_the_app_audits_it(demo_session):
    # One without a note: the service's update takes the note from ``data`` (none here).
    referral = demo_session.execute(
        select(Referral)
        .where(Referral.outcome == "pending", col(Referral.notes).is_(None))
        .limit(1)
    ).scalar_one()
    needs.update_referral(
        demo_session,
        _manager(demo_session, referral.hub_code),
        referral.id,
        {"outcome": "candidates"},
        referral.version,
    )
    app = _last_entry(demo_session, "referral")
    assert (app.entity_id, app.hub_code) == (str(referral.id), referral.hub_code)
    demo = _demo_entry(demo_session, "referral", '%"candidates"%')
    assert (
        _shape(demo)
        == _shape(app)
        == (
            "update",
            "referral",
            {"outcome": ["pending", "candidates"]},
        )
    )
    settled = demo_session.get(Referral, int(demo.entity_id))
    assert settled is not None
    assert (demo.at, demo.user_id, demo.hub_code) == (
        settled.updated_at,
        settled.updated_by,
        settled.hub_code,
    )


def test_a_need_step_is_audited_as_the_app_audits_it(demo_session):
    need = demo_session.execute(
        select(TalentNeed).where(TalentNeed.status == "open").limit(1)
    ).scalar_one()
    needs.move_need(
        demo_session,
        _manager(demo_session, need.hub_code),
        need.id,
        "withdrawn",
        need.version,
        on=need.opened_on,
    )
    app = _last_entry(demo_session, "talent_need")
    assert (app.entity_id, app.hub_code) == (str(need.id), need.hub_code)
    demo = _demo_entry(demo_session, "talent_need", '%"open"%"withdrawn"%')
    assert (
        _shape(demo)
        == _shape(app)
        == (
            "update",
            "talent_need",
            {"status": ["open", "withdrawn"]},
        )
    )
    # One entry per step after the opening, at the step's time, by who made it.
    step = demo_session.execute(
        select(NeedStatusChange).where(
            NeedStatusChange.need_id == int(demo.entity_id),
            NeedStatusChange.to_status == "withdrawn",
        )
    ).scalar_one()
    assert (demo.at, demo.user_id) == (step.changed_at, step.changed_by)
    steps = demo_session.execute(
        select(func.count()).where(NeedStatusChange.from_status.is_not(None))
    ).scalar_one()
    entries = demo_session.execute(
        select(func.count()).where(AuditLog.entity == "talent_need")
    ).scalar_one()
    assert entries == steps  # the demo's steps, and the one just made (entry and step)


def test_a_follow_up_done_is_audited_as_the_app_audits_it(demo_session):
    follow_up = demo_session.execute(
        select(FollowUp).where(FollowUp.done_on.is_(None)).limit(1)
    ).scalar_one()
    day = follow_up.due_on - dt.timedelta(days=1)
    followups.complete_follow_up(
        demo_session,
        _manager(demo_session, follow_up.hub_code),
        follow_up.id,
        follow_up.version,
        done_on=day,
    )
    app = _last_entry(demo_session, "follow_up")
    assert _shape(app) == ("update", "follow_up", {"done_on": [None, day.isoformat()]})
    demo = _demo_entry(demo_session, "follow_up", "%done_on%")
    done = demo_session.get(FollowUp, int(demo.entity_id))
    assert done is not None and done.done_on is not None
    assert _shape(demo) == ("update", "follow_up", {"done_on": [None, done.done_on.isoformat()]})
    done_count = demo_session.execute(
        select(func.count()).select_from(FollowUp).where(FollowUp.done_on.is_not(None))
    ).scalar_one()
    entries = demo_session.execute(
        select(func.count()).where(AuditLog.entity == "follow_up")
    ).scalar_one()
    assert entries == done_count


def test_a_target_approval_is_audited_as_the_app_audits_it(demo_session, demo_summary):
    manager = _manager(demo_session, "06")
    proposal = targets.propose_target(
        demo_session,
        manager,
        {
            "hub_code": "06",
            "fiscal_year": fiscal_year(demo_summary.loaded_at.date()) + 1,
            "consultations": 250,
            "placements": 110,
        },
    )
    targets.approve_target(demo_session, _secretariat(demo_session), proposal.id, proposal.version)
    app = json.loads(_last_entry(demo_session, "kpi_target").changes)
    demo = _demo_entry(demo_session, "kpi_target", '%"approved"%')
    approved = demo_session.get(KpiTarget, int(demo.entity_id))
    assert approved is not None
    changes = json.loads(demo.changes)
    assert list(changes) == list(app) == ["status", "approved_by", "approved_at"]
    assert changes["status"] == app["status"] == ["proposed", "approved"]
    assert changes["approved_by"] == [None, approved.approved_by]
    # The stamp spelt as the app spells it: ISO, in UTC, with its offset.
    assert changes["approved_at"][1].endswith("+00:00") and app["approved_at"][1].endswith("+00:00")
    assert dt.datetime.fromisoformat(changes["approved_at"][1]) == approved.approved_at.replace(
        tzinfo=dt.UTC
    )
    assert (demo.at, demo.user_id, demo.username) == (
        approved.updated_at,
        approved.approved_by,
        "secretariat",
    )


def _entries(engine) -> list[tuple]:
    with Session(engine) as session:
        rows = session.execute(
            select(AuditLog).where(AuditLog.action == "update").order_by(AuditLog.id)
        ).scalars()
        return sorted(
            (
                e.entity,
                int(e.entity_id),
                e.at.replace(tzinfo=dt.UTC) if e.at.tzinfo is None else e.at.astimezone(dt.UTC),
                e.user_id,
                e.username,
                e.hub_code,
                json.dumps(json.loads(e.changes), sort_keys=True),
            )
            for e in rows
        )


@pytest.mark.postgres
def test_postgresql_writes_the_same_entries(sqlite_engine, postgres_engine, monkeypatch):
    monkeypatch.setenv("CRM_DEMO_PASSWORD", "demo-test-password")
    moment = dt.datetime(2026, 12, 7, 10, tzinfo=JST)
    for engine in (sqlite_engine, postgres_engine):
        load_synthetic(engine, consultations=2_000, seed=8, now=moment)
    on_sqlite = _entries(sqlite_engine)
    assert len(on_sqlite) > 1_000
    assert {entry[0] for entry in on_sqlite} == {
        "talent_need",
        "referral",
        "follow_up",
        "kpi_target",
    }
    assert _entries(postgres_engine) == on_sqlite
