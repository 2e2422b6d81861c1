"""The weekly export's 区分 over three weeks (2026-W46 … W48) of edits, late entries and
pipeline moves made through the services, each at a chosen moment.

The expected 区分 of every row is written out by hand from the story below (an independent
count, not the export's own logic), and the summary's counts are recounted from those rows.
"""

import datetime as dt
from collections import Counter
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, update

from crm.csvio.export import Week, weekly_export
from crm.models import (
    AuditLog,
    Company,
    Consultation,
    FollowUp,
    NeedStatusChange,
    Placement,
    Referral,
    TalentNeed,
)
from crm.services import consultations, needs
from tests.csvio.helpers import jst, rows_of
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

D = dt.date
W46, W47, W48 = Week(2026, 46), Week(2026, 47), Week(2026, 48)
MODELS = {
    "company": Company,
    "consultation": Consultation,
    "talent_need": TalentNeed,
    "referral": Referral,
    "placement": Placement,
    "follow_up": FollowUp,
}


@contextmanager
def happening_at(session, moment: dt.datetime):
    """Whatever the services write inside the block is stamped as done at ``moment``: the
    rows' created/updated times, their audit entries and need status steps."""
    last_audit = session.execute(select(func.coalesce(func.max(AuditLog.id), 0))).scalar()
    last_step = session.execute(select(func.coalesce(func.max(NeedStatusChange.id), 0))).scalar()
    yield
    session.flush()
    entries = session.execute(
        select(AuditLog.id, AuditLog.action, AuditLog.entity, AuditLog.entity_id).where(
            AuditLog.id > last_audit
        )
    ).all()
    for entry_id, action, entity, entity_id in entries:
        session.execute(update(AuditLog).where(AuditLog.id == entry_id).values(at=moment))
        model = MODELS.get(entity)
        if model is None:
            continue
        values = {"updated_at": moment}
        if action == "create":
            values["created_at"] = moment
        session.execute(update(model).where(model.id == int(entity_id)).values(**values))
    session.execute(
        update(NeedStatusChange).where(NeedStatusChange.id > last_step).values(changed_at=moment)
    )
    session.flush()
    session.expire_all()


def consultation_data(row: Consultation, **changes) -> dict:
    data = {
        "company_id": row.company_id,
        "consulted_on": row.consulted_on,
        "channel": row.channel,
        "summary": row.summary,
        "stance": row.stance,
        "next_action": row.next_action,
        "next_action_on": row.next_action_on,
    }
    return {**data, **changes}


def need_data(row: TalentNeed, **changes) -> dict:
    data = {
        "category_id": row.category_id,
        "engagement": row.engagement,
        "role_title": row.role_title,
        "headcount": row.headcount,
        "salary_band": row.salary_band,
        "opened_on": row.opened_on,
        "notes": row.notes,
    }
    return {**data, **changes}


@pytest.fixture
def story(session, actors):
    m = actors.manager01
    partner = make_partner(session)
    ids = {}
    # October: a firm, a consultation, a need referred to an agency (all entered on time).
    with happening_at(session, jst(2026, 10, 5, 10)):
        firm = make_company(session, m, name="山形精密株式会社")
        old = make_consultation(session, m, firm, on=D(2026, 10, 5), summary="十月の相談")
        old_need = make_need(session, m, old, opened_on=D(2026, 10, 5))
    with happening_at(session, jst(2026, 10, 7, 10)):
        old_referral = needs.refer_need(
            session,
            m,
            {"need_id": old_need.id, "partner_id": partner.id, "referred_on": D(2026, 10, 7)},
        )
    # W46: a consultation of the week, one dated the week before (late), a referral's result.
    with happening_at(session, jst(2026, 11, 10, 17)):
        c46 = make_consultation(session, m, firm, on=D(2026, 11, 10), summary="十一月の相談")
        n46 = make_need(session, m, c46, opened_on=D(2026, 11, 10))
    with happening_at(session, jst(2026, 11, 11, 9)):
        late46 = make_consultation(session, m, firm, on=D(2026, 11, 2), summary="後から入力")
    with happening_at(session, jst(2026, 11, 12, 15)):
        referral = session.get(Referral, old_referral.id)
        needs.update_referral(session, m, referral.id, {"outcome": "candidates"}, referral.version)
    # W47: a typo fixed in October's consultation (訂正); W46's need withdrawn (a pipeline
    # move); October's need placed on 11-19 (the placement is of the week, the need moves);
    # a next action filled in on W46's consultation (a blank field entered late).
    with happening_at(session, jst(2026, 11, 17, 9)):
        row = session.get(Consultation, old.id)
        consultations.update_consultation(
            session, m, row.id, consultation_data(row, summary="十月の相談（訂正）"), row.version
        )
    with happening_at(session, jst(2026, 11, 18, 16)):
        row = session.get(TalentNeed, n46.id)
        needs.move_need(session, m, row.id, "withdrawn", row.version, on=D(2026, 11, 18))
    with happening_at(session, jst(2026, 11, 19, 11)):
        placement = make_placement(
            session,
            m,
            session.get(TalentNeed, old_need.id),
            on=D(2026, 11, 19),
            partner_id=partner.id,
        )
    with happening_at(session, jst(2026, 11, 20, 10)):
        row = session.get(Consultation, c46.id)
        consultations.update_consultation(
            session, m, row.id, consultation_data(row, next_action="求人票を送る"), row.version
        )
    # W48: a need dated in W47 entered on 11-24 and referred the next day; October's need's
    # role title corrected.
    with happening_at(session, jst(2026, 11, 24, 9)):
        row = session.get(Consultation, c46.id)
        n47 = make_need(session, m, row, opened_on=D(2026, 11, 20), role_title="品質管理責任者")
    with happening_at(session, jst(2026, 11, 25, 14)):
        late_referral = needs.refer_need(
            session,
            m,
            {"need_id": n47.id, "partner_id": partner.id, "referred_on": D(2026, 11, 25)},
        )
    with happening_at(session, jst(2026, 11, 26, 10)):
        row = session.get(TalentNeed, old_need.id)
        needs.update_need(session, m, row.id, need_data(row, role_title="工場長"), row.version)
    session.commit()
    ids.update(
        old=old.id,
        old_need=old_need.id,
        old_referral=old_referral.id,
        c46=c46.id,
        n46=n46.id,
        late46=late46.id,
        placement=placement.id,
        n47=n47.id,
        late_referral=late_referral.id,
    )
    return ids


