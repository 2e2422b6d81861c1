"""Imports are as safe as forms: ids come from the database, a file id that names no record of
the hub is refused for its row, nothing moves a sequence, a restore into an empty database
keeps ids narrowly, and an update carries its version in the UPDATE itself."""

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from crm.cli.common import operator_actor
from crm.csvio.export import full_export
from crm.csvio.importer import ImportConflict, import_files
from crm.errors import CrmError, PermissionDenied, StaleVersion
from crm.models import AuditLog, Company, Consultation, FollowUp, Placement, TalentNeed
from crm.services import companies, consultations, needs
from crm.services.reference_data import list_hubs
from tests.csvio.helpers import csv_bytes, file_of
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_partner,
)

D = dt.date
INT_MAX = 2_147_483_647


def company_file(*rows: str) -> list[tuple[str, bytes]]:
    return [("companies.csv", csv_bytes(["企業ID,企業名,都道府県コード", *rows]))]


def every_hub_still_writes(session: Session, actors, all_hubs: bool = False) -> None:
    """Hub managers (or, with ``all_hubs``, every active hub's operator) register a firm through
    the service and import a new row; ids stay small."""
    writers = [actors.manager01, actors.manager02]
    if all_hubs:
        writers += [operator_actor(hub.code) for hub in list_hubs(session)]
    for number, actor in enumerate(writers):
        firm = companies.create_company(
            session, actor, {"name": f"フォーム登録{number}号株式会社", "prefecture_code": "01"}
        )
        report = import_files(
            session,
            actor,
            [
                (
                    "consultations.csv",
                    csv_bytes(
                        [
                            "企業ID,相談日,相談経路,相談内容",
                            f"{firm.id},2025-01-06,企業訪問,取込の新しい行",
                        ]
                    ),
                )
            ],
            dry_run=False,
        )
        assert report.ok, report.errors
        session.commit()
    assert session.exec(select(func.max(Company.id))).one() < 200
    assert session.exec(select(func.max(Consultation.id))).one() < 200


@pytest.mark.parametrize("file_id", [INT_MAX, 2**63 - 1, INT_MAX + 1, 2**64, 0, -5, 950])
def test_an_id_that_names_no_record_is_refused_for_its_row(any_engine, file_id):
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        mine = make_company(session, actors.manager01, name="既存の会社")
        session.commit()
        files = company_file(f"{mine.id},既存の会社（更新）,01", f"{file_id},大きなIDの会社,01")
        report = import_files(session, actors.manager01, files, dry_run=False)
        assert [(e.file, e.row, e.column) for e in report.errors] == [
            ("companies.csv", 3, "企業ID")
        ]
        reason = report.errors[0].reason
        if 1 <= file_id <= INT_MAX:
            assert reason == (
                f"ID {file_id} の企業はありません。新しい行はIDを空欄にしてください"
                "（IDはデータベースが付けます）"
            )
        else:
            assert reason == f"IDは1以上{INT_MAX}以下の整数です"
        assert not report.written
        session.rollback()
        # A reference to such an id is refused too, and nothing was written.
        refused = import_files(
            session,
            actors.manager01,
            [
                (
                    "consultations.csv",
                    csv_bytes(
                        ["企業ID,相談日,相談経路,相談内容", f"{file_id},2025-01-06,電話相談,x"]
                    ),
                )
            ],
            dry_run=False,
        )
        assert [(e.row, e.column) for e in refused.errors][:1] == [(2, "企業ID")]
        session.rollback()
        assert session.exec(select(func.count()).select_from(Company)).one() == 1
        every_hub_still_writes(session, actors, all_hubs=file_id in (INT_MAX, 2**63 - 1))


def test_file_ids_of_a_bundle_are_local_keys_and_never_reach_the_database(any_engine):
    """needs.csv naming a firm created by companies.csv of the same import, with an id at the
    very top of the range: the database gives both records ordinary ids; sequences stay put."""
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        session.commit()
        files = [
            *company_file(f"{INT_MAX},新しい会社,01"),
            (
                "consultations.csv",
                csv_bytes(
                    [
                        "相談ID,企業ID,相談日,相談経路,相談内容",
                        f"{INT_MAX - 1},{INT_MAX},2025-02-03,企業訪問,初回",
                    ]
                ),
            ),
            (
                "needs.csv",
                csv_bytes(
                    [
                        "企業ID,相談ID,人材区分,雇用形態,役職・職種,受付日",
                        f"{INT_MAX},{INT_MAX - 1},経営人材,中途採用,工場長,2025-02-10",
                    ]
                ),
            ),
        ]
        report = import_files(session, actors.manager01, files, dry_run=False)
        assert report.ok, report.errors
        session.commit()
        firm = session.exec(select(Company)).one()
        consultation = session.exec(select(Consultation)).one()
        need = session.exec(select(TalentNeed)).one()
        assert firm.id < 100 and consultation.id < 100
        assert (consultation.company_id, need.company_id, need.consultation_id) == (
            firm.id,
            firm.id,
            consultation.id,
        )
        # The same bundle again: the rows are recognised by their content, nothing new.
        again = import_files(session, actors.manager01, files, dry_run=False)
        assert again.ok, again.errors
        assert set(again.totals()) == {"unchanged"}
        session.commit()
        every_hub_still_writes(session, actors)


