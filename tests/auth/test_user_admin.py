"""Account administration rules and their audit entries."""

import pytest
from sqlmodel import select

from crm.actor import SYSTEM
from crm.auth.signin import authenticate
from crm.errors import StaleVersion, ValidationError
from crm.models import AuditLog, UserAccount
from crm.services import users
from tests.auth.audit_check import snapshot, unaudited


def test_create_user_validates_every_field(session, actors):
    users.create_user(
        session, actors.admin, username="taken", role="secretariat", email="Taken@example.jp"
    )
    with pytest.raises(ValidationError) as error:
        users.create_user(
            session,
            actors.admin,
            username="taken",
            role="hub_manager",
            email="taken@EXAMPLE.jp",
            password="short",
        )
    assert set(error.value.fields) == {"username", "hub_code", "email", "password"}
    with pytest.raises(ValidationError) as error:
        users.create_user(session, actors.admin, username="x", role="boss", email="not-an-email")
    assert set(error.value.fields) == {"role", "email"}
    with pytest.raises(ValidationError) as error:
        users.create_user(
            session,
            actors.admin,
            username="secretary",
            role="secretariat",
            hub_code="01",
            password="SECRETARY ",
        )
    assert "拠点" in error.value.fields["hub_code"]
    assert "password" in error.value.fields


def test_create_user_is_audited_without_the_password(session, actors):
    before = snapshot(session)
    users.create_user(
        session,
        actors.admin,
        username="new_manager",
        role="hub_manager",
        hub_code="06",
        password="a fine long password",
    )
    assert unaudited(session, before) == []
    entry = session.exec(
        select(AuditLog)
        .where(AuditLog.action == "create", AuditLog.entity == "user_account")
        .order_by(AuditLog.id.desc())
    ).first()
    assert entry.username == "admin" and entry.hub_code == "06"
    assert "new_manager" in entry.changes and "a fine long password" not in entry.changes
    assert "$argon2" not in entry.changes


def test_the_last_admin_cannot_be_disabled_or_demoted(session, actors):
    with pytest.raises(ValidationError, match="自分自身"):
        users.set_active(session, actors.admin, "admin", False)
    with pytest.raises(ValidationError, match="管理者がいなくなる"):
        users.set_active(session, SYSTEM, "admin", False)
    account = users.get_account(session, actors.admin, "admin")
    with pytest.raises(ValidationError, match="管理者がいなくなる"):
        users.update_user(session, actors.admin, "admin", {"role": "secretariat"}, account.version)
    users.create_user(session, actors.admin, username="second_admin", role="admin")
    users.set_active(session, SYSTEM, "admin", False)
    assert not session.exec(select(UserAccount).where(UserAccount.username == "admin")).one().active


def test_reset_password_lifts_the_lock_and_is_audited_by_name_only(session, actors):
    users.create_user(
        session,
        actors.admin,
        username="locked_out",
        role="secretariat",
        password="the old password",
    )
    for _ in range(5):
        authenticate(session, "locked_out", "guess guess")
    assert users.get_account(session, actors.admin, "locked_out").locked
    users.reset_password(session, actors.admin, "locked_out", "the new password")
    assert not users.get_account(session, actors.admin, "locked_out").locked
    assert authenticate(session, "locked_out", "the new password").ok
    entry = session.exec(select(AuditLog).where(AuditLog.action == "password_reset")).one()
    assert entry.changes is None and "new password" not in (entry.detail or "")


def test_enable_and_disable_are_audited_with_before_and_after(session, actors):
    users.set_active(session, actors.admin, "manager01", False)
    users.set_active(session, actors.admin, "manager01", True)
    entries = session.exec(
        select(AuditLog.action, AuditLog.changes)
        .where(AuditLog.action.in_(["disable", "enable"]))
        .order_by(AuditLog.id)
    ).all()
    assert entries == [
        ("disable", '{"active": [true, false]}'),
        ("enable", '{"active": [false, true]}'),
    ]


def test_editing_an_account_carries_the_version_seen(session, actors):
    seen = users.get_account(session, actors.admin, "manager01").version
    users.update_user(session, actors.admin, "manager01", {"display_name": "札幌 一郎"}, seen)
    with pytest.raises(StaleVersion) as error:
        users.update_user(session, actors.admin, "manager01", {"email": "m01@example.jp"}, seen)
    assert error.value.changes["display_name"][1] == "札幌 一郎"
