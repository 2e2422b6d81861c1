"""No lost updates: two sessions edit the same company; the second save is refused with what
changed, the first save stays, and the second person's typed input stays in their form."""

import pytest
from sqlmodel import Session, select

from crm.actor import actor_for
from crm.errors import StaleVersion
from crm.models import AuditLog, Company
from crm.services import companies, users
from tests.pages.forms import fkey
from tests.pages.hub_helpers import errors, submit
from tests.utils.factories import make_actors, make_company

# Every write these tests make (through the pages) leaves its audit entries.
pytestmark = pytest.mark.usefixtures("writes_are_audited")

PAGE = "pages/companies.py"


def test_two_browser_sessions_edit_the_same_company(open_page, session, actors):
    colleague = actor_for(
        users.create_user(
            session, actors.admin, username="manager01b", role="hub_manager", hub_code="01"
        )
    )
    company = make_company(session, actors.manager01, name="山形精密株式会社", city="山形市")
    session.commit()
    form = f"company_edit.{company.id}"
    first = open_page(actors.manager01, PAGE, query={"company": str(company.id), "tab": "編集"})
    second = open_page(colleague, PAGE, query={"company": str(company.id), "tab": "編集"})
    assert first.text_input(key=fkey(first, form, "city")).value == "山形市"
    assert second.text_input(key=fkey(second, form, "city")).value == "山形市"

    first.text_input(key=fkey(first, form, "city")).input("米沢市")
    submit(first, "変更を保存")
    assert not first.exception and not errors(first)

    second.text_input(key=fkey(second, form, "name")).input("山形精密工業株式会社")
    second.text_area(key=fkey(second, form, "notes")).input("社長と面談予定")
    submit(second, "変更を保存")
    assert not second.exception
    assert any("他の利用者がこの記録を先に更新しました" in e for e in errors(second))
    [table] = [t.value for t in second.table if "現在の値" in t.value.columns]
    assert list(table["現在の値"]) == ["米沢市"]

    session.expire_all()
    saved = session.get(Company, company.id)
    assert (saved.name, saved.city, saved.notes, saved.version) == (
        "山形精密株式会社",
        "米沢市",
        None,
        2,
    )  # the first save stands, nothing of the second
    assert second.text_input(key=fkey(second, form, "name")).value == "山形精密工業株式会社"
    assert second.text_area(key=fkey(second, form, "notes")).value == "社長と面談予定"

    updates = session.exec(
        select(AuditLog.username, AuditLog.changes).where(
            AuditLog.entity == "company", AuditLog.action == "update"
        )
    ).all()
    assert updates == [("manager01", '{"city": ["山形市", "米沢市"]}')]


def test_two_database_sessions_saving_at_once_cannot_both_win(any_engine):
    """The UPDATE itself checks the version: two transactions that read the same version both
    try to write, and exactly one succeeds (SQLite, and PostgreSQL when configured)."""
    with Session(any_engine, expire_on_commit=False) as setup:
        actors = make_actors(setup)
        company = make_company(setup, actors.manager01, city="山形市")
        setup.commit()
    data = {"name": company.name, "prefecture_code": "01", "industry": "E", "employees": 50}
    with Session(any_engine) as one, Session(any_engine) as two:
        seen = one.get(Company, company.id).version
        assert two.get(Company, company.id).version == seen
        companies.update_company(
            one, actors.manager01, company.id, {**data, "city": "米沢市"}, seen
        )
        one.commit()
        try:
            companies.update_company(
                two, actors.manager01, company.id, {**data, "city": "酒田市"}, seen
            )
            two.commit()
            outcome = "saved"
        except StaleVersion as error:
            two.rollback()
            outcome = error.changes
    assert outcome == {"city": ("山形市", "米沢市")}
    with Session(any_engine) as check:
        assert check.get(Company, company.id).city == "米沢市"
