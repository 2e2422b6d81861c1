"""The session cookie's two routes, protected against cross-site requests: both take POST only
and refuse a request whose Origin (or Referer) is not this site; setting the cookie also needs
the one-time handoff that only the signed-in page holds.

- ``POST /session``: exchange the handoff for the HttpOnly, SameSite=Lax cookie (Secure when the
  request came over HTTPS, also behind a proxy that says so in X-Forwarded-Proto).
- ``POST /session/end``: clear the cookie (the server-side session was deleted at sign-out).
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crm.auth import web_sessions
from crm.auth.sessions import idle_limit
from crm.db import session_scope

SET_PATH = "/session"
END_PATH = "/session/end"


def _same_site(request: Request) -> bool:
    """The request comes from a page of this site (browsers always send Origin on POST from
    script; Referer is the fallback)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    host = request.headers.get("x-forwarded-host") or request.headers.get("host")
    if not source or not host:
        return False
    # Host names, not ports: a proxy may pass Host without the port the browser used.
    return (urlsplit(source).hostname or "").lower() == urlsplit(f"//{host}").hostname


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


def _refused(status: int) -> JSONResponse:
    return JSONResponse(
        {"status": "refused"}, status_code=status, headers={"Cache-Control": "no-store"}
    )


def session_routes(engine: Callable[[], Engine]) -> list[Route]:
    def _claim(handoff: str) -> str | None:
        with session_scope(engine()) as session:
            return web_sessions.claim(session, handoff)

    async def set_cookie(request: Request) -> Response:
        if not _same_site(request):
            return _refused(403)
        form = await request.form()
        handoff = form.get("handoff")
        if not isinstance(handoff, str):
            return _refused(400)
        token = await run_in_threadpool(_claim, handoff)
        if token is None:
            return _refused(403)
        response = JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
        response.set_cookie(
            web_sessions.COOKIE,
            token,
            # The server decides when a session is over; the browser may keep the cookie a
            # little longer than the idle limit.
            max_age=int(idle_limit().total_seconds()) * 24,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
            path="/",
        )
        return response

    async def end_cookie(request: Request) -> Response:
        if not _same_site(request):
            return _refused(403)
        response = JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
        response.delete_cookie(
            web_sessions.COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request)
        )
        return response

    return [
        Route(SET_PATH, set_cookie, methods=["POST"]),
        Route(END_PATH, end_cookie, methods=["POST"]),
    ]
