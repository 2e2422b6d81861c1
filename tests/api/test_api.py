"""The read-only API: every endpoint for hub manager, secretariat and administrator tokens,
scoped exactly as the pages are; refused, revoked and expired tokens; CSV on request; the
calendar feed."""

import csv
import datetime as dt
import io

import pytest
from icalendar import Calendar
from sqlalchemy import func
from sqlmodel import Session, select
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens
from crm.models import ApiToken, AuditLog, Consultation, FollowUp
from crm.timeutil import today_jst, utcnow
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

ENDPOINTS = ["/trend", "/prefectures", "/breakdowns", "/headline", "/firms", "/consultations",
             "/needs", "/placements", "/follow-ups"]  # fmt: skip


@pytest.fixture
def world(engine, actors):
    with Session(engine, expire_on_commit=False) as s:
        for actor, count in ((actors.manager01, 3), (actors.manager02, 2)):
            for i in range(count):
                firm = make_company(s, actor, name=f"拠点{actor.hub_code}の会社{i}")
                consultation = make_consultation(
                    s, actor, firm, next_action="再訪", next_action_on=today_jst()
                )
            need = make_need(s, actor, consultation)
            partner = make_partner(s, name=f"人材{actor.hub_code}")
            make_placement(s, actor, need, partner_id=partner.id)
        tokens = {
            who: api_tokens.create_token(s, SYSTEM, getattr(actors, who).username)[1]
            for who in ("manager01", "manager02", "secretariat", "admin")
        }
        s.commit()
    return tokens


@pytest.fixture
def client(engine):
    with TestClient(create_api(lambda: engine), base_url="http://crm.test") as test_client:
        yield test_client


def get(client, path, token, **params):
    return client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("who", ["manager01", "secretariat", "admin"])
@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_endpoint_answers_every_reading_role(client, world, who, path):
    answer = get(client, path, world[who])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("path", "hubs_of"),
    [
        ("/firms", lambda body: {i["hub_code"] for i in body["items"]}),
        ("/consultations", lambda body: {i["hub_code"] for i in body["items"]}),
        ("/needs", lambda body: {i["hub_code"] for i in body["items"]}),
        ("/placements", lambda body: {i["hub_code"] for i in body["items"]}),
        ("/follow-ups", lambda body: {i["hub_code"] for i in body["items"]}),
        ("/prefectures", lambda body: {r["hub_code"] for r in body["rows"]}),
    ],
)
def test_a_hub_managers_token_reads_only_that_hub(client, world, path, hubs_of):
    mine = get(client, path, world["manager01"]).json()
    national = get(client, path, world["secretariat"]).json()
    assert hubs_of(mine) == {"01"}
    assert {"01", "02"} <= hubs_of(national)
    if "total" in mine:
        assert mine["total"] == len(mine["items"]) < national["total"]


def test_another_hubs_data_is_refused_and_nothing_leaks_in_aggregates(client, world):
    for path in ("/trend", "/headline", "/breakdowns", "/prefectures"):
        assert get(client, path, world["manager01"], hubs="02").status_code == 403
    assert get(client, "/firms", world["manager01"], hub="02").status_code == 403
    mine = get(client, "/headline", world["manager01"]).json()
    national = get(client, "/headline", world["secretariat"]).json()
    hub01 = get(client, "/headline", world["secretariat"], hubs="01").json()
    mine.pop("filters"), hub01.pop("filters")
    assert mine == hub01 and mine["consultations"] == 3 and national["consultations"] == 5


def test_counts_equal_an_independent_count(client, world, engine):
    with Session(engine) as s:
        expected = s.exec(
            select(func.count()).select_from(Consultation).where(Consultation.hub_code == "01")
        ).one()
        follow_ups = s.exec(select(func.count()).select_from(FollowUp)).one()
    page = get(client, "/consultations", world["manager01"], limit=2).json()
    assert (page["total"], len(page["items"]), page["limit"]) == (expected, 2, 2)
    assert get(client, "/follow-ups", world["secretariat"]).json()["total"] == follow_ups


@pytest.mark.parametrize("token", ["", "crm_forged", "nonsense", "Bearer"])
def test_an_unknown_token_gets_401(client, world, token):
    answer = get(client, "/trend", token)
    assert answer.status_code == 401 and "WWW-Authenticate" in answer.headers


def test_revoked_expired_and_disabled_tokens_get_401(client, world, engine, actors):
    from crm.services import users

    assert get(client, "/trend", world["manager01"]).status_code == 200
    with Session(engine) as s:
        ids = {row.user_id: row.id for row in s.exec(select(ApiToken)).all()}
        api_tokens.revoke_token(s, SYSTEM, ids[actors.manager01.user_id])
        row = s.get(ApiToken, ids[actors.manager02.user_id])
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
        s.add(row)
        users.set_active(s, SYSTEM, actors.secretariat.username, False)
        s.commit()
    for who in ("manager01", "manager02", "secretariat"):
        assert get(client, "/trend", world[who]).status_code == 401, who
    assert get(client, "/trend", world["admin"]).status_code == 200


def test_each_use_is_audited_and_the_token_is_stored_only_hashed(client, world, engine):
    get(client, "/needs", world["manager01"])
    with Session(engine) as s:
        uses = s.exec(select(AuditLog).where(AuditLog.action == "api_read")).all()
        hashes = {row.token_hash for row in s.exec(select(ApiToken)).all()}
    assert [u.detail for u in uses] == ["/needs"] and uses[0].username == "manager01"
    assert world["manager01"] not in hashes


def test_csv_on_request(client, world):
    answer = get(client, "/consultations", world["secretariat"], format="csv")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert len(rows) == 5 and {r["拠点コード"] for r in rows} == {"01", "02"}
    by_accept = client.get(
        "/trend", headers={"Authorization": f"Bearer {world['secretariat']}", "Accept": "text/csv"}
    )
    assert by_accept.text.lstrip("\ufeff").startswith("月,")


def test_bad_parameters_get_422_with_the_field(client, world):
    answer = get(client, "/consultations", world["secretariat"], limit=100000)
    assert answer.status_code == 422 and "limit" in answer.json()["fields"]
    answer = get(client, "/trend", world["secretariat"], since="2020-05-01", until="2020-04-01")
    assert answer.status_code == 422 and "until" in answer.json()["fields"]
    assert get(client, "/needs", world["secretariat"], status="nonsense").status_code == 422


def test_openapi_document(client):
    spec = client.get("/openapi.json").json()
    assert spec["info"]["version"] == "1"
    assert {"/trend", "/firms", "/calendar.ics"} <= set(spec["paths"])


def test_the_calendar_lists_that_users_due_items_only(client, world, engine, actors):
    with Session(engine) as s:
        _, feed = api_tokens.create_token(
            s, SYSTEM, actors.manager01.username, kind=api_tokens.CALENDAR
        )
        s.commit()
    answer = client.get("/calendar.ics", params={"token": feed})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(answer.content).walk("VEVENT")
    summaries = [str(e["summary"]) for e in events]
    assert len([s for s in summaries if s.startswith("再訪: 拠点01")]) == 3
    assert not any("拠点02" in s for s in summaries)
    assert len([s for s in summaries if s.startswith("フォローアップ: ")]) == 1
    # A feed token opens nothing else; an API token is not accepted in the URL either.
    assert get(client, "/trend", feed).status_code == 401
    assert client.get("/calendar.ics", params={"token": "crm_wrong"}).status_code == 401
