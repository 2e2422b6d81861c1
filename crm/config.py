"""Settings read from the environment (prefix ``CRM_``) or a ``.env`` file."""

import os
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "db" / "crm.sqlite3"


# Addresses only this machine can reach: a password may be printed beside them.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", env_file=".env", extra="ignore")

    # sqlite:///path or postgresql+psycopg://user@host/db
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    # Where `crm serve` (`make run`) listens: this machine only, unless set to the office
    # network's address (or 0.0.0.0) deliberately.
    server_address: str = "127.0.0.1"
    server_port: int = 8501
    # PostgreSQL connections one app process keeps (pool) and may add under load (overflow):
    # processes × (pool + overflow) must stay below the server's max_connections.
    db_pool_size: int = 10
    db_max_overflow: int = 40
    # PostgreSQL: units of work (saves, imports, API requests) one app process runs at once;
    # the others queue first come first served, for a second at most (crm.admission). 0: no
    # queue. SQLite queues its writers one at a time in any case.
    db_concurrent_units: int = 4
    # PostgreSQL timeouts (crm.db_timeouts). Seconds to open a connection (also the bound of
    # the pool's liveness check of an idle connection); seconds to wait for a pooled connection.
    db_connect_timeout_seconds: int = 5
    db_pool_timeout_seconds: float = 10
    # How long one statement may run: page and API reads (and the saves of a page), and the
    # units of work marked long running (exports, imports, reports, transfers, migrations, the
    # CLI). The server cancels a statement past it; the app gives up on a silent database a
    # little later (crm.db_timeouts.DEADLINE_GRACE_SECONDS). 0: no limit.
    db_statement_timeout_seconds: float = 15
    db_long_statement_timeout_seconds: float = 600
    # The server ends a session idle inside a transaction this long (its locks are freed).
    db_idle_in_transaction_timeout_seconds: float = 60
    # TCP keepalives towards the server (idle seconds before the first probe, seconds between
    # probes, probes lost before the link is dead) and seconds sent data may stay unacknowledged.
    db_keepalives_idle_seconds: int = 30
    db_keepalives_interval_seconds: int = 10
    db_keepalives_count: int = 3
    db_tcp_user_timeout_seconds: float = 30
    # Minutes of inactivity after which a signed-in session ends.
    session_idle_minutes: int = 60
    # Failed sign-ins before an account locks, and for how long.
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    # Seconds a cached dashboard result may live even without a write.
    cache_ttl_seconds: int = 600
    # Load the demo data set when the app starts on an empty database.
    demo_on_empty: bool = True
    # Uploaded and imported Excel workbooks are read in a child process (crm.csvio.
    # workbook_reader): its address-space limit in MB, and the seconds after which it is killed.
    workbook_reader_memory_mb: int = 2048
    workbook_reader_seconds: int = 120
    # Reminder e-mails (`crm remind`): the SMTP server, STARTTLS, the sign-in (optional), the
    # sender, and the app's address for links in the mail (optional).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str | None = None
    app_url: str | None = None
    # The body that issues the printed reports: the monthly report (PDF and workbook) and the
    # comparison workbook name it at the foot of every page.
    issuer: str = "全国事務局"


_read: dict[tuple[object, ...], Settings] = {}


def _sources() -> tuple[object, ...]:
    """What the settings are read from: the ``CRM_`` variables and the ``.env`` file (the
    working directory's, as pydantic-settings reads it) by its time and size."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("CRM_")))
    try:
        found = Path(".env").stat()
        dotenv: tuple[object, ...] = (str(Path(".env").resolve()), found.st_mtime_ns, found.st_size)
    except OSError:
        dotenv = ()
    return env, dotenv


def get_settings() -> Settings:
    """The settings for the environment as it is now: read again when a ``CRM_`` variable or
    the ``.env`` file changes (tests and the CLI change them between uses), else the settings
    already read. Reading them costs milliseconds, and a page's run asks about ten times."""
    key = _sources()
    settings = _read.get(key)
    if settings is None:
        if len(_read) > 32:  # environments a test run went through: none is used again
            _read.clear()
        settings = _read[key] = Settings()
    return settings
