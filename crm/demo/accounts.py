"""The demo's sign-in accounts: ``admin``, ``secretariat`` and ``hubNN`` per active hub, and
a few partner accounts (``PARTNER_ACCOUNTS``: role パートナー, tied to one partner each).

They exist only in a demo database. All share one password: ``CRM_DEMO_PASSWORD`` when set
(tests and browser tests set it), otherwise a fresh random one shown once after loading and,
for SQLite, kept in ``demo-credentials.txt`` beside the database file (mode 0600). No password
ships in code. Argon2 is slow on purpose, so the hash is computed once and shared.
"""

import datetime as dt
import os
import secrets
from pathlib import Path

from sqlalchemy import Engine

from crm.auth.passwords import hash_password, password_problem
from crm.errors import CrmError
from crm.files import write_bytes
from crm.reference import PREFECTURES, Role
from crm.writes.bulk import BulkWriter

PASSWORD_ENV = "CRM_DEMO_PASSWORD"
CREDENTIALS_FILE = "demo-credentials.txt"
ADMIN, SECRETARIAT = "admin", "secretariat"
# (user name, which partner of the demo's pool; ``crm.demo.outreach.partner_users``): an
# agency, the side-job agency, JHR (its account kept after it wound up, for its history) and
# the first bank of Yamagata and of Fukuoka (the latter two only when those hubs are active).
PARTNER_ACCOUNTS = (
    ("partner_agency", "agency"),
    ("partner_sidejob", "side_job"),
    ("partner_jhr", "jhr"),
    ("partner_bank06", "bank:06"),
    ("partner_bank40", "bank:40"),
)
RESERVED_USERNAMES = (
    [ADMIN, SECRETARIAT]
    + [f"hub{code}" for code in PREFECTURES]
    + [username for username, _ in PARTNER_ACCOUNTS]
)

USER_COLUMNS = (
    "id",
    "username",
    "display_name",
    "email",
    "role",
    "hub_code",
    "password_hash",
    "active",
    "failed_attempts",
    "locked_until",
    "session_epoch",
    "last_sign_in_at",
    "created_at",
    "updated_at",
    "version",
)


def demo_password() -> str:
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        return secrets.token_urlsafe(12)
    problem = password_problem(password)
    if problem:
        raise CrmError(f"{PASSWORD_ENV} が使えません: {problem}")
    return password


def hash_once(password: str) -> str:
    return hash_password(password)


def account_rows(
    hubs: list[str], password_hash: str, first_id: int, writer: BulkWriter
) -> list[tuple]:
    """admin first, then secretariat, then one manager per hub in ``hubs`` order."""
    stamp = writer.stamp(dt.date(2016, 1, 4).toordinal(), 9)
    accounts: list[tuple[str, str, str, str | None]] = [
        (ADMIN, "デモ管理者", Role.ADMIN.value, None),
        (SECRETARIAT, "全国事務局（デモ）", Role.SECRETARIAT.value, None),
    ]
    accounts += [
        (f"hub{code}", f"{PREFECTURES[code][0]}拠点マネージャー", Role.HUB_MANAGER.value, code)
        for code in hubs
    ]
    return [
        (
            first_id + i,
            username,
            display,
            None,
            role,
            hub,
            password_hash,
            True,
            0,
            None,
            0,
            None,
            stamp,
            stamp,
            1,
        )
        for i, (username, display, role, hub) in enumerate(accounts)
    ]


PARTNER_USER_COLUMNS = (*USER_COLUMNS, "partner_id")


def partner_account_rows(
    users: list[tuple[str, int, str, bool]], password_hash: str, first_id: int, stamp: object
) -> list[tuple]:
    """Rows (``PARTNER_USER_COLUMNS``) of the partner accounts ``users``: (user name, partner
    id, partner name, whether the partner is active); no hub, the demo password like every
    demo account. The account of a partner no longer active (JHR, wound up in 2020) is
    disabled: its reports stay, its person signs in no more."""
    return [
        (first_id + i, username, f"{name} 担当者", None, Role.PARTNER.value, None)
        + (password_hash, active, 0, None, 0, None, stamp, stamp, 1, partner_id)
        for i, (username, partner_id, name, active) in enumerate(users)
    ]


def credentials_path_for(engine: Engine) -> Path | None:
    """``demo-credentials.txt`` beside a SQLite database file; None for other databases."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().parent / CREDENTIALS_FILE


def write_credentials_file(engine: Engine, summary) -> Path | None:
    path = credentials_path_for(engine)
    if path is None:
        return None
    # Owner-only from the first byte (no window in which others could read it).
    return write_bytes(path, (summary.sign_in_text() + "\n").encode("utf-8"))
