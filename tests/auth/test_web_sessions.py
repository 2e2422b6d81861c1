"""Server-side browser sessions: the cookie's id is handed over once, stored only as a hash,
and resumed through the same checks as every page run."""

import datetime as dt
import hashlib

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.auth import web_sessions
from crm.auth.sessions import SessionEnded, idle_limit, sign_out
from crm.models import WebSession
from crm.services import users
from crm.timeutil import utcnow


def begin(session: Session, actor) -> tuple[int, str, str]:
    user = users.get_user(session, actor.username)
    web_id, handoff = web_sessions.start(session, actor, user.session_epoch, "password")
    token = web_sessions.claim(session, handoff)
    assert token is not None
    session.commit()
    return web_id, handoff, token


def test_the_cookie_resumes_the_account_and_only_hashes_are_stored(session, actors):
    web_id, handoff, token = begin(session, actors.manager01)
    actor, ticket = web_sessions.resume(session, token)
    assert (actor.username, actor.hub_code, ticket.web_session_id) == ("manager01", "01", web_id)
    row = session.get(WebSession, web_id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.handoff_hash) and row.handoff_hash is None


def test_a_handoff_works_once_and_not_when_stale(session, actors):
    _, handoff, _ = begin(session, actors.manager01)
    assert web_sessions.claim(session, handoff) is None  # used
    _, late = web_sessions.start(session, actors.manager01, 0, "password")
    assert web_sessions.claim(session, late, utcnow() + web_sessions.HANDOFF_TTL * 2) is None


def test_each_sign_in_gets_a_new_id(session, actors):
    tokens = {begin(session, actors.manager01)[2] for _ in range(3)}
    assert len(tokens) == 3


@pytest.mark.parametrize("cookie", ["", "forged-value", "x" * 500, None])
def test_a_forged_or_missing_cookie_opens_nothing(session, actors, cookie):
    begin(session, actors.manager01)
    assert web_sessions.resume(session, cookie) is None


def test_signed_out_disabled_elsewhere_and_idle_cookies_open_nothing(session, actors):
    web_id, _, token = begin(session, actors.manager01)
    actor, _ = web_sessions.resume(session, token)
    sign_out(session, actor)
    session.commit()
    assert web_sessions.resume(session, token) is None  # the session row is gone

    _, _, token = begin(session, actors.manager02)
    users.set_active(session, SYSTEM, "manager02", False)
    session.commit()
    with pytest.raises(SessionEnded) as ended:
        web_sessions.resume(session, token)
    assert ended.value.reason == "disabled"

    _, _, token = begin(session, actors.secretariat)
    users.sign_out_everywhere(session, SYSTEM, "secretariat")
    session.commit()
    with pytest.raises(SessionEnded) as ended:
        web_sessions.resume(session, token)
    assert ended.value.reason == "elsewhere"

    _, _, token = begin(session, actors.admin)
    later = utcnow() + idle_limit() + dt.timedelta(minutes=1)
    with pytest.raises(SessionEnded) as ended:
        web_sessions.resume(session, token, later)
    assert ended.value.reason == "idle"


def test_activity_in_any_tab_keeps_the_session(session, actors):
    web_id, _, token = begin(session, actors.manager01)
    almost = utcnow() + idle_limit() - dt.timedelta(minutes=1)
    web_sessions.resume(session, token, almost)  # a click in some tab
    session.commit()
    assert session.get(WebSession, web_id).last_seen == almost
    assert web_sessions.resume(session, token, almost + idle_limit() - dt.timedelta(minutes=1))


# --- the routes -------------------------------------------------------------------------------


@pytest.fixture
def client(engine):
    from starlette.applications import Starlette

    from crm.web.health import health_routes
    from crm.web.session_routes import session_routes

    app = Starlette(routes=[*health_routes(lambda: engine), *session_routes(lambda: engine)])
    with TestClient(app, base_url="http://crm.test") as test_client:
        yield test_client


def test_the_cookie_is_httponly_lax_and_secure_under_https(client, session, actors):
    _, handoff = web_sessions.start(session, actors.manager01, 0, "password")
    session.commit()
    answer = client.post(
        "/session", data={"handoff": handoff}, headers={"Origin": "http://crm.test"}
    )
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{web_sessions.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    _, handoff = web_sessions.start(session, actors.manager01, 0, "password")
    session.commit()
    answer = client.post(
        "/session",
        data={"handoff": handoff},
        headers={"Origin": "http://crm.test", "X-Forwarded-Proto": "https"},
    )
    assert "Secure" in answer.headers["set-cookie"]


@pytest.mark.parametrize(
    "headers", [{}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}]
)
def test_cross_site_requests_are_refused(client, session, actors, headers):
    _, handoff = web_sessions.start(session, actors.manager01, 0, "password")
    session.commit()
    answer = client.post("/session", data={"handoff": handoff}, headers=headers)
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    assert client.post("/session/end", headers=headers).status_code == 403
    session.expire_all()
    pending = session.exec(select(WebSession).where(WebSession.token_hash.is_not(None))).all()
    assert pending == []  # the handoff was not spent by the refused request
    assert client.get("/session").status_code == 405  # state changes take POST only


def test_a_wrong_handoff_gets_no_cookie(client):
    answer = client.post(
        "/session", data={"handoff": "guess"}, headers={"Origin": "http://crm.test"}
    )
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_sign_out_route_clears_the_cookie(client):
    answer = client.post("/session/end", headers={"Origin": "http://crm.test"})
    assert answer.status_code == 200 and "Max-Age=0" in answer.headers["set-cookie"]


def test_health_and_readiness(client, engine, tmp_path):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}

    from starlette.applications import Starlette

    from crm.db import make_engine
    from crm.web.health import health_routes

    empty = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")  # not migrated
    app = Starlette(routes=health_routes(lambda: empty))
    with TestClient(app) as other:
        answer = other.get("/readyz")
    assert (answer.status_code, answer.json()) == (503, {"status": "unavailable"})
