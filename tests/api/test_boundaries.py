"""Every parameter of every API endpoint at its boundaries (issue 22, item 7): each answer is a
200 (an open-ended value read as no bound gives exactly the answer without it) or a 422 naming
the parameter; never a 500. On SQLite and PostgreSQL, and the issue's cases on the demo.

The table covers every parameter the OpenAPI document declares (a new parameter without
boundary cases fails ``test_every_parameter_has_boundary_cases``).
"""

import datetime as dt

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens
from crm.rules import EARLIEST_DATE, latest_date
from tests.utils.databases import postgres_database, sqlite_copy
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

OPEN = "open"  # 200, the same answer as without the parameter (no bound)
OK = 200
REFUSED = 422  # 422 naming the parameter

DATE_FORMAT = [
    ("2020-02-30", REFUSED),
    ("20200101", REFUSED),
    ("2020-04-01T12:00:00", REFUSED),
]
ID_RANGE = [
    ("0", REFUSED),
    ("-1", REFUSED),
    ("2147483648", REFUSED),  # one beyond the largest id a column holds
    (str(2**64), REFUSED),  # beyond 64 bits
    ("9" * 5000, REFUSED),
    ("abc", REFUSED),
    ("2147483647", OK),
]
CASES: dict[str, list[tuple[str, object]]] = {
    "since": [
        ("0001-01-01", OPEN),
        ((EARLIEST_DATE - dt.timedelta(days=1)).isoformat(), OPEN),
        ("9999-12-31", REFUSED),
        ((latest_date() + dt.timedelta(days=1)).isoformat(), REFUSED),
        ("2020-04-01", OK),
        *DATE_FORMAT,
    ],
    "until": [
        ("9999-12-31", OPEN),
        ((latest_date() + dt.timedelta(days=1)).isoformat(), OPEN),
        ("0001-01-01", REFUSED),
        ((EARLIEST_DATE - dt.timedelta(days=1)).isoformat(), REFUSED),
        ("2021-03-31", OK),
        *DATE_FORMAT,
    ],
    "categories": [
        (str(2**64), REFUSED),
        (str(2**70), REFUSED),
        ("2147483648", REFUSED),
        ("0", REFUSED),
        ("-1", REFUSED),
        ("1,abc", REFUSED),
        ("9" * 5000, REFUSED),
        (",".join(str(n) for n in range(1, 300)), REFUSED),
        ("1,2", OK),
    ],
    "hubs": [("99", REFUSED), ("\x00", REFUSED), ("-1", REFUSED), ("001", REFUSED), ("1,02", OK)],
    "blocks": [("火星", REFUSED), ("\x00", REFUSED), ("x" * 3000, REFUSED), ("北海道", OK)],
    "engagements": [("nonsense", REFUSED), ("mid_career,side_job", OK)],
    "by": [("nonsense", REFUSED), ("prefecture", OK)],
    "table": [("nonsense", REFUSED), ("x" * 3000, REFUSED), ("categories", OK)],
    "breakdown": [("nonsense", REFUSED), ("\x00", REFUSED), ("engagement", OK)],
    "hub": [
        ("99", REFUSED),
        ("\x00", REFUSED),
        ("-1", REFUSED),
        ("001", REFUSED),
        ("ab", REFUSED),
        ("1", OK),
    ],
    "q": [
        ("x" * 201, REFUSED),
        ("\x00", REFUSED),
        ("a\x1bb", REFUSED),
        ("%_\\", OK),
        ("株式会社", OK),
    ],
    "limit": [
        ("0", REFUSED),
        ("-1", REFUSED),
        ("501", REFUSED),
        (str(2**64), REFUSED),
        ("1.5", REFUSED),
        ("500", OK),
    ],
    "offset": [("-1", REFUSED), (str(2**64), REFUSED), ("2000000001", REFUSED), ("2000000000", OK)],
    "company_id": ID_RANGE,
    "status": [("nonsense", REFUSED), ("\x00", REFUSED), ("x" * 21, REFUSED), ("open", OK)],
    "include_done": [("maybe", REFUSED), ("true", OK)],
    "format": [("pdf", REFUSED), ("", REFUSED), ("CSV", REFUSED), ("json", OPEN), ("xlsx", OK)],
    "codes": [("maybe", REFUSED), ("2", REFUSED), ("x" * 3000, REFUSED), ("1", OPEN)],
    "token": [("crm_" + "x" * 97, REFUSED), ("crm_wrong", 401), ("", 401)],
}


