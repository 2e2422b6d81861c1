"""A field added by its declaration alone (a firm's 売上高帯, crm.entities.company): it is
validated on every path, written at the end of companies.csv and read back, shown on the firm
form, and audited, with no other code changed."""

import pytest
from sqlmodel import Session, select

from crm.csvio.columns import COMPANIES
from crm.csvio.export import full_export
from crm.csvio.importer import import_files
from crm.errors import ValidationError
from crm.models import AuditLog, Company
from crm.services import companies
from tests.csvio.helpers import csv_bytes, file_of
from tests.utils.factories import make_actors


def test_a_firms_sales_band_is_declared_once_and_every_path_follows(any_engine):
    assert COMPANIES.columns[-1].key == "sales_band"  # appended: the published order holds
    assert COMPANIES.columns[-1].ja == "売上高帯"
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        m = actors.manager01
        firm = companies.create_company(
            session,
            m,
            {"name": "山形精密株式会社", "prefecture_code": "06", "sales_band": "10億〜50億円"},
        )
        assert firm.sales_band == "1b_5b"  # the label typed, the code stored
        with pytest.raises(ValidationError) as refused:
            companies.create_company(
                session, m, {"name": "米沢精機", "prefecture_code": "06", "sales_band": "大きい"}
            )
        assert "sales_band" in refused.value.fields
        session.commit()
        [audit] = session.exec(select(AuditLog.changes).where(AuditLog.entity == "company")).all()
        assert '"sales_band": [null, "1b_5b"]' in audit
        exported = file_of(full_export(session, m, hub="01"), "companies.csv").data
        header, row = exported.decode("utf-8-sig").splitlines()[:2]
        assert header.endswith(",売上高帯") and row.endswith(",10億〜50億円")
        session.rollback()
        changed = exported.replace("10億〜50億円".encode(), "100億円以上".encode())
        report = import_files(session, m, [("companies.csv", changed)], dry_run=False)
        assert report.ok, report.errors
        session.commit()
        assert session.get(Company, firm.id).sales_band == "10b_plus"
        bad = import_files(
            session,
            m,
            [("companies.csv", csv_bytes(["企業名,都道府県コード,売上高帯", "x,01,たくさん"]))],
            dry_run=True,
        )
        assert [(e.row, e.column) for e in bad.errors] == [(2, "売上高帯")]


def test_the_firm_form_draws_the_new_field_from_its_declaration():
    from ui.firm_form import FIRM, labels

    assert "sales_band" in FIRM.names
    assert "売上高帯" in labels().values()
