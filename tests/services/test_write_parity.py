"""One write layer: the same input through the services (what a form does) and through a file
import produces the same rows, the same need history, the same follow-up and the same kinds of
audit entry, for every kind of write: firm, contact, consultation, need, status move, referral
and its outcome, placement, follow-up. On SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from crm.csvio.importer import import_files
from crm.models import (
    AuditLog,
    Company,
    Consultation,
    Contact,
    FollowUp,
    NeedStatusChange,
    Placement,
    Referral,
    TalentNeed,
    table_of,
)
from crm.services import companies, consultations, followups, needs, placements
from tests.csvio.helpers import csv_bytes
from tests.utils.clock import pin_today
from tests.utils.factories import make_actors, make_partner

D = dt.date
TODAY = D(2026, 6, 15)
# Stamps differ by the moment each path ran; everything else must be equal.
STAMPS = {"created_at", "updated_at", "changed_at"}
TABLES = (
    Company,
    Contact,
    Consultation,
    TalentNeed,
    NeedStatusChange,
    Referral,
    Placement,
    FollowUp,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engines(request, tmp_path):
    """Two fresh databases of the same kind: one written by the services, one by imports."""
    if request.param == "sqlite":
        first = request.getfixturevalue("sqlite_engine")
        from tests.utils.databases import sqlite_copy

        template = request.getfixturevalue("sqlite_template")
        with sqlite_copy(template, tmp_path / "second.sqlite3") as second:
            yield first, second
    else:
        from tests.utils.databases import postgres_database

        template = request.getfixturevalue("postgres_template")
        first = request.getfixturevalue("postgres_engine")
        with postgres_database("crm_parity", template=template) as second:
            yield first, second


def _prepare(engine):
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        partner = make_partner(session)
        session.commit()
    return actors, partner.id


def _through_services(engine, monkeypatch) -> None:
    pin_today(monkeypatch, TODAY)
    actors, partner = _prepare(engine)
    m = actors.manager01
    with Session(engine, expire_on_commit=False) as s:
        firm = companies.create_company(
            s, m, {"name": "山形精密株式会社", "prefecture_code": "06", "employees": 120}
        )
        companies.add_contact(s, m, firm.id, {"name": "山田太郎", "email": "yamada@example.jp"})
        c = consultations.log_consultation(
            s,
            m,
            {
                "company_id": firm.id,
                "consulted_on": D(2026, 4, 10),
                "channel": "visit",
                "summary": "営業部長の採用",
            },
        )
        need = needs.open_need(
            s,
            m,
            {
                "company_id": firm.id,
                "consultation_id": c.id,
                "category_id": 1,
                "engagement": "mid_career",
                "role_title": "営業部長",
                "opened_on": D(2026, 4, 12),
            },
        )
        other = needs.open_need(
            s,
            m,
            {
                "company_id": firm.id,
                "consultation_id": c.id,
                "category_id": 2,
                "engagement": "side_job",
                "role_title": "経理",
                "opened_on": D(2026, 4, 12),
            },
        )
        needs.move_need(s, m, other.id, "withdrawn", other.version)
        referral = needs.refer_need(
            s, m, {"need_id": need.id, "partner_id": partner, "referred_on": D(2026, 4, 20)}
        )
        needs.update_referral(s, m, referral.id, {"outcome": "candidates"}, referral.version)
        placement = placements.record_placement(
            s, m, {"need_id": need.id, "placed_on": D(2026, 5, 20), "partner_id": partner}
        )
        [follow_up] = followups.list_follow_ups(s, m, company_id=firm.id)
        assert follow_up.placement_id == placement.id
        followups.complete_follow_up(s, m, follow_up.id, follow_up.version, notes="定着を確認")
        s.commit()


def _imported(session, actor, name: str, *lines: str) -> None:
    report = import_files(session, actor, [(name, csv_bytes(list(lines)))], dry_run=False)
    assert report.ok, report.errors
    session.commit()


def _through_imports(engine, monkeypatch) -> None:
    pin_today(monkeypatch, TODAY)
    actors, partner = _prepare(engine)
    m = actors.manager01
    with Session(engine, expire_on_commit=False) as s:
        _imported(
            s, m, "companies.csv", "企業名,都道府県コード,従業員数", "山形精密株式会社,06,120"
        )
        firm = s.exec(select(Company)).scalars().one()
        _imported(
            s,
            m,
            "contacts.csv",
            "企業ID,担当者名,メールアドレス",
            f"{firm.id},山田太郎,yamada@example.jp",
        )
        _imported(
            s,
            m,
            "consultations.csv",
            "企業ID,相談日,相談経路,相談内容",
            f"{firm.id},2026-04-10,visit,営業部長の採用",
        )
        c = s.exec(select(Consultation)).scalars().one()
        _imported(
            s,
            m,
            "needs.csv",
            "企業ID,相談ID,人材区分,採用形態,役職・職種,受付日",
            f"{firm.id},{c.id},1,mid_career,営業部長,2026-04-12",
            f"{firm.id},{c.id},2,side_job,経理,2026-04-12",
        )
        need, other = s.exec(select(TalentNeed).order_by(TalentNeed.id)).scalars().all()
        _imported(
            s,
            m,
            "needs.csv",
            "ニーズID,企業ID,相談ID,人材区分,採用形態,役職・職種,受付日,状況,版",
            f"{other.id},{firm.id},{c.id},2,side_job,経理,2026-04-12,withdrawn,{other.version}",
        )
        _imported(
            s, m, "referrals.csv", "ニーズID,パートナーID,紹介日", f"{need.id},{partner},2026-04-20"
        )
        referral = s.exec(select(Referral)).scalars().one()
        _imported(
            s,
            m,
            "referrals.csv",
            "紹介ID,ニーズID,パートナーID,紹介日,結果,版",
            f"{referral.id},{need.id},{partner},2026-04-20,candidates,{referral.version}",
        )
        _imported(
            s,
            m,
            "placements.csv",
            "ニーズID,成約日,パートナーID",
            f"{need.id},2026-05-20,{partner}",
        )
        follow_up = s.exec(select(FollowUp)).scalars().one()
        _imported(
            s,
            m,
            "follow_ups.csv",
            "フォローアップID,成約ID,予定日,実施日,備考,版",
            f"{follow_up.id},{follow_up.placement_id},{follow_up.due_on},{TODAY},定着を確認,"
            f"{follow_up.version}",
        )


def _rows(engine) -> dict[str, list[dict]]:
    with engine.connect() as connection:
        found = {}
        for model in TABLES:
            table = table_of(model)
            found[table.name] = [
                {k: v for k, v in row._mapping.items() if k not in STAMPS}
                for row in connection.execute(select(table).order_by(table.c.id))
            ]
        return found


def _audit_kinds(engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(AuditLog.action, AuditLog.entity, AuditLog.entity_id)
                .where(AuditLog.entity.in_([table_of(m).name for m in TABLES]))
                .where(AuditLog.action != "import")
                .order_by(AuditLog.entity, AuditLog.entity_id, AuditLog.id)
            )
        ]


def test_services_and_imports_write_the_same_rows_history_and_audit(engines, monkeypatch):
    by_service, by_import = engines
    _through_services(by_service, monkeypatch)
    _through_imports(by_import, monkeypatch)
    service_rows, import_rows = _rows(by_service), _rows(by_import)
    for name in service_rows:
        assert import_rows[name] == service_rows[name], name
    history = [
        (r["need_id"], r["from_status"], r["to_status"], r["changed_on"], r["note"])
        for r in service_rows["need_status_change"]
    ]
    need, other = (r["id"] for r in service_rows["talent_need"])
    assert history == [
        (need, None, "open", D(2026, 4, 12), None),
        (other, None, "open", D(2026, 4, 12), None),
        (other, "open", "withdrawn", TODAY, None),
        (need, "open", "referred", D(2026, 4, 20), "パートナーへ紹介"),
        (need, "referred", "placed", D(2026, 5, 20), "成約登録"),
    ]
    [follow_up] = service_rows["follow_up"]
    assert (follow_up["due_on"], follow_up["done_on"]) == (D(2026, 8, 18), TODAY)
    assert _audit_kinds(by_import) == _audit_kinds(by_service)
    with by_import.connect() as connection:
        imports = connection.execute(
            text("select count(*) from audit_log where action = 'import'")
        ).scalar_one()
    assert imports == 9  # and each import leaves its own summary entry
