"""The API's net under every endpoint: an error nothing else handled is answered once, by
``answer`` (a 500 with a reference; the log has the traceback).

Starlette's own net (``ServerErrorMiddleware``) would answer as well, but then raises the error
again so that the server logs it: every unexpected error was logged twice, the second time
without its reference. This middleware sits inside that net and does not raise again, unless
the response had already begun (nothing else can be sent then).
"""

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class LastResort:
    def __init__(self, app: ASGIApp, answer: Callable[[Request, Exception], Response]) -> None:
        self.app = app
        self.answer = answer  # may write to the database: run in a worker thread

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            if started:
                raise
            response = await run_in_threadpool(self.answer, Request(scope), error)
            await response(scope, receive, send)
