"""A record's own change history from the audit trail (issue 25, item 5): who changed which
field from what to what, readable by whoever may read the record and by nobody else, shown
with the pages' words (terms, labels, names, dates with weekday), never codes or ids."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from crm.errors import PermissionDenied
from crm.models import AuditLog
from crm.presentation.history_text import history_lines
from crm.reference import NeedStatus
from crm.services import companies, needs
from crm.services.record_history import record_history
from tests.utils.factories import make_company, make_consultation, make_need, make_partner


@pytest.fixture
def firm(session: Session, actors):
    company = make_company(session, actors.manager01, name="山田製作所株式会社", industry="E")
    session.commit()
    changed = companies.update_company(
        session,
        actors.manager01,
        company.id,
        {"name": "山田製作所株式会社", "prefecture_code": "01", "industry": "I", "employees": 80},
        company.version,
    )
    companies.add_contact(session, actors.manager01, company.id, {"name": "山田 花子"})
    session.commit()
    return changed


def test_a_firm_shows_its_edits_and_its_contacts_newest_first(session, actors, firm):
    history = record_history(session, actors.manager01, "company", firm.id)
    assert [(e.entity, e.action) for e in history.entries] == [
        ("contact", "create"),
        ("company", "update"),
        ("company", "create"),
    ]
    # Independently: the audit rows of this firm and of its one contact.
    stored = session.exec(
        select(AuditLog).where(
            ((AuditLog.entity == "company") & (AuditLog.entity_id == str(firm.id)))
            | (AuditLog.entity == "contact")
        )
    ).all()
    assert history.total == len(stored) == 3
    update = history.entries[1]
    assert update.who == "manager01"
    assert update.changes["industry"] == ["E", "I"]
    assert update.changes["employees"] == [50, 80]


def test_the_lines_read_like_the_pages(session, actors, firm):
    lines = history_lines(record_history(session, actors.manager01, "company", firm.id))
    by_field = {line.field: line for line in lines if line.what == "更新"}
    assert (by_field["業種"].before, by_field["業種"].after) == ("製造業", "卸売業，小売業")
    assert (by_field["従業員数"].before, by_field["従業員数"].after) == ("50人", "80人")
    assert lines[0].what == "担当者を登録" and lines[0].after == "山田 花子"
    assert lines[-1].what == "登録" and lines[-1].after == "山田製作所株式会社"
    for line in lines:
        text = " ".join((line.at, line.who, line.what, line.field, line.before, line.after))
        assert "None" not in text and "industry" not in text and "T" not in line.at
        assert "（" in line.at  # 2026/12/07（月） 14:05: the weekday, Japan time


def test_only_those_who_may_read_the_record_read_its_history(session, actors, firm):
    assert record_history(session, actors.secretariat, "company", firm.id).total == 3
    assert record_history(session, actors.admin, "company", firm.id).total == 3
    with pytest.raises(PermissionDenied):
        record_history(session, actors.manager02, "company", firm.id)


def test_a_need_shows_its_steps_referrals_and_names_not_ids(session, actors):
    company = make_company(session, actors.manager01)
    need = make_need(
        session, actors.manager01, make_consultation(session, actors.manager01, company)
    )
    partner = make_partner(session, name="北海道人材バンク株式会社")
    session.commit()
    needs.refer_need(
        session,
        actors.manager01,
        {"need_id": need.id, "partner_id": partner.id, "referred_on": dt.date(2024, 5, 10)},
    )
    session.commit()
    history = record_history(session, actors.manager01, "talent_need", need.id)
    kinds = [e.entity for e in history.entries]
    assert "referral" in kinds and "talent_need" in kinds
    lines = history_lines(history)
    referral = next(line for line in lines if line.what == "紹介を登録")
    assert referral.after == "北海道人材バンク株式会社"
    step = next(line for line in lines if line.field == "状況")
    labels = NeedStatus.labels()
    assert (step.before, step.after) == (labels["open"], labels["referred"])
    with pytest.raises(PermissionDenied):
        record_history(session, actors.manager02, "talent_need", need.id)


def test_a_long_history_comes_a_page_at_a_time(session, actors, firm):
    version = firm.version
    for employees in range(81, 91):
        version = companies.update_company(
            session,
            actors.manager01,
            firm.id,
            {"name": firm.name, "prefecture_code": "01", "industry": "I", "employees": employees},
            version,
        ).version
    session.commit()
    first = record_history(session, actors.manager01, "company", firm.id, limit=5)
    rest = record_history(session, actors.manager01, "company", firm.id, offset=5, limit=50)
    assert first.total == rest.total == 13
    assert len(first.entries) == 5 and len(rest.entries) == 8
    assert first.entries[0].changes["employees"] == [89, 90]
