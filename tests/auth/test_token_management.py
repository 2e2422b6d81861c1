"""Who manages which API tokens (issue 26, part 4), decided by the service: administrators
every token, a hub manager the tokens of their own hub's accounts, nobody else any; what a
token made for a day is valid through; and what becomes of tokens when the account's password
changes, its sessions end or it is disabled."""

import datetime as dt

import pytest
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from crm.actor import SYSTEM
from crm.auth import api_tokens
from crm.auth.api_tokens import TokenRefused
from crm.errors import PermissionDenied, ValidationError
from crm.models import ApiToken, AuditLog, UserAccount
from crm.services import users
from crm.timeutil import JST

PASSWORD = "correct horse battery"
OTHER_PASSWORD = "purple elephant umbrella"


@pytest.fixture(autouse=True)
def _cheap_hashes(fast_password_hashing):
    pass


@pytest.fixture
def tokens(session, actors):
    """Two tokens of hub 01's manager, one of a second hub 01 manager, one each of hub 02's
    manager, the secretariat and the administrator."""
    users.create_user(
        session, SYSTEM, username="deputy01", role="hub_manager", hub_code="01",
        display_name="副担当",
    )  # fmt: skip
    made = {}
    for who, name in (
        ("manager01", "拠点集計"),
        ("manager01", "予定表"),
        ("deputy01", "副担当の集計"),
        ("manager02", "二号の集計"),
        ("secretariat", "事務局集計シート"),
        ("admin", "管理用"),
    ):
        summary, _ = api_tokens.create_token(session, SYSTEM, who, name=name)
        made.setdefault(who, []).append(summary.id)
    session.commit()
    return made


def _owners_of(session: Session, ids) -> set[str]:
    """The owners' user names of these tokens, read from the tables (not the service)."""
    return set(
        session.exec(
            select(UserAccount.username)
            .join(ApiToken, col(ApiToken.user_id) == col(UserAccount.id))
            .where(col(ApiToken.id).in_(list(ids)))
        ).all()
    )


def _count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_an_administrator_lists_every_token_a_hub_manager_their_hubs(session, actors, tokens):
    everything = _count(session, ApiToken)
    assert everything == 6
    assert [t.id for t in api_tokens.list_tokens(session, actors.admin)] == sorted(
        i for ids in tokens.values() for i in ids
    )
    hub01 = api_tokens.list_tokens(session, actors.manager01)
    assert _owners_of(session, [t.id for t in hub01]) == {"manager01", "deputy01"}
    assert len(hub01) == 3
    assert {t.hub_code for t in hub01} == {"01"}
    hub02 = api_tokens.list_tokens(session, actors.manager02)
    assert [t.id for t in hub02] == tokens["manager02"]
    assert hub02[0].display_name == "manager02" and hub02[0].state == api_tokens.ACTIVE


@pytest.mark.parametrize(
    "call",
    [
        lambda s, a, t: api_tokens.list_tokens(s, a),
        lambda s, a, t: api_tokens.token_owners(s, a),
        lambda s, a, t: api_tokens.create_token(s, a, "secretariat", name="自分用"),
        lambda s, a, t: api_tokens.revoke_token(s, a, t["secretariat"][0]),
    ],
    ids=["list", "owners", "create", "revoke"],
)
def test_the_secretariat_manages_no_token_not_even_its_own(session, actors, tokens, call):
    tokens_before, audit_before = _count(session, ApiToken), _count(session, AuditLog)
    with pytest.raises(PermissionDenied, match="拠点マネージャー・管理者|管理者・拠点マネージャー"):
        call(session, actors.secretariat, tokens)
    session.flush()
    assert (_count(session, ApiToken), _count(session, AuditLog)) == (tokens_before, audit_before)
    assert session.get(ApiToken, tokens["secretariat"][0]).revoked_at is None