def test_a_restore_into_an_empty_database_keeps_ids_once(any_engine):
    """The shell operator restoring an export into a database without hub records keeps the
    ids, sets the sequences once; later forms continue after them. Once the database holds
    records, the same operator's unknown ids are refused like anyone's."""
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        session.commit()
        operator = operator_actor("01")
        restored = import_files(
            session,
            operator,
            company_file("900,復元した会社,01", f"{INT_MAX + 1},範囲外の会社,01"),
            dry_run=False,
            restore=True,
        )
        assert [(e.row, e.reason) for e in restored.errors] == [
            (3, f"IDは1以上{INT_MAX}以下の整数です")
        ]
        session.rollback()
        restored = import_files(
            session, operator, company_file("900,復元した会社,01"), dry_run=False, restore=True
        )
        assert restored.ok, restored.errors
        session.commit()
        assert session.get(Company, 900).name == "復元した会社"
        made = make_company(session, actors.manager01)
        assert made.id == 901
        session.commit()
        later = import_files(session, operator, company_file("5000,後から,01"), dry_run=False)
        assert [(e.row, e.column) for e in later.errors] == [(2, "企業ID")]
        assert "新しい行はIDを空欄に" in later.errors[0].reason
        session.rollback()
        # A restore is refused once the database holds records.
        with pytest.raises(CrmError, match="IDを保ったまま復元できません"):
            import_files(
                session, operator, company_file("5000,後から,01"), dry_run=False, restore=True
            )
        session.rollback()
        # A hub manager never restores, even into an empty hub.
        mine = import_files(session, actors.manager02, company_file("7000,x,01"), dry_run=True)
        assert [(e.row, e.column) for e in mine.errors] == [(2, "企業ID")]
        with pytest.raises(PermissionDenied):
            import_files(
                session, actors.manager02, company_file("7000,x,01"), dry_run=True, restore=True
            )


# --- an import and a form saving the same record --------------------------------------------------


def _exported_companies(session, actor, old: str, new: str) -> bytes:
    data = file_of(full_export(session, actor), "companies.csv").data
    return data.replace(old.encode(), new.encode())


def test_a_form_saving_after_the_imports_check_makes_the_import_write_nothing(any_engine):
    """The import validated the row at version 1; a colleague's form then saves version 2; the
    import's UPDATE (still expecting version 1) matches no row: the import is refused as a
    whole with the file, row and the colleague's change, and the colleague's save stands."""
    with Session(any_engine, expire_on_commit=False) as setup:
        actors = make_actors(setup)
        firm = make_company(setup, actors.manager01, name="元の社名", city="山形市")
        other = make_company(setup, actors.manager01, name="別の会社")
        setup.commit()
    with Session(any_engine, expire_on_commit=False) as importing:
        data = _exported_companies(importing, actors.manager01, "元の社名", "取込の社名")
        data = data.replace("別の会社".encode(), "別の会社（取込）".encode())
        importing.rollback()
        before_audit = importing.exec(select(func.count()).select_from(AuditLog)).one()

        def colleague_saves(share: float, text: str) -> None:
            if not text.startswith("検証が終わりました"):
                return
            with Session(any_engine, expire_on_commit=False) as form:
                companies.update_company(
                    form,
                    actors.manager01,
                    firm.id,
                    {"name": "フォームの社名", "prefecture_code": "01", "city": "米沢市"},
                    1,
                )
                form.commit()

        with pytest.raises(ImportConflict) as conflict:
            import_files(
                importing,
                actors.manager01,
                [("companies.csv", data)],
                dry_run=False,
                progress=colleague_saves,
            )
        importing.rollback()
    errors = conflict.value.report.errors
    assert [(e.file, e.column) for e in errors] == [("companies.csv", "版")]
    row = next(
        i
        for i, line in enumerate(data.decode("utf-8-sig").split("\r\n"), 1)
        if "取込の社名" in line
    )
    assert errors[0].row == row
    assert "版 1 → 2" in errors[0].reason
    assert "企業名: 「元の社名」 → 「フォームの社名」" in errors[0].reason
    assert "市区町村: 「山形市」 → 「米沢市」" in errors[0].reason
    assert "companies.csv" in str(conflict.value)
    with Session(any_engine) as check:
        stored = {c.id: (c.name, c.city, c.version) for c in check.exec(select(Company))}
        assert stored == {
            firm.id: ("フォームの社名", "米沢市", 2),
            other.id: ("別の会社", None, 1),  # the import's other row is not written either
        }
        audit = check.exec(select(AuditLog.action).order_by(AuditLog.id)).all()
        assert audit[before_audit:] == ["update"]  # the form's; no import entry


