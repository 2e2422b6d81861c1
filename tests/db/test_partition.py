"""A silent link to PostgreSQL (a proxy that stops forwarding: TCP open, every byte
acknowledged, nothing answered) costs a request its deadline, never a hang: the unit of work
fails with the Japanese message, its connection goes back to the pool, ``/readyz`` answers 503
within 2 s, the API answers 503, and everything serves again once the link does
(crm.db_timeouts, crm.web.health, crm.api.app). Through the engine, the API and /readyz in
this process, and through a real ``crm serve``."""

import json
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens
from crm.db import make_engine, session_scope
from crm.db_timeouts import (
    DEADLINE_GRACE_SECONDS,
    UNAVAILABLE,
    DatabaseTimedOut,
    DatabaseUnavailable,
    DeadlineConnection,
    DeadlinePassed,
    long_running,
    long_running_engine,
)
from crm.web.health import health_routes
from tests.conftest import NO_POSTGRES
from tests.utils.databases import POSTGRES_URL
from tests.utils.factories import make_actors, make_company
from tests.utils.stalling_proxy import StallingProxy

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)]

CONNECT_TIMEOUT = 2  # libpq's least
STATEMENT_TIMEOUT = 1.0
STATEMENT_DEADLINE = STATEMENT_TIMEOUT + DEADLINE_GRACE_SECONDS
LONG_STATEMENT_TIMEOUT = 3.0
LONG_DEADLINE = LONG_STATEMENT_TIMEOUT + DEADLINE_GRACE_SECONDS
# A unit of work that starts on a silent link: the pool's check of its idle connection, then a
# new connection, each bounded by the connect timeout.
CHECKOUT_BOUND = 2 * CONNECT_TIMEOUT
# A loaded machine's scheduling on top of a bound; the mechanism is checked apart.
MARGIN = 2.0
READY_BOUND = 2.0  # what the spec asks of /readyz
SHORT = {
    "CRM_DB_CONNECT_TIMEOUT_SECONDS": str(CONNECT_TIMEOUT),
    "CRM_DB_STATEMENT_TIMEOUT_SECONDS": str(STATEMENT_TIMEOUT),
    "CRM_DB_LONG_STATEMENT_TIMEOUT_SECONDS": str(LONG_STATEMENT_TIMEOUT),
}


@pytest.fixture
def short_timeouts(monkeypatch):
    for name, value in SHORT.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def proxy():
    server = make_url(POSTGRES_URL)
    with StallingProxy((server.host or "127.0.0.1", server.port or 5432)) as proxy:
        yield proxy


@pytest.fixture
def proxied_url(postgres_engine, proxy) -> str:
    """This test's migrated database, reached through the proxy."""
    url = postgres_engine.url.set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def engine(proxied_url, short_timeouts):
    engine = make_engine(proxied_url)
    yield engine
    engine.dispose()


@pytest.fixture
def token(postgres_engine) -> str:
    """A hub manager's API token, and one firm for the token to read."""
    with session_scope(postgres_engine) as s:
        actors = make_actors(s)
        make_company(s, actors.manager01, name="山形精機株式会社")
        return api_tokens.create_token(s, SYSTEM, actors.manager01.username)[1]


def _one(engine) -> int:
    with session_scope(engine) as s:
        return s.execute(text("SELECT 1")).scalar_one()


