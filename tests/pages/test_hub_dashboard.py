import datetime as dt
import json

from crm.timeutil import today_jst
from tests.utils.factories import make_company, make_consultation, make_need, make_placement


def _chart_specs(at):
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def test_hub_dashboard_shows_the_hubs_own_counts(open_page, session, actors):
    today = today_jst()
    company = make_company(session, actors.manager01)
    c1 = make_consultation(session, actors.manager01, company, on=today)
    make_consultation(session, actors.manager01, company, on=dt.date(2016, 1, 15))
    need = make_need(session, actors.manager01, c1)
    make_placement(session, actors.manager01, need, on=today)
    other = make_company(session, actors.manager02)
    make_consultation(session, actors.manager02, other, on=today)
    session.commit()

    at = open_page(actors.manager01, "pages/hub_dashboard.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["相談件数"] == "1"
    assert metrics["成約件数"] == "1"
    assert any("累計相談 2 件・累計成約 1 件" in c.value for c in at.caption)
    spec = _chart_specs(at)[0]
    titles = json.dumps(spec, ensure_ascii=False)
    assert "累計相談件数" in titles and "累計成約件数" in titles
    assert spec["resolve"]["scale"]["y"] == "independent"


def test_secretariat_reads_any_hub_dashboard(open_page, session, actors):
    company = make_company(session, actors.manager02)
    make_consultation(session, actors.manager02, company, on=today_jst())
    session.commit()
    at = open_page(actors.secretariat, "pages/hub_dashboard.py", query={"hub": "02"})
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["相談件数"] == "1"