def kinds(bundle, name: str, id_header: str) -> dict[int, tuple[str, ...]]:
    return {int(r[id_header]): r for r in rows_of(bundle, name)}


def test_every_row_of_three_weeks_has_its_exact_kind(session, actors, story):
    s = story
    expected = {
        W46: {
            "consultations": {s["c46"]: "当週", s["late46"]: "遅延入力"},
            "needs": {s["n46"]: "当週"},
            "referrals": {s["old_referral"]: "状況変更"},
            "placements": {},
        },
        W47: {
            "consultations": {s["old"]: "訂正", s["c46"]: "遅延入力"},
            # Withdrawn on 11-18 and placed on 11-19: pipeline moves, not corrections. The need
            # entered on 11-24 but dated 11-20 is a row of W47 once entered.
            "needs": {s["old_need"]: "状況変更", s["n46"]: "状況変更", s["n47"]: "当週"},
            "referrals": {},
            "placements": {s["placement"]: "当週"},
        },
        W48: {
            "consultations": {},
            "needs": {s["old_need"]: "訂正", s["n47"]: "遅延入力"},
            "referrals": {s["late_referral"]: "当週"},
            "placements": {},
        },
    }
    id_headers = {
        "consultations": "相談ID",
        "needs": "ニーズID",
        "referrals": "紹介ID",
        "placements": "成約ID",
    }
    for week, files in expected.items():
        bundle = weekly_export(session, actors.manager01, week)
        found_kinds: Counter = Counter()
        for name, wanted in files.items():
            rows = kinds(bundle, f"{name}.csv", id_headers[name])
            assert {i: r["区分"] for i, r in rows.items()} == wanted, (week.label, name)
            found_kinds.update(r["区分"] for r in rows.values())
        for row in rows_of(bundle, "follow_ups.csv"):
            found_kinds[row["区分"]] += 1
        summary = next(r for r in rows_of(bundle, "summary.csv") if r["拠点コード"] == "01")
        assert int(summary["遅延入力・訂正（週）"]) == found_kinds["遅延入力"] + found_kinds["訂正"]
        assert int(summary["状況変更（週）"]) == found_kinds["状況変更"]
        assert found_kinds["訂正"] == {W46: 0, W47: 1, W48: 1}[week]


def test_a_pipeline_move_carries_its_date(session, actors, story):
    bundle = weekly_export(session, actors.manager01, W47)
    rows = kinds(bundle, "needs.csv", "ニーズID")
    withdrawn, placed = rows[story["n46"]], rows[story["old_need"]]
    assert (withdrawn["状況"], withdrawn["状況の日付"]) == ("取り下げ", "2026-11-18")
    assert placed["状況"] == "成約"
    # The role title corrected in W48 is today's value; the step's date stays 11-19.
    assert placed["状況の日付"] == "2026-11-19"
    english = weekly_export(session, actors.manager01, W47, headers="en")
    kinds_en = {r["id"]: r["entry_kind"] for r in rows_of(english, "needs.csv")}
    assert kinds_en[str(story["n46"])] == "status_change"