def test_an_import_committed_first_makes_the_stale_form_refuse(any_engine):
    with Session(any_engine, expire_on_commit=False) as setup:
        actors = make_actors(setup)
        firm = make_company(setup, actors.manager01, name="元の社名")
        setup.commit()
    with Session(any_engine, expire_on_commit=False) as form:
        seen_version = companies.get_company(form, actors.manager01, firm.id).version
        form.rollback()
        with Session(any_engine, expire_on_commit=False) as importing:
            data = _exported_companies(importing, actors.manager01, "元の社名", "取込の社名")
            report = import_files(
                importing, actors.manager01, [("companies.csv", data)], dry_run=False
            )
            assert report.ok, report.errors
            importing.commit()
        with pytest.raises(StaleVersion) as stale:
            companies.update_company(
                form,
                actors.manager01,
                firm.id,
                {"name": "フォームの社名", "prefecture_code": "01"},
                seen_version,
            )
        form.rollback()
    assert stale.value.current_version == 2
    with Session(any_engine) as check:
        assert (check.get(Company, firm.id).name, check.get(Company, firm.id).version) == (
            "取込の社名",
            2,
        )


def test_a_need_moved_by_a_form_while_a_placement_is_imported(any_engine):
    """The need a new placement fills moves only if it is still the need the import checked."""
    with Session(any_engine, expire_on_commit=False) as setup:
        actors = make_actors(setup)
        m = actors.manager01
        need = make_need(
            setup, m, make_consultation(setup, m, make_company(setup, m), on=D(2025, 4, 1))
        )
        make_partner(setup)
        setup.commit()
    data = csv_bytes(["ニーズID,成約日", f"{need.id},2025-05-01"])

    def colleague_edits(share: float, text: str) -> None:
        if text.startswith("検証が終わりました"):
            with Session(any_engine, expire_on_commit=False) as form:
                needs.update_need(
                    form,
                    m,
                    need.id,
                    {
                        "category_id": need.category_id,
                        "engagement": need.engagement,
                        "role_title": "工場長",
                        "opened_on": need.opened_on,
                    },
                    need.version,
                )
                form.commit()

    with Session(any_engine, expire_on_commit=False) as importing:
        with pytest.raises(ImportConflict) as conflict:
            import_files(
                importing, m, [("placements.csv", data)], dry_run=False, progress=colleague_edits
            )
        importing.rollback()
    assert [(e.file, e.row, e.column) for e in conflict.value.report.errors] == [
        ("placements.csv", 2, "ニーズID")
    ]
    with Session(any_engine) as check:
        stored = check.get(TalentNeed, need.id)
        assert (stored.role_title, stored.status, stored.version) == ("工場長", "open", 2)
        assert check.exec(select(func.count()).select_from(Placement)).one() == 0
        assert check.exec(select(func.count()).select_from(FollowUp)).one() == 0


def test_consultations_service_still_creates_after_a_refused_import(any_engine):
    """A refused import of an id at the top of SQLite's range leaves the next insert working."""
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        firm = make_company(session, actors.manager01)
        session.commit()
        report = import_files(
            session,
            actors.manager01,
            [
                (
                    "consultations.csv",
                    csv_bytes(
                        [
                            "相談ID,企業ID,相談日,相談経路,相談内容",
                            f"{2**63 - 1},{firm.id},2025-01-06,企業訪問,x",
                        ]
                    ),
                )
            ],
            dry_run=False,
        )
        assert not report.ok
        session.rollback()
        made = consultations.log_consultation(
            session,
            actors.manager01,
            {
                "company_id": firm.id,
                "consulted_on": D(2025, 1, 8),
                "channel": "visit",
                "summary": "y",
            },
        )
        session.commit()
        assert made.id == 1
