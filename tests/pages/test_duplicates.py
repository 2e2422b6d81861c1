"""Duplicate firms on the pages: the new-firm forms ask first; a firm page merges another."""

import datetime as dt

from sqlmodel import func, select

from crm.models import Company, Consultation, FollowUp
from crm.services import companies
from tests.pages.forms import fkey
from tests.pages.hub_helpers import message_under, submit
from tests.utils.factories import make_consultation

PAGE = "pages/companies.py"


def _count(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Company)).one()


def test_a_firm_like_a_registered_one_is_created_only_once_confirmed(open_page, session, actors):
    first = companies.create_company(
        session, actors.manager01, {"name": "株式会社山形ビルメンテナンス", "prefecture_code": "01"}
    )
    session.commit()
    at = open_page(actors.manager01, PAGE)
    at.text_input(key=fkey(at, "company_new", "name")).input("(株)山形ビルメンテナンス")
    submit(at, "企業を登録")
    assert not at.exception
    message = message_under(at, "company_new.name")
    assert message is not None and "同じ企業と思われる企業が登録されています" in message
    assert f"株式会社山形ビルメンテナンス（企業ID {first.id}・名称が同じ）" in message
    assert _count(session) == 1

    at.checkbox(key=fkey(at, "company_new", "allow_duplicate")).check()
    submit(at, "企業を登録")
    assert not at.exception
    assert _count(session) == 2


def test_the_consultation_forms_new_firm_asks_too(open_page, session, actors):
    companies.create_company(
        session, actors.manager01, {"name": "株式会社山形ビルメンテナンス", "prefecture_code": "01"}
    )
    session.commit()
    at = open_page(actors.manager01, "pages/consultations.py")
    at.radio(key="consult.mode").set_value("new").run()
    at.text_input(key=fkey(at, "consult", "company.name")).input("株式会社　山形　ビルメンテナンス")
    at.text_area(key=fkey(at, "consult", "summary")).input("社長と面談")
    submit(at, "相談を記録")
    assert not at.exception
    assert "同じ企業と思われる企業" in (message_under(at, "consult.company.name") or "")
    assert _count(session) == 1
    at.checkbox(key=fkey(at, "consult", "company.allow_duplicate")).check()
    submit(at, "相談を記録")
    assert not at.exception
    assert _count(session) == 2


def test_a_firm_page_merges_a_duplicate_and_the_old_link_opens_the_kept_firm(
    open_page, session, actors
):
    m = actors.manager01
    kept = companies.create_company(
        session, m, {"name": "株式会社山形ビル", "prefecture_code": "01"}
    )
    merged = companies.create_company(
        session, m, {"name": "(株)山形ビル", "prefecture_code": "01", "allow_duplicate": True}
    )
    make_consultation(session, m, kept, on=dt.date(2026, 4, 1))
    make_consultation(session, m, merged, on=dt.date(2026, 5, 1))
    session.commit()

    at = open_page(m, PAGE, query={"company": str(kept.id), "tab": "編集"})
    assert not at.exception
    source = at.selectbox(key=f"merge.{kept.id}.source")
    assert source.options[1].startswith("(株)山形ビル")  # the likely duplicate comes first
    source.set_value(merged.id).run()
    button = at.button(key=f"merge.{kept.id}.submit")
    assert button.disabled  # not before the confirmation
    at.checkbox(key=f"merge.{kept.id}.confirm").check().run()
    at.button(key=f"merge.{kept.id}.submit").click().run()
    assert not at.exception
    assert any("統合しました（移した記録: 相談 1件" in s.value for s in at.success)
    session.expire_all()
    assert session.get(Company, merged.id).merged_into == kept.id
    assert (
        session.exec(
            select(func.count()).select_from(Consultation).where(Consultation.company_id == kept.id)
        ).one()
        == 2
    )
    assert (
        session.exec(
            select(func.count()).select_from(FollowUp).where(FollowUp.company_id == merged.id)
        ).one()
        == 0
    )

    at = open_page(m, PAGE, query={"company": str(merged.id)})
    assert not at.exception
    assert at.title[0].value == "株式会社山形ビル"
    assert at.query_params["company"] == str(kept.id)
    assert any("この企業に統合されました" in i.value for i in at.info)
