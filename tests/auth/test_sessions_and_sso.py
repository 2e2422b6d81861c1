"""Session end (inactivity, sign out everywhere, disabled account) and single sign-on matching."""

import datetime as dt

import pytest
from sqlmodel import select

from crm.actor import SYSTEM, actor_for
from crm.auth import sessions, sso
from crm.auth.signin import authenticate
from crm.models import AuditLog
from crm.reference import Role
from crm.services import users
from crm.timeutil import utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def signed_in(session):
    users.create_user(
        session,
        SYSTEM,
        username="akita",
        role="hub_manager",
        hub_code="05",
        email="Akita.Manager@example.jp",
        password=PASSWORD,
    )
    result = authenticate(session, "akita", PASSWORD)
    return sessions.new_ticket(result.actor, result.session_epoch, "password")


def ended(session, ticket, now=None) -> str | None:
    try:
        sessions.check_session(session, ticket, now)
    except sessions.SessionEnded as error:
        return error.reason
    return None


def test_activity_keeps_the_session_and_inactivity_ends_it(session, signed_in, monkeypatch):
    monkeypatch.setenv("CRM_SESSION_IDLE_MINUTES", "30")
    start = signed_in.last_seen
    actor, ticket = sessions.check_session(session, signed_in, start + dt.timedelta(minutes=29))
    assert actor.username == "akita"
    # Each interaction moves the idle clock on.
    _, ticket = sessions.check_session(session, ticket, start + dt.timedelta(minutes=55))
    assert ended(session, ticket, start + dt.timedelta(minutes=86)) == sessions.IDLE
    last = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (last.action, last.detail) == ("sign_out", "session_ended:idle")


def test_sign_out_everywhere_ends_every_session(session, signed_in):
    other = sessions.new_ticket(
        actor_for(users.get_user(session, "akita")), signed_in.epoch, "password"
    )
    actor = actor_for(users.get_user(session, "akita"))
    epoch = users.sign_out_everywhere(session, actor)
    assert epoch == signed_in.epoch + 1
    assert ended(session, signed_in) == sessions.ELSEWHERE
    assert ended(session, other) == sessions.ELSEWHERE
    # A new sign-in starts under the new epoch and stays.
    fresh = authenticate(session, "akita", PASSWORD)
    assert ended(session, sessions.new_ticket(fresh.actor, fresh.session_epoch, "password")) is None


def test_an_admin_can_end_someone_elses_sessions(session, signed_in, actors):
    users.sign_out_everywhere(session, actors.admin, "akita")
    assert ended(session, signed_in) == sessions.ELSEWHERE


def test_disabling_ends_the_session_at_the_next_interaction(session, signed_in, actors):
    users.set_active(session, actors.admin, "akita", False)
    assert ended(session, signed_in) == sessions.DISABLED


def test_changing_the_password_keeps_this_session_and_ends_the_others(session, signed_in):
    actor = actor_for(users.get_user(session, "akita"))
    epoch = users.change_own_password(session, actor, PASSWORD, "a brand new password")
    this = sessions.SessionTicket(signed_in.user_id, epoch, utcnow(), "password")
    assert ended(session, this) is None
    assert ended(session, signed_in) == sessions.ELSEWHERE
    assert authenticate(session, "akita", "a brand new password").ok
    assert not authenticate(session, "akita", PASSWORD).ok


def test_a_role_change_applies_to_the_open_session(session, signed_in, actors):
    account = users.get_account(session, actors.admin, "akita")
    users.update_user(
        session, actors.admin, "akita", {"role": "secretariat", "hub_code": None}, account.version
    )
    actor, _ = sessions.check_session(session, signed_in)
    assert (actor.role, actor.hub_code) == (Role.SECRETARIAT, None)


# --- single sign-on -----------------------------------------------------------------------------


def test_sso_matches_the_account_by_email_ignoring_case(session, signed_in):
    result = sso.sign_in_with_identity(session, "akita.manager@EXAMPLE.jp", email_verified=True)
    assert result.ok and result.actor.username == "akita"
    last = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (last.action, last.detail, last.username) == ("sign_in", "sso", "akita")


def test_sso_with_an_unknown_email_gets_no_access(session, signed_in):
    result = sso.sign_in_with_identity(session, "stranger@example.com", email_verified=True)
    assert not result.ok and result.actor is None
    assert "stranger@example.com" in result.message and "登録されていない" in result.message
    last = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (last.action, last.detail) == ("sign_in_failed", "sso_unknown_email")


def test_sso_refuses_disabled_accounts_and_unverified_addresses(session, signed_in, actors):
    # Only a claim that says true lets the e-mail be matched: false, missing or odd values not.
    for claim in (False, None, "false", "", 1, "yes"):
        refused = sso.sign_in_with_identity(
            session, "akita.manager@example.jp", email_verified=claim
        )
        assert not refused.ok and refused.message == sso.UNVERIFIED, claim
        last = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert (last.action, last.detail) == ("sign_in_failed", "sso_unverified_email")
    assert sso.sign_in_with_identity(session, "akita.manager@example.jp", email_verified="true").ok
    users.set_active(session, actors.admin, "akita", False)
    result = sso.sign_in_with_identity(session, "akita.manager@example.jp", email_verified=True)
    assert not result.ok and "利用停止" in result.message


def test_sso_identity_issued_before_sign_out_everywhere_is_refused(session, signed_in):
    issued = utcnow() - dt.timedelta(minutes=5)
    assert sso.sign_in_with_identity(
        session, "akita.manager@example.jp", issued_at=issued, email_verified=True
    ).ok
    actor = actor_for(users.get_user(session, "akita"))
    users.sign_out_everywhere(session, actor)
    stale = sso.sign_in_with_identity(
        session, "akita.manager@example.jp", issued_at=issued, email_verified=True
    )
    assert not stale.ok and "全端末" in stale.message
    fresh = sso.sign_in_with_identity(
        session,
        "akita.manager@example.jp",
        issued_at=utcnow() + dt.timedelta(seconds=1),
        email_verified=True,
    )
    assert fresh.ok
