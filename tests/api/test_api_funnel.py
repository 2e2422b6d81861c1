"""/funnel and /partners/performance: the same figures as the pages and `crm report` (the
analytics functions, themselves recounted in tests/analytics), scoped like every analytics
read, as JSON, CSV and xlsx with Japanese headers."""

import csv
import io

from fastapi.testclient import TestClient
from sqlmodel import Session

from crm.actor import SYSTEM
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.funnel import funnel
from crm.analytics.partner_table import partner_table
from crm.api.app import create_api
from crm.auth import api_tokens
from tests.analytics.funnel_data import SINCE, UNTIL, build_funnel_world

PERIOD = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}


def _served(engine):
    with Session(engine, expire_on_commit=False) as session:
        world = build_funnel_world(session)
        tokens = {
            name: api_tokens.create_token(session, SYSTEM, getattr(world.actors, name).username)[1]
            for name in ("manager01", "manager02", "secretariat")
        }
        session.commit()
    return world, tokens


def _get(client, token, path, **params):
    return client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


def test_funnel_and_partner_table_answer_what_the_analytics_count(engine):
    world, tokens = _served(engine)
    chosen = AnalyticsFilter(since=SINCE, until=UNTIL, hubs=("01",))
    with Session(engine) as session:
        steps = funnel(session, world.actors.manager01, chosen).steps
        partners = partner_table(session, world.actors.manager01, chosen).rows
    with TestClient(create_api(lambda: engine)) as client:
        answer = _get(client, tokens["manager01"], "/funnel", **PERIOD)
        performance = _get(client, tokens["manager01"], "/partners/performance", **PERIOD)
        as_csv = _get(client, tokens["manager01"], "/funnel", format="csv", **PERIOD)
        by_category = _get(
            client,
            tokens["secretariat"],
            "/partners/performance",
            breakdown="category",
            hubs="01",
            format="csv",
            **PERIOD,
        )
        refused = _get(client, tokens["manager02"], "/funnel", hubs="01", **PERIOD)
    assert answer.status_code == 200, answer.text
    assert [(r["step"], r["count"]) for r in answer.json()["rows"]] == [
        (s.key, s.count) for s in steps
    ]
    assert {
        (r["partner_id"], r["referrals"], r["placements"]) for r in performance.json()["rows"]
    } == {(p.partner_id, p.referrals, p.placements) for p in partners}
    header, *rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert header[:2] == ["段階", "件数"] and len(rows) == len(steps)
    category_header = next(csv.reader(io.StringIO(by_category.content.decode("utf-8-sig"))))
    assert "人材区分" in category_header and "成約率" in category_header
    assert refused.status_code == 403
    assert "他の拠点" in refused.json()["error"]