def _timed(call, cap: float = 60):
    """(what ``call`` returned or raised, seconds it took); a call still waiting after ``cap``
    seconds is left behind on its thread, so that a broken deadline fails the test, not hangs
    it."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as error:  # noqa: BLE001 - returned for the test to examine
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(cap)
    elapsed = time.monotonic() - started
    return (outcome[0] if outcome else TimeoutError(f"no answer after {cap} s")), elapsed


def test_the_settings_reach_the_connection_and_the_server(engine):
    with engine.connect() as connection:
        shown = {
            name: connection.exec_driver_sql(f"SHOW {name}").scalar_one()
            for name in ("statement_timeout", "idle_in_transaction_session_timeout")
        }
        dbapi = connection.connection.dbapi_connection
        assert isinstance(dbapi, DeadlineConnection)
        assert dbapi.deadline == STATEMENT_DEADLINE  # inside a transaction
        parameters = dbapi.info.get_parameters()
    assert dbapi.deadline == CONNECT_TIMEOUT  # idle in the pool: its ping's bound
    assert shown == {"statement_timeout": "1s", "idle_in_transaction_session_timeout": "1min"}
    assert {
        name: parameters.get(name)
        for name in (
            "connect_timeout",
            "keepalives",
            "keepalives_idle",
            "keepalives_interval",
            "keepalives_count",
            "tcp_user_timeout",
        )
    } == {
        "connect_timeout": str(CONNECT_TIMEOUT),
        "keepalives": "1",
        "keepalives_idle": "30",
        "keepalives_interval": "10",
        "keepalives_count": "3",
        "tcp_user_timeout": "30000",
    }


@pytest.mark.parametrize("step", ["statement", "commit"])
def test_stuck_units_fail_at_their_deadline_and_free_their_connections(engine, proxy, step):
    units = 3
    connected = threading.Barrier(units + 1)
    stopped = threading.Event()
    outcomes: list[tuple[object, float]] = []

    def unit() -> None:
        def work() -> None:
            with session_scope(engine) as s:
                s.execute(text("SELECT 1"))
                connected.wait()
                stopped.wait()
                if step == "statement":
                    s.execute(text("SELECT 2"))
                # else the commit at the end of the scope meets the silent link

        outcomes.append(_timed(work))

    threads = [threading.Thread(target=unit) for _ in range(units)]
    for thread in threads:
        thread.start()
    connected.wait()
    proxy.stop_forwarding()
    stopped.set()
    time.sleep(0.5)
    assert engine.pool.checkedout() == units  # all stuck on the silent link, each holding one
    for thread in threads:
        thread.join(STATEMENT_DEADLINE + MARGIN)
    assert not any(thread.is_alive() for thread in threads)

    assert len(outcomes) == units
    for error, elapsed in outcomes:
        assert isinstance(error, DatabaseUnavailable), error
        assert str(error) == UNAVAILABLE
        assert isinstance(error.__cause__, DeadlinePassed)  # the client's deadline, not luck
        assert elapsed < STATEMENT_DEADLINE + MARGIN
    assert engine.pool.checkedout() == 0

    proxy.resume_forwarding()
    assert _one(engine) == 1


def test_a_unit_that_starts_on_a_silent_link_fails_within_the_connect_bound(engine, proxy):
    assert _one(engine) == 1  # an idle connection waits in the pool
    proxy.stop_forwarding()
    for _ in range(2):  # the pooled connection, then a pool with none left
        error, elapsed = _timed(lambda: _one(engine))
        assert isinstance(error, DatabaseUnavailable), error
        assert isinstance(error.__cause__, psycopg.errors.ConnectionTimeout)
        assert elapsed < CHECKOUT_BOUND + MARGIN
        assert engine.pool.checkedout() == 0

    proxy.resume_forwarding()
    assert _one(engine) == 1  # no restart, no dispose


def test_the_server_cancels_a_slow_statement_and_the_connection_stays(engine):
    with session_scope(engine) as s:
        backend = s.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with pytest.raises(DatabaseTimedOut) as cancelled, session_scope(engine) as s:
        s.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": STATEMENT_DEADLINE + 1})
    assert isinstance(cancelled.value.__cause__, psycopg.errors.QueryCanceled)
    with session_scope(engine) as s:  # the same connection, still good
        assert s.execute(text("SELECT pg_backend_pid()")).scalar_one() == backend


def test_long_running_units_get_the_long_timeout_and_only_they(engine):
    def timeout(s) -> str:
        return s.execute(text("SHOW statement_timeout")).scalar_one()

    with session_scope(engine) as s:
        long_running(s)
        assert timeout(s) == "3s"
        assert s.connection().connection.dbapi_connection.deadline == LONG_DEADLINE
        s.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": STATEMENT_TIMEOUT + 0.5})
        s.commit()
        assert timeout(s) == "3s"  # the unit's next transaction too
    with session_scope(engine) as s:
        assert timeout(s) == "1s"
        assert s.connection().connection.dbapi_connection.deadline == STATEMENT_DEADLINE
    # Migrations and the demo load run on the engine made long-running (its every transaction).
    with long_running_engine(engine).connect() as connection:
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar_one() == "3s"
        connection.commit()
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar_one() == "3s"
    with engine.connect() as connection:
        long_running(connection)
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar_one() == "3s"


def test_long_running_work_on_a_silent_link_fails_at_its_own_deadline(engine, proxy):
    with long_running_engine(engine).connect() as connection:
        proxy.stop_forwarding()
        error, elapsed = _timed(lambda: connection.exec_driver_sql("SELECT 1"))
    assert isinstance(error, DatabaseUnavailable), error
    assert isinstance(error.__cause__, DeadlinePassed)
    assert LONG_DEADLINE - 0.1 < elapsed < LONG_DEADLINE + MARGIN  # not the short deadline
    assert engine.pool.checkedout() == 0
    proxy.resume_forwarding()
    assert _one(engine) == 1


def test_readyz_and_the_api_in_process(engine, proxy, token):
    health = TestClient(Starlette(routes=health_routes(lambda: engine)))
    api = TestClient(create_api(lambda: engine), base_url="http://crm.test")
    bearer = {"Authorization": f"Bearer {token}"}
    assert health.get("/readyz").status_code == 200
    assert api.get("/firms", headers=bearer).status_code == 200

    proxy.stop_forwarding()
    for _ in range(3):
        answer, elapsed = _timed(lambda: health.get("/readyz"))
        assert (answer.status_code, answer.json()) == (503, {"status": "unavailable"})
        assert elapsed < READY_BOUND
    readiness = [t for t in threading.enumerate() if t.name == "crm-readyz"]
    assert len(readiness) <= 1  # the stuck check is shared, never piled up

    answer, elapsed = _timed(lambda: api.get("/firms", headers=bearer))
    assert (answer.status_code, answer.json()) == (503, {"error": UNAVAILABLE})
    assert elapsed < CHECKOUT_BOUND + STATEMENT_DEADLINE + MARGIN
    assert engine.pool.checkedout() <= 1  # at most the readiness check's, until its deadline

    proxy.resume_forwarding()
    _eventually_ready(lambda: health.get("/readyz").status_code)
    answer = api.get("/firms", headers=bearer)
    assert answer.status_code == 200
    assert [firm["name"] for firm in answer.json()["items"]] == ["山形精機株式会社"]
    assert engine.pool.checkedout() == 0


def _eventually_ready(status) -> None:
    """The readiness check stuck before the link came back ends at its deadline; the next
    one answers 200."""
    give_up = time.monotonic() + CHECKOUT_BOUND + STATEMENT_DEADLINE + 2 * MARGIN
    while (code := status()) != 200 and time.monotonic() < give_up:
        time.sleep(0.2)
    assert code == 200


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_real_server_answers_503_in_time_and_serves_again(proxied_url, proxy, token):
    from tests.browser.conftest import _serve

    server = _serve(proxied_url, "partition-server.log", **SHORT)
    base = next(server)
    try:
        bearer = {"Authorization": f"Bearer {token}"}
        assert _get(f"{base}/readyz") == (200, {"status": "ready"})
        assert _get(f"{base}/api/v1/firms", bearer)[0] == 200

        proxy.stop_forwarding()
        (code, body), elapsed = _timed(lambda: _get(f"{base}/readyz"))
        assert (code, body) == (503, {"status": "unavailable"})
        assert elapsed < READY_BOUND
        (code, body), elapsed = _timed(lambda: _get(f"{base}/api/v1/firms", bearer))
        assert (code, body) == (503, {"error": UNAVAILABLE})
        assert elapsed < CHECKOUT_BOUND + STATEMENT_DEADLINE + MARGIN
        assert _get(f"{base}/healthz") == (200, {"status": "ok"})  # the process is fine

        proxy.resume_forwarding()
        _eventually_ready(lambda: _get(f"{base}/readyz")[0])
        code, body = _get(f"{base}/api/v1/firms", bearer)
        assert code == 200
        assert [firm["name"] for firm in body["items"]] == ["山形精機株式会社"]
    finally:
        next(server, None)  # stops the server
