"""Password sign-in: success, refusals, lock-out after repeated failures, and their audit."""

import datetime as dt

import pytest
from sqlmodel import select

from crm.actor import SYSTEM
from crm.auth.passwords import verify_password
from crm.auth.signin import REFUSED, UNKNOWN_NAME, SignInResult, authenticate
from crm.errors import ValidationError
from crm.models import AuditLog, UserAccount
from crm.services import users
from crm.timeutil import utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def account(session):
    user = users.create_user(
        session,
        SYSTEM,
        username="yamagata",
        role="hub_manager",
        hub_code="06",
        display_name="山形 花子",
        password=PASSWORD,
    )
    session.commit()
    return user


def events(session, username="yamagata"):
    return [
        (e.action, e.detail)
        for e in session.exec(
            select(AuditLog)
            .where(AuditLog.username == username, AuditLog.action != "create")
            .order_by(AuditLog.id)
        )
    ]


def test_correct_password_signs_in_and_is_audited(session, account):
    result = authenticate(session, "yamagata", PASSWORD)
    assert result.ok and result.message is None
    assert (result.actor.username, result.actor.hub_code) == ("yamagata", "06")
    assert result.session_epoch == 0
    assert session.get(UserAccount, account.id).last_sign_in_at is not None
    assert events(session) == [("sign_in", "password")]


def test_user_name_is_nfkc_normalised(session, account):
    assert authenticate(session, "ｙａｍａｇａｔａ ", PASSWORD).ok


def test_unknown_user_and_wrong_password_get_the_same_answer(session, account):
    unknown = authenticate(session, "nobody", PASSWORD)
    wrong = authenticate(session, "yamagata", "wrong password!")
    assert not unknown.ok and not wrong.ok
    assert unknown == wrong == SignInResult(None, message=REFUSED)
    # What was typed as the unknown name is not stored (it is sometimes a password).
    assert events(session, "nobody") == []
    assert events(session, UNKNOWN_NAME) == [("sign_in_failed", "unknown_user")]
    assert not session.exec(select(AuditLog).where(AuditLog.detail.contains("nobody"))).all()
    assert events(session) == [("sign_in_failed", "wrong_password")]
    assert session.exec(select(UserAccount).where(UserAccount.username == "nobody")).first() is None


def test_disabled_account_is_refused_like_a_wrong_password(session, account):
    users.set_active(session, SYSTEM, "yamagata", False)
    result = authenticate(session, "yamagata", PASSWORD)
    assert not result.ok and result.message == REFUSED
    assert events(session)[-1] == ("sign_in_failed", "disabled")


def test_five_failures_lock_the_account_for_fifteen_minutes(session, account):
    start = utcnow()
    for attempt in range(4):
        result = authenticate(session, "yamagata", f"wrong {attempt}", now=start)
        assert result.message == REFUSED
    assert session.get(UserAccount, account.id).failed_attempts == 4
    fifth = authenticate(session, "yamagata", "wrong 5", now=start)
    assert not fifth.ok and fifth.message == REFUSED  # the same answer as for a stranger
    assert session.get(UserAccount, account.id).locked_until == start + dt.timedelta(minutes=15)
    # Even the right password is refused while the lock lasts …
    during = authenticate(session, "yamagata", PASSWORD, now=start + dt.timedelta(minutes=14))
    assert not during.ok and during.message == REFUSED
    # … and works once it has run out.
    after = authenticate(session, "yamagata", PASSWORD, now=start + dt.timedelta(minutes=16))
    assert after.ok
    user = session.get(UserAccount, account.id)
    assert (user.failed_attempts, user.locked_until) == (0, None)
    assert [a for a, _ in events(session)] == ["sign_in_failed"] * 5 + [
        "account_locked",
        "sign_in_failed",
        "sign_in",
    ]


def test_lock_is_visible_to_admins_and_they_can_lift_it(session, account, actors):
    for _ in range(5):
        authenticate(session, "yamagata", "wrong password")
    listed = {a.username: a for a in users.list_accounts(session, actors.admin)}
    assert listed["yamagata"].locked
    assert not listed["manager01"].locked
    users.unlock(session, actors.admin, "yamagata")
    assert not users.get_account(session, actors.admin, "yamagata").locked
    assert authenticate(session, "yamagata", PASSWORD).ok
    unlock = session.exec(select(AuditLog).where(AuditLog.action == "unlock")).one()
    assert unlock.username == "admin"


def test_lockout_settings_come_from_the_environment(session, account, monkeypatch):
    monkeypatch.setenv("CRM_LOCKOUT_THRESHOLD", "2")
    monkeypatch.setenv("CRM_LOCKOUT_MINUTES", "1")
    start = utcnow()
    authenticate(session, "yamagata", "wrong", now=start)
    assert session.get(UserAccount, account.id).locked_until is None
    authenticate(session, "yamagata", "wrong", now=start)
    assert session.get(UserAccount, account.id).locked_until == start + dt.timedelta(minutes=1)


def test_an_sso_only_account_cannot_sign_in_with_a_password(session):
    users.create_user(
        session, SYSTEM, username="sso_person", role="secretariat", email="sso@example.jp"
    )
    assert not authenticate(session, "sso_person", "").ok
    assert not authenticate(session, "sso_person", "anything at all").ok


def test_passwords_are_stored_as_argon2id_hashes(session, account):
    stored = session.get(UserAccount, account.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)


def test_lock_out_and_expiry_on_every_backend(any_session):
    """Aware timestamps survive the round trip through each database's column type."""
    users.create_user(any_session, SYSTEM, username="kochi", role="secretariat", password=PASSWORD)
    start = utcnow()
    for _ in range(5):
        authenticate(any_session, "kochi", "wrong password", now=start)
    any_session.commit()
    any_session.expire_all()
    stored = any_session.exec(select(UserAccount).where(UserAccount.username == "kochi")).one()
    assert stored.locked_until == start + dt.timedelta(minutes=15)
    assert not authenticate(any_session, "kochi", PASSWORD, now=start).ok
    assert authenticate(
        any_session, "kochi", PASSWORD, now=start + dt.timedelta(minutes=15, seconds=1)
    ).ok


def test_a_name_with_control_characters_is_refused_without_a_query(any_session):
    """A NUL in the name once made PostgreSQL show the SQL statement; now it is just refused."""
    for name in ("yama\x00gata", "x" * 100_000, "\u202eadmin", ""):
        result = authenticate(any_session, name, PASSWORD)
        assert result == SignInResult(None, message=REFUSED)
    any_session.commit()


def test_weak_passwords_are_refused_with_the_reason(session):
    cases = {
        " " * 10: "空白だけ",
        "1234567890": "よく使われる",
        "password12": "よく使われる",
        "short": "10文字以上",
        "aaaaabbbbb": "5種類以上",
        "yamagata2026": "利用者名",
        "１２３４５６７８９０": "よく使われる",  # full-width digits are no stronger
    }
    for password, reason in cases.items():
        with pytest.raises(ValidationError) as refused:
            users.create_user(
                session, SYSTEM, username="yamagata", role="secretariat", password=password
            )
        assert reason in refused.value.fields["password"], password
        assert password not in refused.value.fields["password"]
    assert users.create_user(
        session, SYSTEM, username="yamagata", role="secretariat", password=PASSWORD
    )
