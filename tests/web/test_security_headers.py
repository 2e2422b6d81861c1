"""The anti-framing headers on every HTTP answer and Streamlit's metrics route closed (issue
22, item 9), on a small app wrapped as ui.server wraps st.App (the served app:
tests/browser/test_headers.py)."""

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

from crm.web.security_headers import SecurityHeaders


def plain(_request):
    return PlainTextResponse("ok")


def own_policy(_request):
    return PlainTextResponse("ok", headers={"Content-Security-Policy": "default-src 'self';"})


def sameorigin(_request):
    return PlainTextResponse("ok", headers={"X-Frame-Options": "SAMEORIGIN"})


def failing(_request):
    return PlainTextResponse("no", status_code=500)


def metrics(_request):
    return PlainTextResponse("sessions 3\ncache ui.runtime._engine_for")


async def echo(websocket):
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


@pytest.fixture
def client():
    app = Starlette(
        routes=[
            Route("/", plain),
            Route("/policy", own_policy),
            Route("/sameorigin", sameorigin),
            Route("/failing", failing),
            Route("/_stcore/metrics", metrics, methods=["GET", "OPTIONS"]),
            Route("/prefix/_stcore/metrics", metrics),
            WebSocketRoute("/ws", echo),
        ],
        middleware=[Middleware(SecurityHeaders)],
    )
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/", "/failing", "/nowhere", "/sameorigin"])
def test_every_answer_forbids_framing(client, path):
    answer = client.get(path)
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_a_routes_own_policy_keeps_its_directives(client):
    policy = client.get("/policy").headers["Content-Security-Policy"]
    assert policy == "default-src 'self'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_stcore/metrics"),
        ("OPTIONS", "/_stcore/metrics"),
        ("GET", "/_stcore/metrics/"),
        ("GET", "/_stcore/metrics?families=session_events"),
        ("GET", "/prefix/_stcore/metrics"),  # under server.baseUrlPath
    ],
)
def test_the_metrics_route_is_not_served(client, method, path):
    answer = client.request(method, path)
    assert answer.status_code == 404
    assert "sessions" not in answer.text and "ui.runtime" not in answer.text
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_websockets_pass_through(client):
    with client.websocket_connect("/ws") as websocket:
        websocket.send_text("hello")
        assert websocket.receive_text() == "hello"
