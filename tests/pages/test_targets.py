"""目標（KPI） page: a hub manager proposes for their own hub, the secretariat sets and approves;
progress against the pro-rated target is shown and hubs behind it are flagged."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from crm.analytics import targets as progress
from crm.errors import PermissionDenied
from crm.models import KpiTarget
from crm.presentation.labels import prefecture_label
from crm.services import targets
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst
from tests.utils.factories import make_company, make_consultation

FY = fiscal_year(today_jst())


def _stored(engine, hub):
    with Session(engine) as s:
        return s.exec(
            select(KpiTarget).where(KpiTarget.hub_code == hub, KpiTarget.fiscal_year == FY)
        ).first()


def test_hub_manager_proposes_own_targets(open_page, actors, app_env):
    at = open_page(actors.manager01, "pages/targets.py")
    assert not at.exception
    assert at.number_input(key="target_propose.consultations").value == 0
    at.number_input(key="target_propose.consultations").set_value(200)
    at.number_input(key="target_propose.placements").set_value(40)
    next(b for b in at.button if b.label == "提案する").click().run()
    assert not at.exception
    stored = _stored(app_env, "01")
    assert (stored.consultations, stored.placements, stored.status) == (200, 40, "proposed")
    assert any("提案中" in str(v) for v in at.dataframe[0].value["状態"])
    # Nothing for another hub was written, and the manager never sees another hub's form.
    assert _stored(app_env, "02") is None
    assert not any(s.key == "targets_hub" for s in at.selectbox)


def test_secretariat_approves_a_proposal_and_sets_another_hub(open_page, actors, app_env):
    with Session(app_env) as s:
        targets.propose_target(
            s,
            actors.manager02,
            {"hub_code": "02", "fiscal_year": FY, "consultations": 90, "placements": 9},
        )
        s.commit()
    at = open_page(actors.secretariat, "pages/targets.py")
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["承認待ちの提案"] == "1"
    next(b for b in at.button if b.label == "承認する").click().run()
    assert not at.exception
    assert _stored(app_env, "02").status == "approved"
    assert {m.label: m.value for m in at.metric}["承認待ちの提案"] == "0"

    at.selectbox(key="targets_hub").set_value("06").run()
    at.number_input(key="target_set.consultations").set_value(300)
    at.number_input(key="target_set.placements").set_value(100)
    next(b for b in at.button if b.label == "設定する").click().run()
    assert not at.exception
    stored = _stored(app_env, "06")
    assert (stored.consultations, stored.status, stored.approved_by) == (
        300,
        "approved",
        actors.secretariat.user_id,
    )


def test_progress_flags_hubs_behind_the_pro_rated_target(open_page, actors, app_env):
    start, _ = fiscal_year_bounds(FY)
    with Session(app_env) as s:
        company = make_company(s, actors.manager01)
        make_consultation(s, actors.manager01, company, on=start)
        targets.set_target(
            s,
            actors.secretariat,
            {"hub_code": "01", "fiscal_year": FY, "consultations": 100_000, "placements": 0},
        )
        targets.set_target(
            s,
            actors.secretariat,
            {"hub_code": "02", "fiscal_year": FY, "consultations": 0, "placements": 0},
        )
        s.commit()
    at = open_page(actors.secretariat, "pages/targets.py")
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["按分目標を下回る拠点"] == "1"
    assert any("北海道" in w.value for w in at.warning)
    table = at.dataframe[0].value.set_index("拠点")  # names, never codes
    assert (
        table.loc[prefecture_label("01"), "状況"] == "⚠ 遅れ"
        and table.loc[prefecture_label("01"), "相談実績"] == 1
    )
    assert table.loc[prefecture_label("02"), "状況"] == "順調"
    assert table.loc[prefecture_label("03"), "状況"] == "目標未設定"
    share = progress.elapsed_share(FY, today_jst())
    assert table.loc[prefecture_label("01"), "相談（按分目標）"] == pytest.approx(100_000 * share)
    # The hub manager sees the same flag on their own hub, and cannot change an approved target.
    mine = open_page(actors.manager01, "pages/targets.py")
    assert not mine.exception
    assert any("下回っています" in w.value for w in mine.warning)
    assert any("承認済み" in i.value for i in mine.info)
    assert not any(b.label == "提案する" for b in mine.button)
    # The national dashboard points at the same count.
    national = open_page(actors.secretariat, "pages/national.py")
    assert any("1 拠点が目標を下回っています" in w.value for w in national.warning)


def test_secretariat_cannot_write_a_hubs_records(session, actors):
    from crm.services import consultations

    company = make_company(session, actors.manager01)
    with pytest.raises(PermissionDenied):
        consultations.log_consultation(
            session,
            actors.secretariat,
            {
                "company_id": company.id,
                "consulted_on": dt.date(2024, 5, 1),
                "channel": "visit",
                "summary": "x",
            },
        )
    with pytest.raises(PermissionDenied):
        targets.propose_target(
            session,
            actors.secretariat,
            {"hub_code": "01", "fiscal_year": FY, "consultations": 1, "placements": 1},
        )


def test_refused_input_is_shown_next_to_the_field(open_page, actors, app_env):
    at = open_page(actors.secretariat, "pages/targets.py")
    # The widget refuses negatives itself; the service's upper bound is checked on save.
    at.number_input(key="target_set.consultations").set_value(2_000_000)
    next(b for b in at.button if b.label == "設定する").click().run()
    assert not at.exception
    assert any(e.value == "1,000,000以下で入力してください" for e in at.error)
    assert _stored(app_env, "01") is None