def test_a_hub_manager_makes_tokens_for_their_hubs_accounts_only(session, actors, tokens):
    made, token = api_tokens.create_token(
        session, actors.manager01, "deputy01", name="副担当の予定", kind=api_tokens.CALENDAR
    )
    assert made.username == "deputy01" and made.kind == api_tokens.CALENDAR
    assert token.startswith(api_tokens.PREFIX)
    entry = session.exec(select(AuditLog).where(AuditLog.action == "token_create")).all()[-1]
    assert (entry.username, entry.hub_code, entry.entity_id) == (
        "manager01",
        "01",
        str(made.id),
    )
    before = _count(session, ApiToken), _count(session, AuditLog)
    for other in ("manager02", "secretariat", "admin"):
        with pytest.raises(PermissionDenied, match="自拠点の利用者のトークンだけ"):
            api_tokens.create_token(session, actors.manager01, other, name="乗っ取り")
    session.flush()
    assert (_count(session, ApiToken), _count(session, AuditLog)) == before


def test_a_hub_manager_revokes_their_hubs_tokens_only(session, actors, tokens):
    revoked = api_tokens.revoke_token(session, actors.manager01, tokens["deputy01"][0])
    assert revoked.state == api_tokens.REVOKED
    for other in ("manager02", "admin", "secretariat"):
        with pytest.raises(PermissionDenied):
            api_tokens.revoke_token(session, actors.manager01, tokens[other][0])
        assert session.get(ApiToken, tokens[other][0]).revoked_at is None
    # An administrator revokes any; a second revoke changes nothing and is not audited again.
    api_tokens.revoke_token(session, actors.admin, tokens["manager02"][0])
    api_tokens.revoke_token(session, actors.admin, tokens["manager02"][0])
    revokes = session.exec(select(AuditLog).where(AuditLog.action == "token_revoke")).all()
    assert [(e.username, e.entity_id) for e in revokes] == [
        ("manager01", str(tokens["deputy01"][0])),
        ("admin", str(tokens["manager02"][0])),
    ]
    assert revokes[0].detail == "deputy01: 副担当の集計"


def test_token_owners_are_the_active_accounts_in_scope(session, actors, tokens):
    users.set_active(session, SYSTEM, "deputy01", False)
    owners = api_tokens.token_owners(session, actors.manager01)
    assert [o.username for o in owners] == ["manager01"]
    everyone = {o.username for o in api_tokens.token_owners(session, actors.admin)}
    active = set(session.exec(select(UserAccount.username).where(UserAccount.active)).all())
    assert everyone == active == {"admin", "manager01", "manager02", "secretariat"}


def test_a_token_made_for_a_day_works_through_that_day_in_japan(
    session, actors, tokens, monkeypatch
):
    monkeypatch.setattr(api_tokens, "today_jst", lambda: dt.date(2026, 12, 7))
    made, _ = api_tokens.create_token(
        session, actors.manager01, "manager01", name="四半期", expires_on=dt.date(2027, 3, 7)
    )
    # Valid through 2027-03-07 in Japan: it stops at 2027-03-08 00:00 JST = 03-07 15:00 UTC.
    assert made.expires_at == dt.datetime(2027, 3, 7, 15, 0, tzinfo=dt.UTC)
    assert made.expires_at.astimezone(JST) == dt.datetime(2027, 3, 8, tzinfo=JST)
    for refused in (dt.date(2026, 12, 7), dt.date(2026, 12, 1), dt.date(2036, 12, 5)):
        with pytest.raises(ValidationError) as error:
            api_tokens.create_token(
                session, actors.manager01, "manager01", name="x", expires_on=refused
            )
        assert "有効期限は明日から3,650日後（2036/12/04）まで" in error.value.fields["expires"]
    last, _ = api_tokens.create_token(
        session, actors.manager01, "manager01", name="最長", expires_on=dt.date(2036, 12, 4)
    )
    assert last.expires_at is not None


def _works(session: Session, token: str) -> bool:
    try:
        api_tokens.identify(session, token)
    except TokenRefused:
        return False
    return True


@pytest.fixture
def owned(session, actors):
    """A hub 01 manager with a password and one token: (user name, token)."""
    users.create_user(
        session, SYSTEM, username="yamada", role="hub_manager", hub_code="01", password=PASSWORD
    )
    _, token = api_tokens.create_token(session, SYSTEM, "yamada", name="集計シート")
    session.commit()
    return "yamada", token


def _actor(session, username):
    from crm.actor import actor_for

    return actor_for(users.get_user(session, username))


