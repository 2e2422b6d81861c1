"""Hub scoping and the rules of each hub-record service."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from crm.errors import NotFound, PermissionDenied, StaleVersion, ValidationError
from crm.models import AuditLog, Company, Consultation, NeedStatusChange
from crm.services import companies, consultations, followups, needs, placements
from crm.timeutil import today_jst
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)


def test_manager_of_hub_01_cannot_list_open_or_edit_hub_02(session, actors):
    theirs = make_company(session, actors.manager02, name="二拠点の会社")
    mine = make_company(session, actors.manager01, name="一拠点の会社")
    listed = companies.search_companies(session, actors.manager01)
    assert [c.id for c in listed] == [mine.id]
    with pytest.raises(PermissionDenied, match="他の拠点"):
        companies.get_company(session, actors.manager01, theirs.id)
    with pytest.raises(PermissionDenied):
        companies.update_company(
            session,
            actors.manager01,
            theirs.id,
            {"name": "乗っ取り", "prefecture_code": "02"},
            theirs.version,
        )
    with pytest.raises(PermissionDenied):
        make_consultation(session, actors.manager01, theirs)
    assert session.get(Company, theirs.id).name == "二拠点の会社"


def test_secretariat_reads_all_hubs_and_writes_none(session, actors):
    first = make_company(session, actors.manager01)
    second = make_company(session, actors.manager02)
    seen = {c.id for c in companies.search_companies(session, actors.secretariat)}
    assert seen == {first.id, second.id}
    with pytest.raises(PermissionDenied, match="閲覧のみ"):
        companies.update_company(
            session,
            actors.secretariat,
            first.id,
            {"name": "変更", "prefecture_code": "01"},
            first.version,
        )
    with pytest.raises(PermissionDenied):
        companies.create_company(
            session, actors.secretariat, {"name": "x", "prefecture_code": "01"}, hub_code="01"
        )


def test_missing_row_is_not_found(session, actors):
    with pytest.raises(NotFound, match="見つかりません"):
        companies.get_company(session, actors.manager01, 999)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", "", "必須項目です"),
        ("corporate_number", "7000012050003", "チェックデジット"),
        ("corporate_number", "12345", "13桁"),
        ("prefecture_code", "99", "都道府県"),
        ("employees", -3, "0以上"),
        ("industry", "Z", "産業分類"),
    ],
)
def test_company_validation_names_the_field(session, actors, field, value, reason):
    data = {"name": "株式会社ABC", "prefecture_code": "01", field: value}
    with pytest.raises(ValidationError) as error:
        companies.create_company(session, actors.manager01, data)
    assert reason in error.value.fields[field]
    assert session.exec(select(Company)).all() == []


def test_corporate_number_is_normalised_and_unique(session, actors):
    company = make_company(
        session, actors.manager01, corporate_number="７０００ ０１２０ ５０００２"
    )
    assert company.corporate_number == "7000012050002"
    with pytest.raises(ValidationError, match="既に登録"):
        make_company(session, actors.manager02, corporate_number="7000012050002")


def test_search_by_name_kana_and_corporate_number(session, actors):
    target = make_company(
        session,
        actors.manager01,
        name="山形精密株式会社",
        kana="ヤマガタセイミツ",
        corporate_number="7123456789012",
    )
    make_company(session, actors.manager01, name="別の会社")
    for query in ("精密", "ヤマガタ", "7123456789012", "７１２３４５６"):
        assert [c.id for c in companies.search_companies(session, actors.manager01, query)] == [
            target.id
        ]


def test_consultation_rejects_future_date_and_missing_company(session, actors):
    company = make_company(session, actors.manager01)
    tomorrow = today_jst() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        consultations.log_consultation(
            session,
            actors.manager01,
            {
                "company_id": company.id,
                "consulted_on": tomorrow,
                "channel": "visit",
                "summary": "x",
            },
        )
    assert "未来" in error.value.fields["consulted_on"]
    with pytest.raises(ValidationError) as error:
        consultations.log_consultation(
            session,
            actors.manager01,
            {"consulted_on": today_jst(), "channel": "visit", "summary": "x"},
        )
    assert "company_id" in error.value.fields
    assert session.exec(select(Consultation)).all() == []


def test_need_pipeline_referral_and_placement(session, actors):
    company = make_company(session, actors.manager01)
    consultation = make_consultation(session, actors.manager01, company, on=dt.date(2024, 4, 2))
    need = make_need(session, actors.manager01, consultation, headcount=2)
    partner = make_partner(session)
    needs.refer_need(
        session,
        actors.manager01,
        {"need_id": need.id, "partner_id": partner.id, "referred_on": dt.date(2024, 4, 10)},
    )
    assert needs.get_need(session, actors.manager01, need.id).status == "referred"
    make_placement(session, actors.manager01, need, on=dt.date(2024, 6, 1), partner_id=partner.id)
    assert needs.get_need(session, actors.manager01, need.id).status == "referred"  # 1 of 2
    make_placement(session, actors.manager01, need, on=dt.date(2024, 7, 1))
    need = needs.get_need(session, actors.manager01, need.id)
    assert need.status == "placed"
    history = needs.need_history(session, actors.manager01, need.id)
    assert [(h.from_status, h.to_status, h.changed_on) for h in history] == [
        (None, "open", dt.date(2024, 4, 2)),
        ("open", "referred", dt.date(2024, 4, 10)),
        ("referred", "placed", dt.date(2024, 7, 1)),
    ]
    due = followups.list_follow_ups(session, actors.manager01)
    # 90 days later, on a business day: 2024/09/29 is a Sunday.
    assert [f.due_on for f in due] == [dt.date(2024, 8, 30), dt.date(2024, 9, 30)]


def test_negative_headcount_and_bad_transition_are_refused(session, actors):
    company = make_company(session, actors.manager01)
    consultation = make_consultation(session, actors.manager01, company)
    with pytest.raises(ValidationError) as error:
        make_need(session, actors.manager01, consultation, headcount=-1)
    assert "1以上" in error.value.fields["headcount"]
    need = make_need(session, actors.manager01, consultation)
    needs.move_need(session, actors.manager01, need.id, "withdrawn", need.version)
    with pytest.raises(ValidationError, match="移せません"):
        needs.move_need(session, actors.manager01, need.id, "referred", need.version + 1)
    with pytest.raises(ValidationError, match="取り下げ"):
        make_placement(session, actors.manager01, need)


def test_stale_version_is_refused_with_what_changed(session, actors):
    company = make_company(session, actors.manager01, city="山形市")
    seen_version = company.version
    companies.update_company(
        session,
        actors.manager01,
        company.id,
        {"name": company.name, "prefecture_code": "01", "city": "米沢市"},
        seen_version,
    )
    with pytest.raises(StaleVersion) as error:
        companies.update_company(
            session,
            actors.manager01,
            company.id,
            {"name": "別名", "prefecture_code": "01", "city": "山形市"},
            seen_version,
        )
    assert error.value.changes["city"] == ("山形市", "米沢市")
    assert session.get(Company, company.id).name == company.name


def test_every_write_is_audited(session, actors):
    company = make_company(session, actors.manager01)
    consultation = make_consultation(session, actors.manager01, company)
    entries = session.exec(select(AuditLog).where(AuditLog.action == "create")).all()
    assert {(e.entity, e.entity_id) for e in entries} >= {
        ("company", str(company.id)),
        ("consultation", str(consultation.id)),
    }


def test_services_on_postgres_and_sqlite(any_engine):
    with Session(any_engine) as session:
        actors = make_actors(session)
        company = make_company(
            session, actors.manager01, name="山形精密株式会社", kana="ヤマガタセイミツ"
        )
        make_company(session, actors.manager01, name="米沢織物株式会社", kana="ヨネザワオリモノ")
        consultation = make_consultation(session, actors.manager01, company)
        need = make_need(session, actors.manager01, consultation)
        make_placement(session, actors.manager01, need)
        session.commit()
        # Hiragana finds the firm by its katakana reading, folded alike on both databases;
        # the hub's other firm does not match, and another hub's manager does not see it.
        found = companies.search_companies(session, actors.manager01, "やまがた")
        assert [c.id for c in found] == [company.id]
        assert companies.search_companies(session, actors.manager02, "やまがた") == []
        assert len(placements.list_placements(session, actors.manager01)) == 1
        assert placements.list_placements(session, actors.manager02) == []
        assert session.exec(select(NeedStatusChange)).all()
