"""The rules every path obeys, on the file import: a merged firm takes no record, a hub import
never chooses ids (a new installation's first day included), and the dry run is the real load,
so that what only the database refuses shows in the preview. On SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from crm.cli.common import operator_actor
from crm.csvio.importer import import_files
from crm.models import AuditLog, Company, Consultation
from crm.services import merge
from tests.csvio.helpers import csv_bytes
from tests.csvio.test_import_ids import INT_MAX, every_hub_still_writes
from tests.utils.factories import make_actors, make_company

D = dt.date


def _count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_merged_firm_takes_no_record_from_a_file(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        m = actors.manager01
        kept = make_company(session, m, name="山形精密株式会社")
        gone = make_company(session, m, name="米沢精機")
        session.commit()
        merge.merge_companies(
            session,
            m,
            keep_id=kept.id,
            keep_version=kept.version,
            merge_id=gone.id,
            merge_version=gone.version,
        )
        session.commit()
        report = import_files(
            session,
            m,
            [
                (
                    "consultations.csv",
                    csv_bytes(["企業ID,相談日,相談経路,相談内容", f"{gone.id},2026-04-10,visit,x"]),
                )
            ],
            dry_run=False,
        )
        [error] = report.errors
        assert (error.row, error.column) == (2, "企業ID")
        assert f"「山形精密株式会社」（企業ID {kept.id}）に統合されています" in error.reason
        session.rollback()
        edit = import_files(
            session,
            m,
            [
                (
                    "companies.csv",
                    csv_bytes(["企業ID,企業名,都道府県コード", f"{gone.id},米沢精機（改）,01"]),
                )
            ],
            dry_run=False,
        )
        assert [(e.row, e.column) for e in edit.errors] == [(2, "企業ID")]
        assert "統合されています" in edit.errors[0].reason
        session.rollback()
        assert _count(session, Consultation) == 0
        assert session.get(Company, gone.id).name == "米沢精機"


def test_the_first_days_hub_import_never_takes_an_id_from_the_file(any_engine):
    """On a database that holds no hub record yet, `crm import companies FILE --hub 06` with
    企業ID 2147483647 is refused by row and column (it was once taken as a restore, moving the
    PostgreSQL sequence to its end); every hub registers firms afterwards."""
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        session.commit()
        report = import_files(
            session,
            operator_actor("06"),
            [("companies.csv", csv_bytes(["企業ID,企業名,都道府県コード", f"{INT_MAX},x,06"]))],
            hub="06",
            dry_run=False,
        )
        assert [(e.row, e.column) for e in report.errors] == [(2, "企業ID")]
        assert "IDはデータベースが付けます" in report.errors[0].reason
        session.rollback()
        assert _count(session, Company) == 0
        every_hub_still_writes(session, actors, all_hubs=True)


@pytest.fixture
def one_consultation_a_day(any_engine):
    """A rule only the database knows: a unique index the application does not check."""
    with any_engine.begin() as connection:
        connection.execute(
            text("CREATE UNIQUE INDEX test_one_a_day ON consultation (company_id, consulted_on)")
        )
    return any_engine


def test_the_dry_run_shows_what_only_the_database_refuses(one_consultation_a_day):
    engine = one_consultation_a_day
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        firm = make_company(session, actors.manager01)
        session.commit()
        entries = _count(session, AuditLog)
        files = [
            (
                "consultations.csv",
                csv_bytes(
                    [
                        "企業ID,相談日,相談経路,相談内容",
                        f"{firm.id},2026-04-10,visit,午前の訪問",
                        f"{firm.id},2026-04-11,visit,翌日の訪問",
                        f"{firm.id},2026-04-10,visit,同じ日の再訪",
                    ]
                ),
            )
        ]
        preview = import_files(session, actors.manager01, files, dry_run=True)
        [error] = preview.errors
        assert (error.file, error.row) == ("consultations.csv", 4)
        assert "データベースが書き込みを受け付けませんでした" in error.reason
        assert not preview.written
        # The preview wrote nothing and the transaction goes on.
        assert (_count(session, Consultation), _count(session, AuditLog)) == (0, entries)
        run = import_files(session, actors.manager01, files, dry_run=False)
        assert [(e.file, e.row) for e in run.errors] == [(error.file, error.row)]
        session.rollback()
        assert _count(session, Consultation) == 0