def test_tokens_survive_the_owners_password_change_and_sign_out_everywhere(session, owned):
    username, token = owned
    users.change_own_password(session, _actor(session, username), PASSWORD, OTHER_PASSWORD)
    users.sign_out_everywhere(session, _actor(session, username))
    users.sign_out_everywhere(session, SYSTEM, username)  # an administrator ends them too
    session.commit()
    assert _works(session, token)
    assert not session.exec(select(AuditLog).where(AuditLog.action == "token_revoke")).all()


@pytest.mark.parametrize(
    ("act", "why"),
    [
        (lambda s, name: users.reset_password(s, SYSTEM, name, OTHER_PASSWORD),
         api_tokens.ON_PASSWORD_RESET),
        (lambda s, name: users.set_active(s, SYSTEM, name, False), api_tokens.ON_DISABLE),
    ],
    ids=["password reset by an administrator", "disabled"],
)  # fmt: skip
def test_an_administrators_reset_or_disable_revokes_every_token_of_the_account(
    session, actors, owned, act, why
):
    username, token = owned
    _, second = api_tokens.create_token(session, SYSTEM, username, kind=api_tokens.CALENDAR)
    _, others = api_tokens.create_token(session, SYSTEM, "manager01", name="他の利用者")
    session.commit()
    act(session, username)
    session.commit()
    assert not _works(session, token)
    assert not _works(session, second) and _works(session, others)
    rows = session.exec(
        select(ApiToken).join(UserAccount).where(UserAccount.username == username)
    ).all()
    assert len(rows) == 2 and all(row.revoked_at is not None for row in rows)
    entries = session.exec(select(AuditLog).where(AuditLog.action == "token_revoke")).all()
    assert sorted(e.entity_id for e in entries) == sorted(str(row.id) for row in rows)
    assert all(e.detail and e.detail.endswith(f"（{why}）") for e in entries)
    if why == api_tokens.ON_DISABLE:  # re-enabling the account does not bring them back
        users.set_active(session, SYSTEM, username, True)
        session.commit()
        assert not _works(session, token)


def test_the_cli_makes_lists_and_revokes_through_the_same_service(tmp_path, monkeypatch):
    from crm.cli import app
    from crm.db import make_engine, session_scope

    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = make_engine()
    try:
        with session_scope(engine) as s:
            users.create_user(s, SYSTEM, username="sakata", role="hub_manager", hub_code="06")
        added = runner.invoke(app, ["tokens", "add", "sakata", "--name", "集計", "--expires", "30"])
        assert added.exit_code == 0, added.output
        token = added.output.split("保管してください:\n")[1].split()[0]
        with Session(engine) as s:
            assert _works(s, token)
        listed = runner.invoke(app, ["tokens", "list"])
        assert "sakata\t集計\tAPI\t有効" in listed.output
        revoked = runner.invoke(app, ["tokens", "revoke", "1"])
        assert revoked.exit_code == 0 and "失効させました" in revoked.output
        assert "sakata\t集計\tAPI\t失効" in runner.invoke(app, ["tokens", "list"]).output
        with Session(engine) as s:
            assert not _works(s, token)
    finally:
        engine.dispose()


def test_a_session_that_ended_makes_lists_and_revokes_no_token(engine, actors, tokens):
    """A tab whose session ended (here: signed out everywhere) is refused by the service in
    the transaction, as every write and scoped read is (crm.auth.sessions.require_live)."""
    from dataclasses import replace

    from crm.auth import sessions

    with Session(engine, expire_on_commit=False) as s:
        epoch = s.get(UserAccount, actors.manager01.user_id).session_epoch
        tab = replace(
            actors.manager01, ticket=sessions.new_ticket(actors.manager01, epoch, "password")
        )
        assert len(api_tokens.list_tokens(s, tab)) == 3  # live: hub 01's three
        users.sign_out_everywhere(s, SYSTEM, "manager01")
        s.commit()
        before = _count(s, ApiToken), _count(s, AuditLog)
    for call in (
        lambda s: api_tokens.list_tokens(s, tab),
        lambda s: api_tokens.token_owners(s, tab),
        lambda s: api_tokens.create_token(s, tab, "manager01", name="閉じたタブから"),
        lambda s: api_tokens.revoke_token(s, tab, tokens["manager01"][0]),
    ):
        with Session(engine) as s:
            with pytest.raises(sessions.SessionEnded):
                call(s)
            s.rollback()
            assert (_count(s, ApiToken), _count(s, AuditLog)) == before
