"""The services re-check the actor's session in the transaction of every write and every read
of hub data: an account disabled, signed out everywhere or idle past the limit writes nothing,
whichever path (form callback, importer, user administration) the click takes."""

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from crm.actor import SYSTEM, Actor
from crm.auth import sessions
from crm.auth.sessions import SessionEnded
from crm.csvio.importer import import_files
from crm.models import AuditLog, Company, Consultation, UserAccount
from crm.services import companies, consultations, users
from crm.timeutil import utcnow
from tests.utils.factories import make_company

# Just past the idle limit (CRM_SESSION_IDLE_MINUTES).
IDLE_PLUS = sessions.idle_limit().total_seconds() / 60 + 1
SUMMARY = {"consulted_on": dt.date(2024, 5, 1), "channel": "visit", "summary": "面談"}


def signed_in(session: Session, actor: Actor, *, minutes_ago: float = 0) -> Actor:
    """The actor as a browser session that signed in (or last interacted) ``minutes_ago``."""
    user = session.get(UserAccount, actor.user_id)
    assert user is not None
    ticket = sessions.new_ticket(
        actor, user.session_epoch, "password", utcnow() - dt.timedelta(minutes=minutes_ago)
    )
    return replace(actor, ticket=ticket)


def end(session: Session, how: str, actor: Actor) -> None:
    """End the actor's sessions the way an administrator, the user or the clock would."""
    if how == "disabled":
        users.set_active(session, SYSTEM, actor.username, False)
    elif how == "elsewhere":
        users.sign_out_everywhere(session, SYSTEM, actor.username)
    session.commit()


def counts(session: Session) -> tuple[int, int, int]:
    return (
        session.exec(select(func.count()).select_from(Consultation)).one(),
        session.exec(select(func.count()).select_from(Company)).one(),
        session.exec(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "create")
        ).one(),
    )


@pytest.mark.parametrize("how", ["disabled", "elsewhere", "idle"])
def test_an_ended_session_writes_nothing(engine, actors, how):
    with Session(engine, expire_on_commit=False) as session:
        company = make_company(session, actors.manager01)
        session.commit()
        browser = signed_in(
            session, actors.manager01, minutes_ago=IDLE_PLUS if how == "idle" else 1
        )
        end(session, how, actors.manager01)
        before = counts(session)
    with Session(engine) as session:
        with pytest.raises(SessionEnded) as refused:
            consultations.log_consultation(session, browser, {"company_id": company.id, **SUMMARY})
        session.rollback()
        assert refused.value.reason == how
        assert str(refused.value) == sessions.ENDED_MESSAGES[how]
        assert counts(session) == before


@pytest.mark.parametrize("how", ["disabled", "elsewhere", "idle"])
def test_an_ended_session_reads_no_hub_data(engine, actors, how):
    with Session(engine, expire_on_commit=False) as session:
        company = make_company(session, actors.manager01)
        session.commit()
        live = signed_in(session, actors.manager01, minutes_ago=1)
        assert [c.id for c in companies.search_companies(session, live)] == [company.id]
        browser = signed_in(
            session, actors.manager01, minutes_ago=IDLE_PLUS if how == "idle" else 1
        )
        end(session, how, actors.manager01)
    with Session(engine) as session:
        with pytest.raises(SessionEnded):
            companies.search_companies(session, browser)  # a scoped list
    with Session(engine) as session:
        with pytest.raises(SessionEnded):
            companies.get_company(session, browser, company.id)  # one record


def test_a_live_session_and_an_operator_pass(engine, actors):
    with Session(engine, expire_on_commit=False) as session:
        company = make_company(session, actors.manager01)
        browser = signed_in(session, actors.manager01, minutes_ago=IDLE_PLUS - 2)
        consultations.log_consultation(session, browser, {"company_id": company.id, **SUMMARY})
        session.commit()
        assert counts(session)[0] == 1


def test_an_edit_from_an_open_tab_after_disable_is_not_written(engine, actors):
    with Session(engine, expire_on_commit=False) as session:
        company = make_company(session, actors.manager01)
        session.commit()
        browser = signed_in(session, actors.manager01)
        end(session, "disabled", actors.manager01)
        disabled_at = utcnow()
    with Session(engine) as session:
        with pytest.raises(SessionEnded):
            companies.update_company(
                session, browser, company.id, {"name": company.name, "city": "天童市"}, 1
            )
        session.rollback()
        updates = session.exec(
            select(AuditLog).where(AuditLog.action == "update", AuditLog.at > disabled_at)
        ).all()
        assert updates == []
        assert session.get(Company, company.id).city != "天童市"


def test_a_disabled_administrator_cannot_create_an_administrator(engine, actors):
    with Session(engine, expire_on_commit=False) as session:
        users.create_user(
            session, SYSTEM, username="admin2", role="admin", display_name="二人目の管理者"
        )
        admin = signed_in(session, actors.admin)
        end(session, "disabled", actors.admin)
    with Session(engine) as session:
        with pytest.raises(SessionEnded):
            users.create_user(
                session, admin, username="intruder", role="admin", display_name="侵入者"
            )
        session.rollback()
        assert (
            session.exec(select(UserAccount).where(UserAccount.username == "intruder")).first()
            is None
        )


def test_the_importer_checks_the_session_too(engine, actors):
    with Session(engine, expire_on_commit=False) as session:
        browser = signed_in(session, actors.manager01)
        end(session, "elsewhere", actors.manager01)
    csv = "企業名,都道府県コード\n取込工業株式会社,01\n".encode()
    with Session(engine) as session:
        with pytest.raises(SessionEnded):
            import_files(session, browser, [("companies.csv", csv)], hub="01", dry_run=False)
        session.rollback()
        assert counts(session)[1] == 0


def test_own_password_change_keeps_this_session(engine, actors):
    """The write that ends the other sessions (raising the epoch) is checked before it runs."""
    with Session(engine, expire_on_commit=False) as session:
        users.reset_password(session, SYSTEM, actors.manager01.username, "Kiso-Passphrase-2026")
        session.commit()
        browser = signed_in(session, actors.manager01)
        epoch = users.change_own_password(
            session, browser, "Kiso-Passphrase-2026", "b3tter-Passphrase!"
        )
        session.commit()
        assert epoch == session.get(UserAccount, actors.manager01.user_id).session_epoch


@pytest.mark.parametrize("how", ["disabled", "elsewhere"])
def test_refused_on_both_databases(any_session, how):
    """The same refusal on PostgreSQL, where the write locks the account row for share."""
    actors = any_session.info["actors"]
    company = make_company(any_session, actors.manager01)
    any_session.commit()
    browser = signed_in(any_session, actors.manager01)
    end(any_session, how, actors.manager01)
    before = counts(any_session)
    with Session(any_session.get_bind()) as session:
        with pytest.raises(SessionEnded):
            consultations.log_consultation(session, browser, {"company_id": company.id, **SUMMARY})
        session.rollback()
    assert counts(any_session) == before
