"""A partner's account reads nothing through the API (issue 28): every endpoint of the app
answers its token with 403 and the Japanese refusal, never a record or a figure. The endpoints
are enumerated from the app itself, so a new one is covered (or fails here) without a list."""

import datetime as dt

import pytest
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.testclient import TestClient

from crm.actor import PARTNER_REFUSED, SYSTEM, actor_for
from crm.api.app import create_api
from crm.auth import api_tokens
from crm.services import needs, partner_portal, users
from tests.utils.factories import make_company, make_consultation, make_need, make_partner

# Documentation, not data: readable without a token.
DOCUMENTS = {"/docs", "/openapi.json"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def tokens(engine, actors):
    """A partner (with a referral shared in hub 01) and its account's two tokens."""
    with Session(engine, expire_on_commit=False) as s:
        partner = make_partner(s, name="みらい人材紹介株式会社")
        firm = make_company(s, actors.manager01, name="秘密精機株式会社")
        need = make_need(
            s,
            actors.manager01,
            make_consultation(s, actors.manager01, firm, on=dt.date(2024, 5, 1)),
        )
        referral = needs.refer_need(
            s,
            actors.manager01,
            {"need_id": need.id, "partner_id": partner.id, "referred_on": dt.date(2024, 5, 2)},
        )
        partner_portal.share_referral(
            s,
            actors.manager01,
            referral.id,
            expected_version=referral.version,
            share_firm_name=True,
        )
        account = users.create_user(
            s, SYSTEM, username="agent", role="partner", partner_id=partner.id
        )
        assert actor_for(account).is_partner
        made = {
            "api": api_tokens.create_token(s, SYSTEM, "agent")[1],
            "calendar": api_tokens.create_token(s, SYSTEM, "agent", kind=api_tokens.CALENDAR)[1],
        }
        s.commit()
    return made


@pytest.fixture
def client(engine):
    with TestClient(create_api(lambda: engine), base_url="http://crm.test") as test_client:
        yield test_client


def _data_routes() -> list[str]:
    api = create_api(lambda: None)  # type: ignore[arg-type,return-value]
    paths = sorted(
        route.path
        for route in api.routes
        if isinstance(route, APIRoute) and "GET" in route.methods and route.path not in DOCUMENTS
    )
    assert "/firms" in paths and "/calendar.ics" in paths and len(paths) >= 10
    return paths


@pytest.mark.parametrize("path", _data_routes())
def test_a_partner_token_is_refused_everywhere(client, tokens, path):
    if path == "/calendar.ics":
        answer = client.get(path, params={"token": tokens["calendar"]})
    else:
        assert "{" not in path  # no path parameters today; give them values when one has
        answer = client.get(path, headers={"Authorization": f"Bearer {tokens['api']}"})
    assert answer.status_code == 403, answer.text[:300]
    assert answer.json() == {"error": PARTNER_REFUSED}
    assert "秘密精機" not in answer.text


def test_the_hub_side_still_reads(client, engine, actors, tokens):
    """The same data is there: the refusal is the partner's, not an empty database."""
    with Session(engine) as s:
        token = api_tokens.create_token(s, SYSTEM, actors.manager01.username)[1]
        s.commit()
    answer = client.get("/firms", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and "秘密精機" in answer.text
