"""Health checks for load balancers: cheap, unauthenticated, and revealing nothing else.

- ``/healthz``: the process answers.
- ``/readyz``: the database answers and is at the latest migration (else 503).
"""

from collections.abc import Callable

from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crm.db import alembic_config, current_revision

_NO_STORE = {"Cache-Control": "no-store"}


def health_routes(engine: Callable[[], Engine]) -> list[Route]:
    head: list[str | None] = []

    def latest() -> str | None:
        if not head:  # the migrations on disk do not change while the process runs
            head.append(ScriptDirectory.from_config(alembic_config(engine())).get_current_head())
        return head[0]

    def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"}, headers=_NO_STORE)

    def readyz(_request: Request) -> JSONResponse:
        try:
            ready = current_revision(engine()) == latest()
        except SQLAlchemyError:
            ready = False
        return JSONResponse(
            {"status": "ready" if ready else "unavailable"},
            status_code=200 if ready else 503,
            headers=_NO_STORE,
        )

    return [Route("/healthz", healthz), Route("/readyz", readyz)]
