"""Health checks for load balancers: cheap, unauthenticated, and revealing nothing else.

- ``/healthz``: the process answers.
- ``/readyz``: the database answers and is at the latest migration (else 503), within
  ``READY_WAIT_SECONDS`` whatever the database does: the check runs in a worker thread, and
  a request that has waited that long answers 503. At most one check runs at a time; the
  requests that come meanwhile wait for it, so a database that hangs never piles up threads
  or connections (the check itself ends at the connection's deadline, crm.db_timeouts).
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as WaitExpired

from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crm.db import alembic_config, current_revision
from crm.db_timeouts import DatabaseUnavailable

log = logging.getLogger(__name__)

_NO_STORE = {"Cache-Control": "no-store"}
# Under the 2 s a load balancer's probe typically allows.
READY_WAIT_SECONDS = 1.5


class SingleFlight:
    """Runs ``check`` in a daemon thread, one run at a time; a caller waits for the current
    run at most ``wait`` seconds and reads False if it has not finished (or failed)."""

    def __init__(self, check: Callable[[], bool], wait: float) -> None:
        self._check = check
        self._wait = wait
        self._lock = threading.Lock()
        self._running: Future[bool] | None = None

    def __call__(self) -> bool:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = Future()
                # A daemon thread, not an executor's: a check stuck on the database must not
                # hold up the process's exit.
                threading.Thread(
                    target=self._run, args=(self._running,), name="crm-readyz", daemon=True
                ).start()
            running = self._running
        try:
            return running.result(timeout=self._wait)
        except WaitExpired:
            return False

    def in_flight(self) -> bool:
        with self._lock:
            return self._running is not None and not self._running.done()

    def _run(self, future: "Future[bool]") -> None:
        try:
            result = self._check()
        except (SQLAlchemyError, DatabaseUnavailable):
            result = False
        except Exception:  # noqa: BLE001 - the thread must always settle its future
            log.exception("readiness check failed")
            result = False
        future.set_result(result)


def health_routes(engine: Callable[[], Engine]) -> list[Route]:
    head: list[str | None] = []

    def latest() -> str | None:
        if not head:  # the migrations on disk do not change while the process runs
            head.append(ScriptDirectory.from_config(alembic_config(engine())).get_current_head())
        return head[0]

    def ready_now() -> bool:
        return current_revision(engine()) == latest()

    ready = SingleFlight(ready_now, READY_WAIT_SECONDS)

    def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"}, headers=_NO_STORE)

    def readyz(_request: Request) -> JSONResponse:
        answer = ready()
        return JSONResponse(
            {"status": "ready" if answer else "unavailable"},
            status_code=200 if answer else 503,
            headers=_NO_STORE,
        )

    return [Route("/healthz", healthz), Route("/readyz", readyz)]
