"""What every answer of the app server carries, and what it does not answer at all.

- ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'`` on every
  HTTP response (pages, static files, health checks, the session routes, the API): no other
  site may show the app inside a frame, where a click could be stolen. A policy a route sets
  itself keeps its directives and gains this one.
- Streamlit's ``/_stcore/metrics`` (its session counters and the names of the app's cached
  functions, to anyone who asks) answers 404: nothing of ours reads it.

A pure ASGI middleware (``st.App(middleware=…)`` in ``ui.server``): WebSocket traffic passes
through untouched.
"""

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRAME_POLICY = "frame-ancestors 'none'"
CLOSED_PATHS = ("/_stcore/metrics",)


def _closed(path: str) -> bool:
    # Streamlit serves its routes under server.baseUrlPath as well.
    trimmed = path.rstrip("/")
    return any(trimmed == closed or trimmed.endswith(closed) for closed in CLOSED_PATHS)


def _with_policy(policy: str | None) -> str:
    if not policy:
        return FRAME_POLICY
    if "frame-ancestors" in policy.lower():
        return policy
    return f"{policy.rstrip('; ')}; {FRAME_POLICY}"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_framed(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers["X-Frame-Options"] = "DENY"
                headers["Content-Security-Policy"] = _with_policy(
                    headers.get("content-security-policy")
                )
            await send(message)

        if _closed(scope["path"]):
            refused = PlainTextResponse("見つかりません。", status_code=404)
            await refused(scope, receive, send_framed)
            return
        await self.app(scope, receive, send_framed)
