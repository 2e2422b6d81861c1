"""Server-side browser sessions behind an HttpOnly cookie: sign-in survives a reload, a new tab,
a shared deep link and a move to another app process behind the proxy.

1. A successful sign-in (password or single sign-on) ``start``s a session row and gets back a
   one-time *handoff* code, valid for ``HANDOFF_TTL``.
2. The signed-in page posts that code to ``/auth/session`` (``crm.web.auth_routes``), which
   ``claim``s it: the row gets the hash of a new random session id, and the response sets the id
   as an HttpOnly, SameSite=Lax cookie (Secure under HTTPS). The id is new at every sign-in.
3. A later page run without a signed-in Streamlit session (reload, new tab) ``resume``s from the
   cookie through the same checks as every run (idle limit, disabled, sign-out everywhere).
4. Signing out deletes the row (``crm.auth.sessions.sign_out``): the cookie then opens nothing.

Only hashes are stored: a copy of the database does not let anyone take over a session.
"""

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete
from sqlmodel import Session, col, select

from crm.actor import Actor, SessionTicket
from crm.auth.sessions import check_session, idle_limit
from crm.models import WebSession, table_of
from crm.timeutil import utcnow

COOKIE = "crm_session"
HANDOFF_TTL = dt.timedelta(minutes=2)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(session: Session, actor: Actor, epoch: int, method: str) -> tuple[int, str]:
    """A new server-side session for a sign-in that just succeeded: (its id, the handoff)."""
    if actor.user_id is None:
        raise ValueError("only an account can have a browser session")
    now = utcnow()
    # Sessions of anyone that are long idle are of no use: remove them as we go.
    session.execute(
        delete(table_of(WebSession)).where(col(WebSession.last_seen) < now - 2 * idle_limit())
    )
    handoff = secrets.token_urlsafe(32)
    row = WebSession(
        user_id=actor.user_id,
        epoch=epoch,
        method=method,
        handoff_hash=_digest(handoff),
        created_at=now,
        last_seen=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id, handoff


def claim(session: Session, handoff: str, now: dt.datetime | None = None) -> str | None:
    """Exchange a fresh handoff for the cookie's session id (once); None if it is unknown,
    used or too old."""
    if not isinstance(handoff, str) or not handoff or len(handoff) > 100:
        return None
    now = now or utcnow()
    row = session.exec(
        select(WebSession).where(WebSession.handoff_hash == _digest(handoff)).with_for_update()
    ).first()
    if row is None or row.token_hash is not None or now - row.created_at > HANDOFF_TTL:
        return None
    token = secrets.token_urlsafe(32)
    row.token_hash = _digest(token)
    row.handoff_hash = None
    row.last_seen = now
    session.add(row)
    session.flush()
    return token


def resume(
    session: Session, token: str | None, now: dt.datetime | None = None
) -> tuple[Actor, SessionTicket] | None:
    """The actor and ticket of the session this cookie names, checked as every run is; None
    when the cookie names no session (forged, expired, signed out). Raises SessionEnded when
    the session exists but has ended (it is then deleted)."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = session.exec(select(WebSession).where(WebSession.token_hash == _digest(token))).first()
    if row is None or row.id is None:
        return None
    ticket = SessionTicket(
        user_id=row.user_id,
        epoch=row.epoch,
        last_seen=row.last_seen,
        method=row.method,
        web_session_id=row.id,
    )
    return check_session(session, ticket, now)
