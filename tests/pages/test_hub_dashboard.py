import datetime as dt
import json

from crm.timeutil import today_jst
from tests.analytics.test_forecast import seasonal  # noqa: F401 (fixture)
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


def test_hub_dashboard_flags_a_hub_behind_its_approved_target(open_page, session, actors):
    from crm.services.targets import set_target
    from crm.timeutil import fiscal_year

    set_target(
        session,
        actors.secretariat,
        {
            "hub_code": "01",
            "fiscal_year": fiscal_year(today_jst()),
            "consultations": 100_000,
            "placements": 50_000,
        },
    )
    session.commit()
    at = open_page(actors.manager01, "pages/hub_dashboard.py")
    assert not at.exception
    assert any("遅れています" in w.value and "相談 100,000 件" in w.value for w in at.warning)


def test_hub_dashboard_without_target_says_so(open_page, actors):
    at = open_page(actors.manager01, "pages/hub_dashboard.py")
    assert any("目標はまだ登録されていません" in c.value for c in at.caption)


def test_hub_dashboard_shows_the_fiscal_year_forecast(open_page, seasonal, monkeypatch):  # noqa: F811
    """The hand-computed data set of tests/analytics/test_forecast.py, today pinned to
    30 September 2024."""
    import crm.timeutil

    monkeypatch.setattr(crm.timeutil, "today_jst", lambda: dt.date(2024, 9, 30))
    at = open_page(seasonal.manager01, "pages/hub_dashboard.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "2024年度末の見込み" in text
    assert "相談 約 8 件（幅 6 件〜13 件、過去3年度から）" in text
    assert "成約 約 2 件（幅 2 件〜4 件、過去3年度から）" in text
    assert (
        "成約目標の見通し: 届かない見込み。目標 5 件まで残り 4 件。残り 6.0 か月で月平均 0.7 件"
        in text
    )
    assert (
        "相談目標の見通し: 届く可能性あり。目標 12 件まで残り 8 件。残り 6.0 か月で月平均 1.3 件"
        in text
    )
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "成約目標 5 件は今のペースでは届かない見込み" in errors[0]
    assert "上限（4 件）" in errors[0]
    assert any("確率は約 相談 50%・成約 50%" in c.value for c in at.caption)
    spec = json.dumps(_chart_specs(at)[0], ensure_ascii=False)
    assert "strokeDash" in spec and '"y2"' in spec and '"empty"' not in spec
