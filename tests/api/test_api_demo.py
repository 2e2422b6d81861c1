"""On the demo: the API's trend carries the programme's published figures."""

from sqlmodel import Session
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens


def test_trend_on_the_demo_has_the_published_figures(demo_engine):
    with Session(demo_engine) as s:
        _, token = api_tokens.create_token(s, SYSTEM, "secretariat", name="集計シート")
        s.commit()
    with TestClient(create_api(lambda: demo_engine)) as client:
        answer = client.get("/trend", headers={"Authorization": f"Bearer {token}"})
    points = {p["month"]: p for p in answer.json()}
    assert (
        points["2016-09"]["cumulative_consultations"],
        points["2016-09"]["cumulative_contracts"],
    ) == (5044, 373)
    assert (
        points["2020-11"]["cumulative_consultations"],
        points["2020-11"]["cumulative_contracts"],
    ) == (52144, 10831)
