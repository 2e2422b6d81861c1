"""The PostgreSQL connection parameters and the readiness check's bound, without a server
(crm.db_timeouts, crm.web.health)."""

import threading
import time

from sqlalchemy.engine import make_url

from crm.config import Settings
from crm.db_timeouts import DEADLINE_GRACE_SECONDS, connect_arguments, deadline_for
from crm.web.health import SingleFlight

URL = make_url("postgresql+psycopg://crm@db.example/crm")


def test_every_timeout_and_keepalive_of_the_settings_reaches_libpq():
    settings = Settings(
        db_connect_timeout_seconds=7,
        db_statement_timeout_seconds=12.5,
        db_idle_in_transaction_timeout_seconds=90,
        db_keepalives_idle_seconds=20,
        db_keepalives_interval_seconds=4,
        db_keepalives_count=5,
        db_tcp_user_timeout_seconds=25,
    )
    arguments = connect_arguments(URL, {}, settings)
    assert arguments == {
        "connect_timeout": 7,
        "keepalives": 1,
        "keepalives_idle": 20,
        "keepalives_interval": 4,
        "keepalives_count": 5,
        "tcp_user_timeout": 25_000,
        "options": "-c plan_cache_mode=force_custom_plan -c statement_timeout=12500"
        " -c idle_in_transaction_session_timeout=90000",
    }


def test_an_engine_for_batch_work_gets_the_long_timeouts():
    settings = Settings(db_long_statement_timeout_seconds=900)
    arguments = connect_arguments(URL, {}, settings, long_running=True)
    assert arguments["options"] == (
        "-c plan_cache_mode=force_custom_plan -c statement_timeout=900000"
        " -c idle_in_transaction_session_timeout=900000"
    )


def test_what_the_url_or_the_caller_sets_is_kept():
    url = make_url(
        "postgresql+psycopg://crm@db/crm?connect_timeout=3"
        "&options=-c%20statement_timeout%3D0%20--plan_cache_mode%3Dauto"
    )
    settings = Settings(db_idle_in_transaction_timeout_seconds=60)
    arguments = connect_arguments(url, {"keepalives_idle": 99}, settings)
    assert "connect_timeout" not in arguments  # the URL's 3 applies
    assert arguments["keepalives_idle"] == 99
    # The URL's own server settings stay (and win: options given as a connect argument replace
    # the URL's, so they are repeated there); only the missing one is added.
    assert arguments["options"] == (
        "-c statement_timeout=0 --plan_cache_mode=auto -c idle_in_transaction_session_timeout=60000"
    )


def test_the_client_deadline_follows_the_statement_timeout():
    assert deadline_for(15) == 15 + DEADLINE_GRACE_SECONDS
    assert deadline_for(0) is None  # no statement timeout: the operator chose no limit


def test_a_hanging_check_answers_false_in_time_and_never_runs_twice_at_once():
    release = threading.Event()
    runs: list[int] = []

    def hanging() -> bool:
        runs.append(1)
        release.wait(10)
        return True

    ready = SingleFlight(hanging, wait=0.2)
    answers = [ready() for _ in range(3)]
    assert answers == [False, False, False]
    assert len(runs) == 1  # the later calls waited for the same run
    assert ready.in_flight()
    release.set()
    deadline = time.monotonic() + 5
    while ready.in_flight() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not ready.in_flight()
    assert ready() is True  # a fresh run, which answers at once now
    assert len(runs) == 2


def test_a_failing_check_means_not_ready():
    def broken() -> bool:
        raise RuntimeError("a bug in the check")

    assert SingleFlight(broken, wait=1)() is False
