"""Every refused API request leaves an audit entry of its own (issue 22, item 6): 401, 403, 404,
422 and an unexpected 500 each write ``api_refused`` with the status and the path (never a
query string, never a presented token), naming the token's owner when the token was valid;
the token's last use is kept although the request's own transaction was rolled back. On SQLite
and PostgreSQL. The bearer scheme is read in any case (item 9)."""

import datetime as dt
import logging

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens
from crm.db_timeouts import DatabaseUnavailable
from crm.models import ApiToken, AuditLog
from tests.utils.factories import make_company

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def tokens(engine, actors):
    with Session(engine, expire_on_commit=False) as s:
        make_company(s, actors.manager01, name="山形精密株式会社")
        made = {
            "manager01": api_tokens.create_token(s, SYSTEM, actors.manager01.username)[1],
            "calendar": api_tokens.create_token(
                s, SYSTEM, actors.manager01.username, kind=api_tokens.CALENDAR
            )[1],
        }
        for row in s.exec(select(ApiToken)).all():
            row.last_used_at = LONG_AGO
            s.add(row)
        s.commit()
    return made


@pytest.fixture
def client(engine):
    with TestClient(create_api(lambda: engine), base_url="http://crm.test") as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def entries(engine, action: str) -> list[AuditLog]:
    with Session(engine) as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)).all())


def aware(stamp: dt.datetime | None) -> dt.datetime | None:
    return stamp.replace(tzinfo=dt.UTC) if stamp and stamp.tzinfo is None else stamp


def last_uses(engine) -> set[dt.datetime | None]:
    with Session(engine) as s:
        return {aware(row.last_used_at) for row in s.exec(select(ApiToken)).all()}


def kept_last_use(engine, kind: str) -> dt.datetime:
    with Session(engine) as s:
        [row] = s.exec(select(ApiToken).where(ApiToken.kind == kind)).all()
    stamp = aware(row.last_used_at)
    assert stamp is not None
    return stamp


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/trend", {"hubs": "02"}, 403),  # another hub's numbers
        ("/firms", {"hub": "02"}, 403),
        ("/consultations", {"limit": "0"}, 422),  # refused by the parameter's bounds
        ("/needs", {"status": "nonsense"}, 422),  # refused by the service
        ("/trend", {"since": "9999-12-31"}, 422),  # refused by the programme's range
        ("/consultations", {"company_id": "2147483647"}, 200),  # the control
    ],
)
def test_a_refusal_with_a_valid_token_names_its_owner_and_keeps_its_last_use(
    client, engine, tokens, path, params, status
):
    answer = client.get(path, params=params, headers=bearer(tokens["manager01"]))
    assert answer.status_code == status, answer.text
    refused = entries(engine, "api_refused")
    read = entries(engine, "api_read")
    if status == 200:
        assert not refused and [r.detail for r in read] == [path]
    else:
        # One entry for the request: its api_read was rolled back with the refusal.
        assert not read
        [entry] = refused
        assert entry.detail == f"{status} {path}"
        assert (entry.username, entry.hub_code, entry.entity) == ("manager01", "01", "api_token")
    assert kept_last_use(engine, api_tokens.API) > LONG_AGO


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({}, {}),
        ({"Authorization": "Bearer crm_forged-secret"}, {}),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, {}),
        ({"Authorization": "Bearer crm_forged-secret"}, {"since": "9999-12-31"}),
    ],
)
def test_a_refusal_without_a_valid_token_has_no_owner_and_writes_nothing_presented(
    client, engine, tokens, headers, params
):
    answer = client.get("/headline", params=params, headers=headers)
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
    [entry] = entries(engine, "api_refused")
    assert (entry.user_id, entry.username, entry.entity_id, entry.hub_code) == (None,) * 4
    assert entry.detail == "401 /headline"
    assert last_uses(engine) == {LONG_AGO}  # no token was used


def test_the_calendar_feed_refusal_never_writes_the_token(client, engine, tokens):
    wrong = "crm_not-the-feed-token"
    assert client.get("/calendar.ics", params={"token": wrong}).status_code == 401
    too_long = "crm_" + "x" * 200
    answer = client.get("/calendar.ics", params={"token": too_long})
    assert answer.status_code == 422 and "token" in answer.json()["fields"]
    assert "xxxxxxxx" not in answer.text  # the answer does not echo it either
    refused = entries(engine, "api_refused")
    assert [e.detail for e in refused] == ["401 /calendar.ics", "422 /calendar.ics"]
    written = " ".join(str(value) for e in refused for value in e.model_dump().values())
    for secret in (wrong, too_long, "token="):
        assert secret not in written


def test_an_unknown_address_under_the_api_is_a_refusal_too(client, engine, tokens):
    answer = client.get(f"/firms/{tokens['manager01']}", headers=bearer(tokens["manager01"]))
    assert answer.status_code == 404 and answer.json()["error"]
    [entry] = entries(engine, "api_refused")
    assert entry.detail == "404 /firms/…"  # a path segment that could be a token is not kept
    assert tokens["manager01"] not in (entry.detail or "")


def test_an_unexpected_error_is_answered_once_audited_and_logged_once(
    client, engine, tokens, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk I/O error in /srv/crm/secret_module.py")

    monkeypatch.setattr("crm.api.app.headline_figures", broken)
    caplog.set_level(logging.ERROR)
    # The test client raises what the app raises again: the 500 is answered, not re-raised.
    answer = client.get("/headline", headers=bearer(tokens["manager01"]))
    assert answer.status_code == 500
    body = answer.json()["error"]
    assert "参照番号" in body and "secret_module" not in body and "Traceback" not in body
    reference = body.split("参照番号 ")[1][:8]
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert reference in record.getMessage() and record.exc_info is not None
    [entry] = entries(engine, "api_refused")
    assert (entry.detail, entry.username) == ("500 /headline", "manager01")
    assert kept_last_use(engine, api_tokens.API) > LONG_AGO


@pytest.mark.parametrize(
    "failure",
    [
        OperationalError("INSERT", {}, Exception("database is locked")),
        # What a PostgreSQL link that stopped answering raises (crm.db_timeouts).
        DatabaseUnavailable(),
    ],
    ids=["locked", "link-silent"],
)
def test_a_refusal_is_answered_even_when_its_audit_cannot_be_written(
    client, engine, tokens, monkeypatch, caplog, failure
):
    def unwritable(*args, **kwargs):
        raise failure

    monkeypatch.setattr(api_tokens, "record_refusal", unwritable)
    answer = client.get("/trend", params={"hubs": "02"}, headers=bearer(tokens["manager01"]))
    assert answer.status_code == 403
    assert any("not audited" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "header",
    ["bearer {}", "BEARER {}", "Bearer   {}  ", "  bEaReR {}", "Bearer\t{}"],
)
def test_the_bearer_scheme_is_read_in_any_case(client, tokens, header):
    answer = client.get("/headline", headers={"Authorization": header.format(tokens["manager01"])})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer crm_x", "crm_x"),
        ("bearer   crm_x ", "crm_x"),
        ("Bearer", None),
        ("Bearer   ", None),
        ("Basic crm_x", None),
        ("Bearercrm_x", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token_parsing(header, token):
    assert api_tokens.bearer_token(header) == token
