"""A merged firm takes no new or changed record on any service path (issue 23, item 4).

After firm B is merged into A, every service write of a record of B, or under B, is refused
with a message naming A, and writes nothing. Records under B after a merge come from paths
that did not check (an import, a form saved before this rule): they are put there directly.
"""

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import update
from sqlmodel import Session, func, select

from crm.errors import ValidationError
from crm.models import (
    AuditLog,
    Company,
    Consultation,
    Contact,
    FollowUp,
    Placement,
    Referral,
    TalentNeed,
)
from crm.services import (
    companies,
    consultations,
    followups,
    merge,
    needs,
    placements,
    today,
)
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

ON = dt.date(2026, 5, 1)


@pytest.fixture
def world(any_engine):
    """Hub 01: firm A kept, firm B merged into it; B's old records, moved to A by the merge,
    are put back under B (what a path that did not check would have left there)."""
    with Session(any_engine, expire_on_commit=False) as s:
        actors = make_actors(s)
        m = actors.manager01
        kept = make_company(s, m, name="山形ビルメンテナンス株式会社")
        merged = make_company(s, m, name="(株)山形ビルメン", allow_duplicate=True)
        consultation = make_consultation(s, m, merged, on=ON, next_action="再訪",
                                         next_action_on=ON + dt.timedelta(days=7))  # fmt: skip
        need = make_need(s, m, consultation, headcount=3)
        open_need = make_need(s, m, consultation, role_title="経理")
        partner = make_partner(s)
        referral = needs.refer_need(
            s, m, {"need_id": need.id, "partner_id": partner.id, "referred_on": ON}
        )
        placement = make_placement(s, m, need, on=ON + dt.timedelta(days=10))
        contact = companies.add_contact(s, m, merged.id, {"name": "山田 太郎"})
        follow_up = followups.schedule_follow_up(s, m, {"company_id": merged.id, "due_on": ON})
        s.commit()
        merge.merge_companies(
            s, m, keep_id=kept.id, keep_version=kept.version,
            merge_id=merged.id, merge_version=merged.version,
        )  # fmt: skip
        s.commit()
        for model in (Consultation, TalentNeed, Contact, Placement, FollowUp):
            s.execute(update(model).values(company_id=merged.id))
        s.commit()
        rows = {
            "consultation": consultation,
            "need": need,
            "open_need": open_need,
            "referral": referral,
            "placement": placement,
            "contact": contact,
            "follow_up": follow_up,
            "partner": partner,
        }
        for row in rows.values():
            s.refresh(row)
        s.refresh(kept)
        s.refresh(merged)
    return any_engine, actors, kept, merged, rows


def _message(merged: Company, kept: Company) -> str:
    return (
        f"企業「{merged.name}」は「{kept.name}」（企業ID {kept.id}）に統合されています。"
        "統合先の企業に記録してください。"
    )


def _fingerprint(s: Session) -> tuple:
    """Every row count and every version of the hub's records: what a refused write must not
    change."""
    counts = tuple(
        s.exec(select(func.count()).select_from(model)).one()
        for model in (
            Company, Consultation, TalentNeed, Referral, Placement, Contact, FollowUp, AuditLog,
        )
    )  # fmt: skip
    versions = tuple(
        tuple(s.exec(select(model.id, model.version).order_by(model.id)).all())  # type: ignore[attr-defined]
        for model in (Company, Consultation, TalentNeed, Referral, Placement, Contact, FollowUp)
    )
    return counts, versions