def _world(engine) -> dict[str, str]:
    with Session(engine, expire_on_commit=False) as s:
        actors = make_actors(s)
        for actor in (actors.manager01, actors.manager02):
            for i in range(2):
                firm = make_company(s, actor, name=f"拠点{actor.hub_code}の会社{i}")
                consultation = make_consultation(s, actor, firm, on=dt.date(2020, 6, 1 + i))
            need = make_need(s, actor, consultation)
            partner = make_partner(s, name=f"人材{actor.hub_code}")
            make_placement(s, actor, need, partner_id=partner.id, on=dt.date(2020, 9, 1))
        tokens = {
            "api": api_tokens.create_token(s, SYSTEM, actors.secretariat.username)[1],
            "calendar": api_tokens.create_token(
                s, SYSTEM, actors.manager01.username, kind=api_tokens.CALENDAR
            )[1],
        }
        s.commit()
    return tokens


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(request, sqlite_template, tmp_path_factory):
    """A small data set of two hubs, its tokens and a client, per database, for the module."""
    if request.param == "sqlite":
        database = sqlite_copy(sqlite_template, tmp_path_factory.mktemp("bounds") / "crm.sqlite3")
    else:
        database = postgres_database(
            "crm_bounds", template=request.getfixturevalue("postgres_template")
        )
    with database as engine:
        tokens = _world(engine)
        with TestClient(create_api(lambda: engine), base_url="http://crm.test") as client:
            yield client, tokens


def _spec_parameters() -> dict[str, list[str]]:
    spec = create_api(lambda: None).openapi()  # type: ignore[arg-type, return-value]
    return {
        path: [p["name"] for p in operation["get"].get("parameters", []) if p["in"] == "query"]
        for path, operation in spec["paths"].items()
    }


PARAMETERS = _spec_parameters()
TABLE = [
    pytest.param(path, name, value, expected, id=f"{path}?{name}={value[:24]}")
    for path, names in PARAMETERS.items()
    for name in names
    for value, expected in CASES.get(name, [])
]


def test_every_parameter_has_boundary_cases():
    missing = {(path, name) for path, names in PARAMETERS.items() for name in names} - {
        (path, name) for path, names in PARAMETERS.items() for name in names if name in CASES
    }
    assert not missing
    assert len(PARAMETERS) >= 11  # the analytics, the lists and the calendar feed


def _get(client, tokens, path: str, params: dict[str, str]):
    if path == "/calendar.ics":
        return client.get(path, params={"token": tokens["calendar"], **params})
    return client.get(path, params=params, headers={"Authorization": f"Bearer {tokens['api']}"})


@pytest.mark.parametrize(("path", "name", "value", "expected"), TABLE)
def test_a_boundary_value_is_read_within_the_range_or_refused_by_name(
    served, path, name, value, expected
):
    client, tokens = served
    answer = _get(client, tokens, path, {name: value})
    assert answer.status_code != 500, answer.text
    if expected == REFUSED:
        assert answer.status_code == 422, answer.text
        fields = answer.json()["fields"]
        assert name in fields and fields[name], fields  # named, with a reason
    elif expected == OPEN:
        assert answer.status_code == 200, answer.text
        assert answer.json() == _get(client, tokens, path, {}).json()
    else:
        assert answer.status_code == expected, answer.text


# The issue's cases, on the demo's full history.
ANALYTICS = [
    "/trend",
    "/prefectures",
    "/breakdowns",
    "/headline",
    "/flows",
    "/funnel",
    "/partners/performance",
]
ISSUE_CASES = [
    ({"until": "9999-12-31"}, OPEN),
    ({"since": "0001-01-01"}, OPEN),
    ({"until": "0001-01-01"}, "until"),
    ({"since": "9999-12-31"}, "since"),
    ({"categories": str(2**64 + 1)}, "categories"),
]


@pytest.fixture(scope="module")
def demo_client(demo_template, tmp_path_factory):
    with sqlite_copy(demo_template, tmp_path_factory.mktemp("bounds-demo") / "demo.sqlite3") as e:
        with Session(e) as s:
            _, token = api_tokens.create_token(s, SYSTEM, "secretariat")
            s.commit()
        with TestClient(create_api(lambda: e)) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            yield client


@pytest.mark.parametrize("path", ANALYTICS)
def test_the_issues_boundary_values_on_every_analytics_endpoint(demo_client, path):
    plain = demo_client.get(path)
    assert plain.status_code == 200
    for params, expected in ISSUE_CASES:
        answer = demo_client.get(path, params=params)
        if expected == OPEN:
            assert answer.status_code == 200 and answer.json() == plain.json(), params
        else:
            assert answer.status_code == 422, (params, answer.text)
            assert list(answer.json()["fields"]) == [expected]
