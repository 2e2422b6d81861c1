"""Yearly targets: who may propose, set and approve them, and progress against them."""

import datetime as dt
import json

import pytest
from sqlmodel import select

from crm.analytics import targets as progress
from crm.errors import PermissionDenied, StaleVersion, ValidationError
from crm.models import AuditLog, KpiTarget
from crm.services import targets
from crm.services.base import data_version
from crm.timeutil import fiscal_year, today_jst
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

FY = fiscal_year(today_jst())


def _data(hub="01", fy=FY, consultations=120, placements=30):
    return {
        "hub_code": hub,
        "fiscal_year": fy,
        "consultations": consultations,
        "placements": placements,
    }


def test_manager_proposes_secretariat_approves(session, actors):
    before = data_version(session, "hub:01"), data_version(session, "all")
    proposal = targets.propose_target(session, actors.manager01, _data())
    assert proposal.status == "proposed" and proposal.approved_by is None
    assert data_version(session, "hub:01") > before[0] and data_version(session, "all") > before[1]
    revised = targets.propose_target(
        session, actors.manager01, _data(placements=35), expected_version=proposal.version
    )
    assert revised.placements == 35 and revised.status == "proposed"
    approved = targets.approve_target(session, actors.secretariat, revised.id, revised.version)
    assert approved.status == "approved" and approved.approved_by == actors.secretariat.user_id
    assert approved.approved_at is not None
    with pytest.raises(PermissionDenied, match="承認済み"):
        targets.propose_target(
            session, actors.manager01, _data(placements=1), expected_version=approved.version
        )
    with pytest.raises(ValidationError):
        targets.approve_target(session, actors.secretariat, approved.id, approved.version)
    audit = session.exec(select(AuditLog).where(AuditLog.entity == "kpi_target")).all()
    assert [a.action for a in audit] == ["create", "update", "update"]
    assert json.loads(audit[-1].changes)["status"] == ["proposed", "approved"]


def test_secretariat_sets_targets_directly_and_may_revise_approved_ones(session, actors):
    target = targets.set_target(session, actors.secretariat, _data(hub="02"))
    assert target.status == "approved"
    with pytest.raises(StaleVersion):
        targets.set_target(session, actors.secretariat, _data(hub="02", placements=5))
    revised = targets.set_target(
        session, actors.secretariat, _data(hub="02", placements=5), expected_version=target.version
    )
    assert revised.placements == 5


def test_who_may_do_what(session, actors):
    with pytest.raises(PermissionDenied):  # another hub
        targets.propose_target(session, actors.manager01, _data(hub="02"))
    with pytest.raises(PermissionDenied):  # the secretariat sets, it does not propose
        targets.propose_target(session, actors.secretariat, _data())
    with pytest.raises(PermissionDenied):
        targets.set_target(session, actors.manager01, _data())
    with pytest.raises(PermissionDenied):
        targets.set_target(session, actors.admin, _data())
    proposal = targets.propose_target(session, actors.manager02, _data(hub="02"))
    with pytest.raises(PermissionDenied):
        targets.approve_target(session, actors.manager02, proposal.id, proposal.version)
    with pytest.raises(PermissionDenied):  # cannot even read hub 02's target
        targets.get_target(session, actors.manager01, proposal.id)
    assert targets.list_targets(session, actors.manager01) == []
    assert [t.hub_code for t in targets.list_targets(session, actors.secretariat)] == ["02"]
    assert session.exec(select(KpiTarget).where(KpiTarget.hub_code == "01")).first() is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_data(consultations=-1), "consultations"),
        (_data(placements=1_000_001), "placements"),
        (_data(placements="たくさん"), "placements"),
        (_data(hub="13"), "hub_code"),  # Tokyo has no hub
        (_data(fy=2010), "fiscal_year"),
        (_data(fy=FY + 2), "fiscal_year"),
    ],
)
def test_bad_targets_are_refused_with_the_field_named(session, actors, data, field):
    with pytest.raises(ValidationError) as error:
        targets.set_target(session, actors.secretariat, data)
    assert field in error.value.fields


def test_elapsed_share():
    assert progress.elapsed_share(2020, dt.date(2020, 3, 31)) == 0
    assert progress.elapsed_share(2020, dt.date(2020, 4, 1)) == 1 / 365
    assert progress.elapsed_share(2020, dt.date(2020, 9, 30)) == 183 / 365
    assert progress.elapsed_share(2019, dt.date(2020, 3, 31)) == 1  # FY2019 has 366 days
    assert progress.elapsed_share(2020, dt.date(2022, 1, 1)) == 1


def test_progress_against_the_pro_rated_target_flags_hubs_behind(session, actors):
    as_of = dt.date(2020, 9, 30)  # 183 of 365 days of FY2020
    for manager, count in ((actors.manager01, 6), (actors.manager02, 2)):
        company = make_company(session, manager)
        for i in range(count):
            c = make_consultation(session, manager, company, on=dt.date(2020, 4, 10 + i))
            if i < 2:
                make_placement(
                    session, manager, make_need(session, manager, c), on=dt.date(2020, 5, 1)
                )
        # Outside FY2020 or after as_of: not counted.
        make_consultation(session, manager, company, on=dt.date(2020, 3, 31))
        make_consultation(session, manager, company, on=dt.date(2020, 10, 1))
    # Pro-rated to 183/365: 10 -> 5.01 consultations, 3 -> 1.50 placements.
    targets.set_target(session, actors.secretariat, _data("01", 2020, 10, 3))
    targets.set_target(session, actors.secretariat, _data("02", 2020, 10, 3))
    proposal = targets.propose_target(session, actors.manager01, _data("01", 2021, 1, 1))
    session.commit()
    rows = {
        r.hub_code: r for r in progress.target_progress(session, actors.secretariat, 2020, as_of)
    }
    assert len(rows) == 46
    one, two = rows["01"], rows["02"]
    assert (one.consultations, one.placements) == (6, 2)
    assert one.expected_consultations == pytest.approx(10 * 183 / 365)
    assert one.consultation_progress == pytest.approx(6 / (10 * 183 / 365))
    assert not one.behind
    assert (two.consultations, two.placements) == (2, 2)
    assert two.behind_consultations and not two.behind_placements and two.behind
    assert rows["03"].target_status is None and not rows["03"].behind
    # A proposal is not yet a target to be measured against.
    pending = progress.target_progress(session, actors.manager01, 2021, dt.date(2021, 12, 1))
    assert [(r.hub_code, r.target_id, r.target_status) for r in pending] == [
        ("01", proposal.id, "proposed")
    ]
    assert pending[0].expected_consultations is None and not pending[0].behind