WRITES: dict[str, Callable] = {
    "update_company": lambda s, m, b, r: companies.update_company(
        s, m, b.id, {"name": b.name, "city": "酒田市", "prefecture_code": "01"}, b.version
    ),
    "add_contact": lambda s, m, b, r: companies.add_contact(s, m, b.id, {"name": "佐藤 花子"}),
    "update_contact": lambda s, m, b, r: companies.update_contact(
        s, m, r["contact"].id, {"name": "山田 次郎"}, r["contact"].version
    ),
    "log_consultation": lambda s, m, b, r: consultations.log_consultation(
        s, m, {"company_id": b.id, "consulted_on": ON, "channel": "visit", "summary": "面談"}
    ),
    "update_consultation": lambda s, m, b, r: consultations.update_consultation(
        s,
        m,
        r["consultation"].id,
        {"consulted_on": ON, "channel": "inbound", "summary": "電話で確認"},
        r["consultation"].version,
    ),  # fmt: skip
    "close_next_action": lambda s, m, b, r: today.close_next_action(
        s, m, r["consultation"].id, r["consultation"].version, done_on=ON
    ),
    "open_need": lambda s, m, b, r: needs.open_need(
        s,
        m,
        {
            "company_id": b.id,
            "category_id": 1,
            "engagement": "mid_career",
            "role_title": "工場長",
            "opened_on": ON,
        },
    ),  # fmt: skip
    "update_need": lambda s, m, b, r: needs.update_need(
        s,
        m,
        r["need"].id,
        {
            "category_id": 1,
            "engagement": "mid_career",
            "role_title": "営業部長（改）",
            "opened_on": ON,
            "headcount": 3,
        },
        r["need"].version,
    ),  # fmt: skip
    "move_need": lambda s, m, b, r: needs.move_need(
        s, m, r["open_need"].id, "withdrawn", r["open_need"].version, on=ON
    ),
    "refer_need": lambda s, m, b, r: needs.refer_need(
        s, m, {"need_id": r["open_need"].id, "partner_id": r["partner"].id, "referred_on": ON}
    ),
    "update_referral": lambda s, m, b, r: needs.update_referral(
        s, m, r["referral"].id, {"outcome": "candidates"}, r["referral"].version
    ),
    "record_placement": lambda s, m, b, r: placements.record_placement(
        s,
        m,
        {
            "need_id": r["need"].id,
            "placed_on": ON + dt.timedelta(days=20),
            "age_band": "30s",
            "salary_band": "6m_8m",
        },
    ),  # fmt: skip
    "update_placement": lambda s, m, b, r: placements.update_placement(
        s,
        m,
        r["placement"].id,
        {"placed_on": ON + dt.timedelta(days=10), "age_band": "50s", "salary_band": "6m_8m"},
        r["placement"].version,
    ),  # fmt: skip
    "schedule_follow_up": lambda s, m, b, r: followups.schedule_follow_up(
        s, m, {"company_id": b.id, "due_on": ON + dt.timedelta(days=30)}
    ),
    "schedule_follow_up_of_a_placement": lambda s, m, b, r: followups.schedule_follow_up(
        s, m, {"placement_id": r["placement"].id, "due_on": ON + dt.timedelta(days=30)}
    ),
    "complete_follow_up": lambda s, m, b, r: followups.complete_follow_up(
        s, m, r["follow_up"].id, r["follow_up"].version, done_on=ON
    ),
    "update_follow_up": lambda s, m, b, r: followups.update_follow_up(
        s, m, r["follow_up"].id, {"due_on": ON + dt.timedelta(days=40)}, r["follow_up"].version
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_of_or_under_a_merged_firm_is_refused_naming_the_kept_firm(world, write):
    engine, actors, kept, merged, rows = world
    with Session(engine, expire_on_commit=False) as s:
        before = _fingerprint(s)
        with pytest.raises(ValidationError) as refused:
            WRITES[write](s, actors.manager01, merged, rows)
        s.rollback()
        assert _message(merged, kept) in refused.value.fields.values()
        assert _fingerprint(s) == before


@pytest.mark.parametrize("write", list(WRITES))
def test_the_same_write_goes_through_once_the_records_are_on_the_kept_firm(world, write):
    """The control: with B's records moved to A (as the merge left them), each write above
    is accepted for A, so the refusal above is the merge's and nothing else's."""
    engine, actors, kept, merged, rows = world
    with Session(engine, expire_on_commit=False) as s:
        for model in (Consultation, TalentNeed, Contact, Placement, FollowUp):
            s.execute(update(model).values(company_id=kept.id))
        s.commit()
        fresh = {name: s.get(type(row), row.id) for name, row in rows.items()}
        WRITES[write](s, actors.manager01, s.get(Company, kept.id), fresh)
        s.commit()


def test_moving_a_consultation_onto_a_merged_firm_is_refused(world):
    engine, actors, kept, merged, _rows = world
    with Session(engine, expire_on_commit=False) as s:
        m = actors.manager01
        own = make_consultation(s, m, kept, on=ON)
        s.commit()
        with pytest.raises(ValidationError) as refused:
            consultations.update_consultation(
                s, m, own.id,
                {"company_id": merged.id, "consulted_on": ON, "channel": "visit",
                 "summary": "面談"},
                own.version,
            )  # fmt: skip
        s.rollback()
        assert refused.value.fields == {"company_id": _message(merged, kept)}
        assert s.get(Consultation, own.id).company_id == kept.id


def test_after_a_second_merge_the_message_names_where_the_records_live_now(world):
    """B into A, then A into C: B's refusal names C, where A's records went."""
    engine, actors, kept, merged, _rows = world
    with Session(engine, expire_on_commit=False) as s:
        m = actors.manager01
        final = make_company(s, m, name="庄内ビルサービス株式会社")
        kept = s.get(Company, kept.id)
        s.commit()
        merge.merge_companies(
            s, m, keep_id=final.id, keep_version=final.version,
            merge_id=kept.id, merge_version=kept.version,
        )  # fmt: skip
        s.commit()
        for firm in (s.get(Company, merged.id), s.get(Company, kept.id)):
            with pytest.raises(ValidationError) as refused:
                companies.add_contact(s, m, firm.id, {"name": "佐藤 花子"})
            s.rollback()
            assert refused.value.fields == {"company_id": _message(firm, final)}
