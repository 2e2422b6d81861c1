"""Forms and CSV import refuse the same bad input with the same words for the same field.

Each case is one bad record, written once as the arguments of the form's service call and
once as a CSV row; the service must raise ``ValidationError`` and the import (dry run) must
list errors, and the two must be the same field -> reason mapping (the CSV's columns read back
as fields). The rules behind them live once, in ``crm.rules`` and the input models.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session

from crm.actor import Actor
from crm.csvio.columns import ENTITIES
from crm.csvio.importer import import_files
from crm.errors import ValidationError
from crm.models import Company, Consultation, Partner, Placement, TalentNeed
from crm.services import companies, consultations, followups, needs, placements
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

D = dt.date
FUTURE = "2099-01-01"


@dataclass
class World:
    m: Actor
    firm: Company
    other: Company
    firm02: Company
    consultation: Consultation
    need: TalentNeed  # open, opened 2025-04-05
    withdrawn: TalentNeed
    partner: Partner
    placed: TalentNeed  # opened 2025-04-01, placed 2025-05-01
    placement: Placement  # of ``firm``


@pytest.fixture
def world(session, actors) -> World:
    m = actors.manager01
    firm = make_company(session, m, corporate_number="7000012050002")
    other = make_company(session, m)
    firm02 = make_company(session, actors.manager02, corporate_number="7123456789012")
    consultation = make_consultation(session, m, firm, on=D(2025, 4, 1))
    need = make_need(session, m, consultation, opened_on=D(2025, 4, 5))
    withdrawn = make_need(session, m, consultation)
    withdrawn = needs.move_need(session, m, withdrawn.id, "withdrawn", withdrawn.version)
    partner = make_partner(session)
    placed = make_need(session, m, consultation)
    placement = make_placement(session, m, placed, on=D(2025, 5, 1))
    session.commit()
    placed = needs.get_need(session, m, placed.id)
    return World(m, firm, other, firm02, consultation, need, withdrawn, partner, placed, placement)


@dataclass(frozen=True)
class Case:
    name: str
    form: Callable[[Session, World], Any]  # the service call that must refuse
    file: str
    lines: Callable[[World], list[str]]  # header and one row
    field: str  # the field both refuse


def company(**values: Any) -> Callable[[Session, World], Any]:
    return lambda s, w: companies.create_company(
        s, w.m, {"name": "株式会社テスト", "prefecture_code": "01", **values}
    )


def consultation(**values: Any) -> Callable[[Session, World], Any]:
    return lambda s, w: consultations.log_consultation(
        s,
        w.m,
        {
            "company_id": w.firm.id,
            "consulted_on": D(2025, 4, 10),
            "channel": "visit",
            "summary": "面談",
            **values,
        },
    )


def need(**values: Any) -> Callable[[Session, World], Any]:
    return lambda s, w: needs.open_need(
        s,
        w.m,
        {
            "company_id": w.firm.id,
            "consultation_id": w.consultation.id,
            "category_id": 1,
            "engagement": "mid_career",
            "role_title": "工場長",
            "opened_on": D(2025, 4, 10),
            **{k: v(w) if callable(v) else v for k, v in values.items()},
        },
    )


def referral(need_of: Callable[[World], TalentNeed], **values: Any):
    return lambda s, w: needs.refer_need(
        s,
        w.m,
        {
            "need_id": need_of(w).id,
            "partner_id": w.partner.id,
            "referred_on": D(2025, 4, 20),
            **values,
        },
    )


def placement(need_of: Callable[[World], TalentNeed], **values: Any):
    return lambda s, w: placements.record_placement(
        s, w.m, {"need_id": need_of(w).id, "placed_on": D(2025, 5, 10), **values}
    )


def follow_up(**values: Any) -> Callable[[Session, World], Any]:
    return lambda s, w: followups.schedule_follow_up(
        s, w.m, {"due_on": D(2025, 6, 1), **{k: v(w) for k, v in values.items()}}
    )


CONSULTATION_HEADER = "企業ID,相談日,相談経路,相談内容,経営姿勢"
NEED_HEADER = "企業ID,相談ID,人材区分,雇用形態,役職・職種,人数,受付日"
NEED_UPDATE_HEADER = "ニーズID,企業ID,相談ID,人材区分,雇用形態,役職・職種,受付日,状況"


def need_row(w: World, need: TalentNeed, status: str, opened_on: str | None = None) -> list[str]:
    return [
        NEED_UPDATE_HEADER,
        f"{need.id},{need.company_id},{need.consultation_id},{need.category_id},"
        f"{need.engagement},{need.role_title},{opened_on or need.opened_on.isoformat()},{status}",
    ]


def edit_consultation(**values: Any) -> Callable[[Session, World], Any]:
    return lambda s, w: consultations.update_consultation(
        s,
        w.m,
        w.consultation.id,
        {
            "company_id": w.consultation.company_id,
            "consulted_on": w.consultation.consulted_on,
            "channel": w.consultation.channel,
            "summary": w.consultation.summary,
            **{k: v(w) if callable(v) else v for k, v in values.items()},
        },
        w.consultation.version,
    )


def consultation_row(w: World, company_id: int, consulted_on: str) -> list[str]:
    c = w.consultation
    return [
        "相談ID,企業ID,相談日,相談経路,相談内容",
        f"{c.id},{company_id},{consulted_on},{c.channel},{c.summary}",
    ]


CASES = [
    # firms
    Case(
        "company name missing",
        company(name=""),
        "companies.csv",
        lambda w: ["企業名,都道府県コード", ",01"],
        "name",
    ),
    Case(
        "corporate number check digit",
        company(corporate_number="7000012050003"),
        "companies.csv",
        lambda w: ["企業名,法人番号,都道府県コード", "株式会社テスト,7000012050003,01"],
        "corporate_number",
    ),
    Case(
        "corporate number too short",
        company(corporate_number="12345"),
        "companies.csv",
        lambda w: ["企業名,法人番号,都道府県コード", "株式会社テスト,12345,01"],
        "corporate_number",
    ),
    Case(
        "corporate number not digits",
        company(corporate_number="ABCDEFGHIJKLM"),
        "companies.csv",
        lambda w: ["企業名,法人番号,都道府県コード", "株式会社テスト,ABCDEFGHIJKLM,01"],
        "corporate_number",
    ),
    Case(
        "prefecture unknown",
        company(prefecture_code="99"),
        "companies.csv",
        lambda w: ["企業名,都道府県コード", "株式会社テスト,99"],
        "prefecture_code",
    ),
    Case(
        "industry unknown",
        company(industry="Z"),
        "companies.csv",
        lambda w: ["企業名,都道府県コード,業種", "株式会社テスト,01,Z"],
        "industry",
    ),
    Case(
        "employees negative",
        company(employees=-3),
        "companies.csv",
        lambda w: ["企業名,都道府県コード,従業員数", "株式会社テスト,01,-3"],
        "employees",
    ),
    Case(
        "employees not a number",
        company(employees="十人"),
        "companies.csv",
        lambda w: ["企業名,都道府県コード,従業員数", "株式会社テスト,01,十人"],
        "employees",
    ),
    Case(
        "corporate number of another hub's firm",
        company(corporate_number="7123456789012"),
        "companies.csv",
        lambda w: ["企業名,法人番号,都道府県コード", "株式会社テスト,7123456789012,01"],
        "corporate_number",
    ),
    Case(
        "corporate number of another firm of the hub",
        lambda s, w: companies.update_company(
            s,
            w.m,
            w.other.id,
            {"name": w.other.name, "prefecture_code": "01", "corporate_number": "7000012050002"},
            w.other.version,
        ),
        "companies.csv",
        lambda w: [
            "企業ID,企業名,法人番号,都道府県コード",
            f"{w.other.id},{w.other.name},7000012050002,01",
        ],
        "corporate_number",
    ),
    # consultations
    Case(
        "consultation in the future",
        consultation(consulted_on=D(2099, 1, 1)),
        "consultations.csv",
        lambda w: [CONSULTATION_HEADER, f"{w.firm.id},{FUTURE},企業訪問,面談,"],
        "consulted_on",
    ),
    Case(
        "consultation summary missing",
        consultation(summary=""),
        "consultations.csv",
        lambda w: [CONSULTATION_HEADER, f"{w.firm.id},2025-04-10,企業訪問,,"],
        "summary",
    ),
    Case(
        "consultation channel unknown",
        consultation(channel="電話"),
        "consultations.csv",
        lambda w: [CONSULTATION_HEADER, f"{w.firm.id},2025-04-10,電話,面談,"],
        "channel",
    ),
    Case(
        "consultation stance unknown",
        consultation(stance="不明"),
        "consultations.csv",
        lambda w: [CONSULTATION_HEADER, f"{w.firm.id},2025-04-10,企業訪問,面談,不明"],
        "stance",
    ),
    Case(
        "consultation moved to another firm under its needs",
        edit_consultation(company_id=lambda w: w.other.id),
        "consultations.csv",
        lambda w: consultation_row(w, w.other.id, "2025-04-01"),
        "company_id",
    ),
    Case(
        "consultation dated after the needs opened from it",
        edit_consultation(consulted_on=D(2025, 4, 20)),
        "consultations.csv",
        lambda w: consultation_row(w, w.firm.id, "2025-04-20"),
        "consulted_on",
    ),
    # needs
    Case(
        "need opened after its own placement",
        lambda s, w: needs.update_need(
            s,
            w.m,
            w.placed.id,
            {
                "category_id": w.placed.category_id,
                "engagement": w.placed.engagement,
                "role_title": w.placed.role_title,
                "opened_on": D(2025, 5, 10),
            },
            w.placed.version,
        ),
        "needs.csv",
        lambda w: need_row(w, w.placed, "成約", opened_on="2025-05-10"),
        "opened_on",
    ),
    Case(
        "need from another firm's consultation",
        need(company_id=lambda w: w.other.id),
        "needs.csv",
        lambda w: [NEED_HEADER, f"{w.other.id},{w.consultation.id},1,中途採用,工場長,1,2025-04-10"],
        "consultation_id",
    ),
    Case(
        "need opened before its consultation",
        need(opened_on=D(2025, 3, 1)),
        "needs.csv",
        lambda w: [NEED_HEADER, f"{w.firm.id},{w.consultation.id},1,中途採用,工場長,1,2025-03-01"],
        "opened_on",
    ),
    Case(
        "need headcount zero",
        need(headcount=0),
        "needs.csv",
        lambda w: [NEED_HEADER, f"{w.firm.id},{w.consultation.id},1,中途採用,工場長,0,2025-04-10"],
        "headcount",
    ),
    Case(
        "need engagement unknown",
        need(engagement="派遣"),
        "needs.csv",
        lambda w: [NEED_HEADER, f"{w.firm.id},{w.consultation.id},1,派遣,工場長,1,2025-04-10"],
        "engagement",
    ),
    Case(
        "need category unknown",
        need(category_id=999),
        "needs.csv",
        lambda w: [
            NEED_HEADER,
            f"{w.firm.id},{w.consultation.id},999,中途採用,工場長,1,2025-04-10",
        ],
        "category_id",
    ),
    Case(
        "need role missing",
        need(role_title=""),
        "needs.csv",
        lambda w: [NEED_HEADER, f"{w.firm.id},{w.consultation.id},1,中途採用,,1,2025-04-10"],
        "role_title",
    ),
    Case(
        "withdrawn need moved to referred",
        lambda s, w: needs.move_need(s, w.m, w.withdrawn.id, "referred", w.withdrawn.version),
        "needs.csv",
        lambda w: need_row(w, w.withdrawn, "紹介中"),
        "status",
    ),
    Case(
        "need moved to placed without a placement",
        lambda s, w: needs.move_need(s, w.m, w.need.id, "placed", w.need.version),
        "needs.csv",
        lambda w: need_row(w, w.need, "成約"),
        "status",
    ),
    # referrals
    Case(
        "referral before the need was opened",
        referral(lambda w: w.need, referred_on=D(2025, 4, 2)),
        "referrals.csv",
        lambda w: ["ニーズID,パートナーID,紹介日", f"{w.need.id},{w.partner.id},2025-04-02"],
        "referred_on",
    ),
    Case(
        "referral of a withdrawn need",
        referral(lambda w: w.withdrawn),
        "referrals.csv",
        lambda w: ["ニーズID,パートナーID,紹介日", f"{w.withdrawn.id},{w.partner.id},2025-04-20"],
        "need_id",
    ),
    Case(
        "referral to an unknown partner",
        referral(lambda w: w.need, partner_id=99999),
        "referrals.csv",
        lambda w: ["ニーズID,パートナーID,紹介日", f"{w.need.id},99999,2025-04-20"],
        "partner_id",
    ),
    Case(
        "referral outcome unknown",
        referral(lambda w: w.need, outcome="不明"),
        "referrals.csv",
        lambda w: [
            "ニーズID,パートナーID,紹介日,結果",
            f"{w.need.id},{w.partner.id},2025-04-20,不明",
        ],
        "outcome",
    ),
    # placements
    Case(
        "placement before the need was opened",
        placement(lambda w: w.need, placed_on=D(2025, 4, 1)),
        "placements.csv",
        lambda w: ["ニーズID,成約日", f"{w.need.id},2025-04-01"],
        "placed_on",
    ),
    Case(
        "placement of a withdrawn need",
        placement(lambda w: w.withdrawn),
        "placements.csv",
        lambda w: ["ニーズID,成約日", f"{w.withdrawn.id},2025-05-10"],
        "need_id",
    ),
    Case(
        "placement by an unknown partner",
        placement(lambda w: w.need, partner_id=99999),
        "placements.csv",
        lambda w: ["ニーズID,成約日,パートナーID", f"{w.need.id},2025-05-10,99999"],
        "partner_id",
    ),
    Case(
        "placement age band unknown",
        placement(lambda w: w.need, age_band="十代"),
        "placements.csv",
        lambda w: ["ニーズID,成約日,年齢層", f"{w.need.id},2025-05-10,十代"],
        "age_band",
    ),
    Case(
        "placement in the future",
        placement(lambda w: w.need, placed_on=D(2099, 1, 1)),
        "placements.csv",
        lambda w: ["ニーズID,成約日", f"{w.need.id},{FUTURE}"],
        "placed_on",
    ),
    # bounds at the boundary: dates, whole numbers, lengths, control characters
    Case(
        "consultation before the programme",
        consultation(consulted_on=D(2015, 3, 31)),
        "consultations.csv",
        lambda w: [CONSULTATION_HEADER, f"{w.firm.id},2015-03-31,企業訪問,面談,"],
        "consulted_on",
    ),
    Case(
        "consultation in year 1",
        consultation(consulted_on=D(1, 1, 1)),
        "consultations.csv",
        lambda w: [CONSULTATION_HEADER, f"{w.firm.id},0001-01-01,企業訪問,面談,"],
        "consulted_on",
    ),
    Case(
        "next action in year 9999",
        consultation(next_action_on=D(9999, 12, 31)),
        "consultations.csv",
        lambda w: [
            CONSULTATION_HEADER + ",次回予定日",
            f"{w.firm.id},2025-04-10,企業訪問,面談,,9999-12-31",
        ],
        "next_action_on",
    ),
    Case(
        "consultation summary of 100,000 characters",
        consultation(summary="あ" * 100_000),
        "consultations.csv",
        lambda w: [CONSULTATION_HEADER, f"{w.firm.id},2025-04-10,企業訪問,{'あ' * 100_000},"],
        "summary",
    ),
    Case(
        "company name with NUL",
        company(name="株式会社\x00テスト"),
        "companies.csv",
        lambda w: ["企業名,都道府県コード", "株式会社\x00テスト,01"],
        "name",
    ),
    Case(
        "company notes of 5,000 characters",
        company(notes="メ" * 5_000),
        "companies.csv",
        lambda w: ["企業名,都道府県コード,備考", f"株式会社テスト,01,{'メ' * 5_000}"],
        "notes",
    ),
    Case(
        "employees above a million",
        company(employees=2**63),
        "companies.csv",
        lambda w: ["企業名,都道府県コード,従業員数", f"株式会社テスト,01,{2**63}"],
        "employees",
    ),
    Case(
        "capital above its column",
        company(capital_jpy=10**20),
        "companies.csv",
        lambda w: ["企業名,都道府県コード,資本金（円）", f"株式会社テスト,01,{10**20}"],
        "capital_jpy",
    ),
    Case(
        "need headcount above a thousand",
        need(headcount=1_001),
        "needs.csv",
        lambda w: [
            NEED_HEADER,
            f"{w.firm.id},{w.consultation.id},1,中途採用,工場長,1001,2025-04-10",
        ],
        "headcount",
    ),
    Case(
        "follow-up due in year 9999",
        follow_up(company_id=lambda w: w.firm.id, due_on=lambda w: D(9999, 1, 1)),
        "follow_ups.csv",
        lambda w: ["企業ID,予定日", f"{w.firm.id},9999-01-01"],
        "due_on",
    ),
    # follow-ups
    Case(
        "follow-up without firm or placement",
        follow_up(),
        "follow_ups.csv",
        lambda w: ["予定日", "2025-06-01"],
        "company_id",
    ),
    Case(
        "follow-up done in the future",
        lambda s, w: followups.schedule_follow_up(
            s, w.m, {"company_id": w.firm.id, "due_on": D(2025, 6, 1), "done_on": D(2099, 1, 1)}
        ),
        "follow_ups.csv",
        lambda w: ["企業ID,予定日,実施日", f"{w.firm.id},2025-06-01,{FUTURE}"],
        "done_on",
    ),
    Case(
        "follow-up of another firm's placement",
        follow_up(company_id=lambda w: w.other.id, placement_id=lambda w: w.placement.id),
        "follow_ups.csv",
        lambda w: ["企業ID,成約ID,予定日", f"{w.other.id},{w.placement.id},2025-06-01"],
        "placement_id",
    ),
]

# CSV columns that carry a differently named input field.
COLUMN_FIELDS = {"category": "category_id"}


def csv_refusals(session: Session, w: World, case: Case) -> dict[str, str]:
    data = ("\r\n".join(case.lines(w)) + "\r\n").encode("utf-8-sig")
    report = import_files(session, w.m, [(case.file, data)], dry_run=True)
    spec = ENTITIES[case.file.removesuffix(".csv")]
    refused = {}
    for error in report.errors:
        assert (error.file, error.row) == (case.file, 2), error
        key = spec.header_index[error.column].key
        refused[COLUMN_FIELDS.get(key, key)] = error.reason
    return refused


def test_there_are_at_least_twenty_cases_over_every_kind_of_record():
    assert len(CASES) >= 47
    assert {case.file for case in CASES} == {
        "companies.csv",
        "consultations.csv",
        "needs.csv",
        "referrals.csv",
        "placements.csv",
        "follow_ups.csv",
    }


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_form_and_csv_refuse_alike(session, world, case):
    with pytest.raises(ValidationError) as refused:
        case.form(session, world)
    session.rollback()
    form = refused.value.fields
    assert case.field in form, form
    csv = csv_refusals(session, world, case)
    session.rollback()
    assert csv == form
