"""/flows on the demo: the same figures as the flow table, counted independently in SQL;
a hub's token sees only flows into its hub; placements list carries the prefecture."""

from sqlalchemy import text
from sqlmodel import Session
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens

PERIOD = {"since": "2024-04-01", "until": "2025-03-31"}


def _token(engine, username):
    with Session(engine) as s:
        _, token = api_tokens.create_token(s, SYSTEM, username, name="還流")
        s.commit()
    return {"Authorization": f"Bearer {token}"}


def _count(engine, sql, **params):
    with Session(engine) as s:
        return s.execute(text(sql), {**PERIOD, **params}).all()


def test_flows_match_plain_sql_and_hubs_are_scoped(demo_engine):
    secretariat, hub06 = _token(demo_engine, "secretariat"), _token(demo_engine, "hub06")
    with TestClient(create_api(lambda: demo_engine)) as client:
        national = client.get("/flows", params=PERIOD, headers=secretariat).json()
        by_pref = client.get(
            "/flows", params={**PERIOD, "by": "prefecture"}, headers=secretariat
        ).json()
        own = client.get("/flows", params=PERIOD, headers=hub06).json()
        refused = client.get("/flows", params={**PERIOD, "hubs": "01"}, headers=hub06)
        bad = client.get("/flows", params={"by": "city"}, headers=secretariat)
        csv = client.get("/flows", params={**PERIOD, "format": "csv"}, headers=secretariat)
        listed = client.get("/placements", params={"limit": 1}, headers=secretariat).json()
    per_hub = dict(
        _count(
            demo_engine,
            "select hub_code, count(*) from placement"
            " where placed_on between :since and :until group by hub_code",
        )
    )
    assert national["total"] == sum(per_hub.values()) == sum(national["hubs"].values())
    assert national["hubs"] == per_hub
    assert sum(c["placements"] for c in national["cells"]) == national["total"]
    tokyo = dict(
        _count(
            demo_engine,
            "select hub_code, count(*) from placement where previous_prefecture = '13'"
            " and placed_on between :since and :until group by hub_code",
        )
    )
    from_tokyo = {
        c["hub_code"]: c["placements"] for c in by_pref["cells"] if c["origin"] == "東京都"
    }
    assert from_tokyo == tokyo
    assert {c["hub_code"] for c in own["cells"]} == {"06"}
    assert own["total"] == per_hub["06"]
    assert refused.status_code == 403
    assert bad.status_code == 422
    assert csv.text.startswith("\ufeff前居住地コード,前居住地,拠点コード,拠点名,成約件数")
    assert "previous_prefecture" in listed["items"][0]
