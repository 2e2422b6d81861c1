"""A click in a tab whose session has ended writes nothing, although the button's callback runs
before the entry script checks the session: the service refuses in its own transaction and the
page then shows the sign-in form with the reason."""

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from crm.actor import SYSTEM, actor_for
from crm.auth import sessions
from crm.auth.sessions import ENDED_MESSAGES
from crm.models import AuditLog, Consultation
from crm.services import users
from crm.timeutil import utcnow
from tests.pages.forms import fkey
from tests.pages.test_sign_in import PASSWORD, accounts, on_sign_in_page, signed_in_app  # noqa: F401
from tests.utils.factories import make_company


def consultations(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Consultation)).one()


def writes_after(engine, moment: dt.datetime) -> list[str]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(AuditLog.action).where(
                    AuditLog.at > moment, AuditLog.action.in_(["create", "update"])
                )
            ).all()
        )


@pytest.mark.parametrize("how", ["disabled", "elsewhere", "idle"])
def test_a_form_submitted_after_the_session_ended_writes_nothing(accounts, monkeypatch, how):  # noqa: F811
    monkeypatch.setenv("CRM_SESSION_IDLE_MINUTES", "20")
    with Session(accounts, expire_on_commit=False) as s:
        company = make_company(s, actor_for(users.get_user(s, "m01")), name="山形精密株式会社")
        s.commit()
    at = signed_in_app("m01")
    at.switch_page("pages/consultations.py").run()
    at.selectbox(key=fkey(at, "consult", "company_id")).select(company.id)
    at.text_area(key=fkey(at, "consult", "summary")).input("社長と面談。営業部長の採用を検討。")

    with Session(accounts) as s:  # meanwhile, in the CLI, on another device, or on the clock
        if how == "disabled":
            users.set_active(s, SYSTEM, "m01", False)
        elif how == "elsewhere":
            users.sign_out_everywhere(s, SYSTEM, "m01")
        s.commit()
    ended_at = utcnow()
    if how == "idle":  # 21 minutes pass before the click
        later = ended_at + dt.timedelta(minutes=21)
        monkeypatch.setattr(sessions, "utcnow", lambda: later)

    next(b for b in at.button if b.label == "相談を記録").click()
    at.run()
    assert not at.exception
    assert consultations(accounts) == 0
    assert writes_after(accounts, ended_at) == []
    assert on_sign_in_page(at)
    assert ENDED_MESSAGES[how] in [i.value for i in at.info]


def test_the_same_form_with_a_live_session_writes_once(accounts):  # noqa: F811
    with Session(accounts, expire_on_commit=False) as s:
        company = make_company(s, actor_for(users.get_user(s, "m01")), name="山形精密株式会社")
        s.commit()
    at = signed_in_app("m01")
    at.switch_page("pages/consultations.py").run()
    at.selectbox(key=fkey(at, "consult", "company_id")).select(company.id)
    at.text_area(key=fkey(at, "consult", "summary")).input("社長と面談。")
    next(b for b in at.button if b.label == "相談を記録").click()
    at.run()
    assert not at.exception
    assert consultations(accounts) == 1
    # The saved form is drawn afresh: new widgets, empty summary.
    assert at.text_area(key=fkey(at, "consult", "summary")).value == ""
