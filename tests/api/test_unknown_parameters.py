"""A parameter an endpoint does not take is refused with 422 naming it and the accepted ones
(issue 26): a misspelt filter must not answer silently for other data than was asked."""

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens
from tests.utils.factories import make_company


@pytest.fixture
def client(engine):
    with TestClient(create_api(lambda: engine), base_url="http://crm.test") as test_client:
        yield test_client


@pytest.fixture
def tokens(engine, actors):
    with Session(engine, expire_on_commit=False) as s:
        make_company(s, actors.manager01, name="拠点01の会社")
        found = {
            who: api_tokens.create_token(s, SYSTEM, getattr(actors, who).username)[1]
            for who in ("manager01", "secretariat")
        }
        s.commit()
    return found


def _get(client, token, url):
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


def test_a_misspelt_filter_is_refused_naming_it_and_the_accepted_ones(client, tokens):
    # The cases: /firms takes `hub`, not `hubs`; /trend takes `hubs`, not `hub`.
    answer = _get(client, tokens["manager01"], "/firms?hubs=04")
    assert answer.status_code == 422
    reason = answer.json()["fields"]["hubs"]
    assert reason.startswith("このAPIにないパラメータです")
    for accepted in ("hub", "q", "limit", "offset", "format"):
        assert accepted in reason
    answer = _get(client, tokens["secretariat"], "/trend?hub=07")
    assert answer.status_code == 422
    assert set(answer.json()["fields"]) == {"hub"}
    assert "hubs" in answer.json()["fields"]["hub"]


def test_every_unknown_name_is_listed_and_known_ones_still_answer(client, tokens):
    answer = _get(client, tokens["secretariat"], "/trend?hubs=01&foo=1&bar=&foo=2")
    assert answer.status_code == 422
    assert list(answer.json()["fields"]) == ["foo", "bar"]
    assert _get(client, tokens["secretariat"], "/trend?hubs=01&format=csv").status_code == 200
    assert (
        _get(client, tokens["manager01"], "/firms?hub=01&q=%E4%BC%9A%E7%A4%BE").status_code == 200
    )


def test_every_documented_parameter_is_accepted(client, tokens):
    """Each endpoint answers (not 422 for an unknown name) when given each parameter its
    OpenAPI entry declares, with an empty value where the value itself may be refused."""
    document = client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        if "{" in path:
            continue
        for parameter in operations["get"].get("parameters", []):
            if parameter["in"] != "query":
                continue
            name = parameter["name"]
            answer = _get(client, tokens["secretariat"], f"{path}?{name}=")
            fields = answer.json().get("fields", {}) if answer.status_code == 422 else {}
            assert "このAPIにないパラメータです" not in str(fields.get(name, "")), (path, name)
