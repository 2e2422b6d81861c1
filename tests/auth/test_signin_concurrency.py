"""Sign-in under attack: parallel wrong passwords verify at most the lock-out threshold, the
lock holds against the right password, and unknown, wrong, disabled and locked names get one
answer in about the same time (the lock shows to administrators and in the audit log)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select

from crm.actor import SYSTEM
from crm.auth import passwords, signin
from crm.auth.signin import REFUSED, SignInResult, authenticate
from crm.models import AuditLog, UserAccount
from crm.services import users

PASSWORD = "correct horse battery"
ATTEMPTS = 24
THRESHOLD = 5  # the default CRM_LOCKOUT_THRESHOLD


class CountingVerifier:
    """Wraps the verify function sign-in calls: counts verifications of one account's hash and
    makes each take a while, so that parallel attempts overlap."""

    def __init__(self, real, password_hash: str, delay: float = 0.05):
        self.real, self.password_hash, self.delay = real, password_hash, delay
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, password_hash, password):
        if password_hash == self.password_hash:
            with self.lock:
                self.calls += 1
            time.sleep(self.delay)
        return self.real(password_hash, password)


def _make_account(engine, username: str) -> str:
    with Session(engine) as s:
        users.create_user(s, SYSTEM, username=username, role="secretariat", password=PASSWORD)
        s.commit()
        return (
            s.exec(select(UserAccount).where(UserAccount.username == username)).one().password_hash
        )


def _attempt(engine, username: str, password: str) -> SignInResult:
    with Session(engine, expire_on_commit=False) as s:
        result = authenticate(s, username, password)
        s.commit()
        return result


def test_parallel_wrong_passwords_verify_at_most_the_threshold(any_engine, monkeypatch):
    stored_hash = _make_account(any_engine, "target")
    counter = CountingVerifier(signin.verify_password, stored_hash)
    monkeypatch.setattr(signin, "verify_password", counter)
    start = threading.Barrier(ATTEMPTS)

    def wrong(i: int) -> SignInResult:
        start.wait()
        return _attempt(any_engine, "target", f"wrong password {i}")

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        results = list(pool.map(wrong, range(ATTEMPTS)))

    assert 1 <= counter.calls <= THRESHOLD
    assert all(not r.ok and r.message == REFUSED for r in results)
    # Locked now: the right password is refused with the same answer, and is not even checked.
    before = counter.calls
    right = _attempt(any_engine, "target", PASSWORD)
    assert not right.ok and right == SignInResult(None, message=REFUSED)
    assert counter.calls == before
    with Session(any_engine) as s:
        account = s.exec(select(UserAccount).where(UserAccount.username == "target")).one()
        assert account.locked_until is not None
        summary = users.get_account(s, SYSTEM, "target")
        assert summary.locked  # what 利用者管理 shows
        actions = [
            (e.action, e.detail)
            for e in s.exec(
                select(AuditLog).where(AuditLog.username == "target").order_by(AuditLog.id)
            )
        ]
    wrong_audited = [a for a in actions if a == ("sign_in_failed", "wrong_password")]
    assert len(wrong_audited) == counter.calls
    assert actions.count(("account_locked", f"{THRESHOLD}回連続の失敗で15分間ロック")) == 1
    # Every other attempt was refused unverified and recorded as refused while locked.
    assert actions.count(("sign_in_failed", "locked")) == ATTEMPTS + 1 - counter.calls


def test_unknown_wrong_disabled_and_locked_names_get_identical_answers(session):
    for name in ("locked_one", "disabled_one", "plain_one"):
        users.create_user(session, SYSTEM, username=name, role="secretariat", password=PASSWORD)
    users.set_active(session, SYSTEM, "disabled_one", False)
    session.commit()
    for i in range(THRESHOLD):
        authenticate(session, "locked_one", f"wrong password {i}")
    session.commit()

    answers = {
        "unknown": authenticate(session, "nobody_at_all", PASSWORD),
        "wrong": authenticate(session, "plain_one", "wrong password!"),
        "disabled": authenticate(session, "disabled_one", PASSWORD),
        "locked_right_password": authenticate(session, "locked_one", PASSWORD),
        "locked_wrong_password": authenticate(session, "locked_one", "wrong password!"),
    }
    assert set(answers.values()) == {SignInResult(None, message=REFUSED)}


def test_every_refusal_runs_one_full_cost_verification(session, monkeypatch):
    """The same work (one Argon2 verification with the app's parameters) on every path."""
    users.create_user(session, SYSTEM, username="locked_one", role="secretariat", password=PASSWORD)
    users.create_user(session, SYSTEM, username="plain_one", role="secretariat", password=PASSWORD)
    session.commit()
    for i in range(THRESHOLD):
        authenticate(session, "locked_one", f"wrong password {i}")
    session.commit()
    seen: list[str] = []
    real = passwords.PasswordHasher.verify

    def spy(self, password_hash, password):
        seen.append(password_hash.split("$")[3])  # the parameters, m=…,t=…,p=…
        return real(self, password_hash, password)

    monkeypatch.setattr(passwords.PasswordHasher, "verify", spy)
    for name, password in (
        ("nobody_at_all", PASSWORD),
        ("plain_one", "wrong password!"),
        ("locked_one", PASSWORD),
        ("plain_one", PASSWORD),
    ):
        seen.clear()
        authenticate(session, name, password)
        assert len(seen) == 1, name
        assert seen == [f"m={passwords._hasher.memory_cost},t={passwords._hasher.time_cost},p=1"]


@pytest.fixture
def real_password_hashing(monkeypatch):
    """Argon2 with a realistic cost (OWASP's minimum, 19 MiB; the app's default costs more and
    would make this test slow), for accounts and the decoy alike."""
    monkeypatch.setattr(
        passwords, "_hasher", passwords.PasswordHasher(time_cost=2, memory_cost=19456)
    )
    passwords._decoy_hash.cache_clear()
    yield
    passwords._decoy_hash.cache_clear()


def test_unknown_and_locked_names_answer_in_about_the_same_time(session, real_password_hashing):
    users.create_user(session, SYSTEM, username="locked_one", role="secretariat", password=PASSWORD)
    users.create_user(session, SYSTEM, username="plain_one", role="secretariat", password=PASSWORD)
    session.commit()
    for i in range(THRESHOLD):
        authenticate(session, "locked_one", f"wrong password {i}")
    session.commit()
    authenticate(session, "nobody_at_all", PASSWORD)  # warm the decoy hash

    def timed(name: str, password: str) -> float:
        began = time.perf_counter()
        authenticate(session, name, password)
        session.commit()
        return time.perf_counter() - began

    cases = {
        "unknown": ("nobody_at_all", PASSWORD),
        "locked": ("locked_one", PASSWORD),
        "wrong": ("plain_one", "wrong password!"),
    }
    # Round-robin, so that the load of a shared machine falls on every case alike.
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(THRESHOLD - 1):  # one fewer than would lock plain_one
        for label, case in cases.items():
            times[label].append(timed(*case))
    # The fastest of each: a busy machine only ever adds time.
    best = {label: min(values) for label, values in times.items()}
    # Without the decoy verification an unknown name answers about 50 times faster.
    assert max(best.values()) < min(best.values()) * 2, best
