"""An account's e-mail address is checked with the parser that sends mail (issue 23, item 4):
what account creation accepts, ``crm remind`` can address; what it cannot address is refused
with the reason, in the service and in ``crm users add``."""

import email.policy
import email.utils
import re

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from crm.actor import SYSTEM
from crm.cli import app
from crm.db import make_engine
from crm.errors import ValidationError
from crm.models import UserAccount
from crm.remind import Digest, message_for
from crm.services import users
from crm.validation import normalize_email

runner = CliRunner()
PASSWORD = "correct horse battery"

# address -> a part of the reason it is refused
REFUSED = {
    "<yama@example.jp>": "< >",
    "山田 <yama@example.jp>": "< >",
    "Yama Taro <yama@example.jp>": "< >",
    "山田@example.jp": "@ より前",
    "josé@example.jp": "@ より前",
    "yama@例え.jp": "ドメイン",
    "yama@example.jp, hana@example.jp": "1件だけ",
    "yama@example.jp;hana@example.jp": "1件だけ",
    "yama@example.jp hana@example.jp": "1件だけ",
    "yama@hana@example.jp": "@ が1つだけ",
    "yama": "@ が1つだけ",
    "yama@example": "形式",
    "yama..taro@example.jp": "形式",
    "yama(comment)@example.jp": "形式",
    '"yama"@example.jp': "形式",
    "yama@[192.0.2.1]": "形式",
    "yama@-example.jp": "形式",
    "yama@example.jp\nBcc: x@example.jp": "改行",
}
ACCEPTED = {
    "yama@example.jp": "yama@example.jp",
    " Yama.Taro+crm@Example.JP ": "Yama.Taro+crm@Example.JP",
    "ｙａｍａ＠ｅｘａｍｐｌｅ．ｊｐ": "yama@example.jp",  # typed with a Japanese keyboard
    "o'brien@mail.example.co.jp": "o'brien@mail.example.co.jp",
}


def _digest(address: str) -> Digest:
    return Digest(1, "yama", address, "06", "件名", "本文", 0, 1)


@pytest.mark.parametrize("typed", list(ACCEPTED))
def test_an_accepted_address_is_one_the_sending_code_addresses(typed):
    address = normalize_email(typed)
    assert address == ACCEPTED[typed]
    message = message_for(_digest(address), "crm@example.jp")
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert email.utils.getaddresses([parsed["To"]]) == [("", address)]


@pytest.mark.parametrize("typed", list(REFUSED))
def test_a_refused_address_is_refused_with_its_reason(typed):
    with pytest.raises(ValueError, match=re.escape(REFUSED[typed])):
        normalize_email(typed)


@pytest.mark.parametrize("typed", list(REFUSED))
def test_account_creation_refuses_what_cannot_be_sent_to(session, typed):
    with pytest.raises(ValidationError) as refused:
        users.create_user(session, SYSTEM, username="yama", role="admin", email=typed)
    assert REFUSED[typed] in refused.value.fields["email"]
    assert session.exec(select(func.count()).select_from(UserAccount)).one() == 0


def test_an_edit_refuses_it_too_and_keeps_the_stored_address(session):
    user = users.create_user(
        session, SYSTEM, username="yama", role="admin", email="yama@example.jp"
    )
    with pytest.raises(ValidationError) as refused:
        users.update_user(
            session, SYSTEM, "yama", {"email": "山田 <yama@example.jp>"}, user.version
        )
    assert "< >" in refused.value.fields["email"]
    session.refresh(user)
    assert user.email == "yama@example.jp"
    users.update_user(session, SYSTEM, "yama", {"email": "ｙａｍａ２＠ｅｘａｍｐｌｅ．ｊｐ"}, 1)
    session.refresh(user)
    assert user.email == "yama2@example.jp"


def test_a_duplicate_is_found_whatever_the_case(session):
    users.create_user(session, SYSTEM, username="yama", role="admin", email="Yama@Example.jp")
    with pytest.raises(ValidationError) as refused:
        users.create_user(session, SYSTEM, username="hana", role="admin", email="yama@example.JP")
    assert refused.value.fields["email"] == "このメールアドレスは既に登録されています"


# --- crm users add -----------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = make_engine()
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "typed", ["<yama@example.jp>", "山田@example.jp", "山田 <yama@example.jp>", "a@x.jp, b@y.jp"]
)
def test_crm_users_add_refuses_it_naming_the_option(database, typed):
    result = runner.invoke(
        app,
        ["users", "add", "yama", "--role", "admin", "--email", typed],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert f"エラー: --email: {normalize_reason(typed)}" in result.output
    assert "Traceback" not in result.output
    with Session(database) as s:
        assert s.exec(select(UserAccount).where(UserAccount.username == "yama")).first() is None


def normalize_reason(typed: str) -> str:
    try:
        normalize_email(typed)
    except ValueError as error:
        return str(error)
    raise AssertionError(f"{typed} was accepted")


def test_crm_users_add_reads_the_hub_code_as_everywhere(database):
    result = runner.invoke(
        app,
        ["users", "add", "yama", "--role", "hub_manager", "--hub", "6", "--email", "y@ex.jp"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "拠点 06" in result.output
    refused = runner.invoke(
        app,
        ["users", "add", "hana", "--role", "hub_manager", "--hub", "yamagata"],
        input=PASSWORD + "\n",
    )
    assert refused.exit_code == 1
    assert "エラー: --hub: 拠点コードは都道府県コード 01〜47 です（入力: yamagata）" in (
        refused.output
    )
