"""The shared readers of issue 23, item 4: one-line text (``one_line``) and hub codes
(``hub_code``), each refusing with a Japanese reason."""

import re

import pytest
from sqlmodel import select

from crm.validation import hub_code, one_line


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("山形\n精密", "改行"),
        ("山形\r\n精密", "改行"),
        ("山形\r精密", "改行"),
        ("山形\u2028精密", "改行"),  # LINE SEPARATOR: a line break to a browser
        ("山形\u2029精密", "改行"),
        ("山形\x85精密", "制御文字（U+0085）"),  # NEL, a C1 control
        ("山形\t精密", "タブ"),
        ("山形\x00精密", "制御文字（U+0000）"),
        ("山形\x1b[31m精密", "制御文字（U+001B）"),
        ("山形\x0b精密", "制御文字（U+000B）"),
        ("山形\x7f精密", "制御文字（U+007F）"),
    ],
)
def test_one_line_refuses_line_breaks_and_control_characters(typed, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        one_line(typed)


def test_one_line_keeps_what_is_typed_and_drops_byte_order_marks():
    assert one_line("\ufeff株式会社　山形 精密（ﾔﾏｶﾞﾀ）") == "株式会社　山形 精密（ﾔﾏｶﾞﾀ）"
    assert one_line("") == ""


@pytest.mark.parametrize(
    ("typed", "code"),
    [("06", "06"), ("6", "06"), (6, "06"), ("０６", "06"), (" 13 ", "13"), ("47", "47")],
)
def test_hub_code_reads_every_spelling_of_a_prefecture_code(typed, code):
    assert hub_code(typed) == code


@pytest.mark.parametrize("typed", ["0", "00", "48", "006", "yamagata", "山形県", "6a", "-6"])
def test_hub_code_refuses_what_is_no_prefecture_code(typed):
    with pytest.raises(ValueError, match=r"拠点コードは都道府県コード 01〜47 です（入力: "):
        hub_code(typed)


@pytest.mark.parametrize("typed", [None, "", "  "])
def test_hub_code_asks_for_a_missing_one(typed):
    with pytest.raises(ValueError, match="拠点コードを入力してください"):
        hub_code(typed)


# --- wired outside the entity declarations: accounts, token names, talent categories ---------


@pytest.mark.parametrize("typed", ["山形\n太郎", "山形\t太郎", "山形\x1b太郎", "山形\u2028太郎"])
def test_account_names_token_names_and_categories_are_one_line(session, actors, typed):
    from crm.actor import SYSTEM
    from crm.auth import api_tokens
    from crm.errors import ValidationError
    from crm.models import ApiToken, TalentCategory, UserAccount
    from crm.services import reference_data, users

    def count(model) -> int:
        return len(session.exec(select(model)).all())

    before = {model: count(model) for model in (UserAccount, ApiToken, TalentCategory)}
    attempts = {
        "username": lambda: users.create_user(session, SYSTEM, username=typed, role="admin"),
        "display_name": lambda: users.create_user(
            session, SYSTEM, username="yama", role="admin", display_name=typed
        ),
        "name": lambda: api_tokens.create_token(session, SYSTEM, "manager01", name=typed),
        "code": lambda: reference_data.create_category(session, SYSTEM, typed, "営業"),
        "name_ja": lambda: reference_data.create_category(session, SYSTEM, "sales2", typed),
    }
    for field, attempt in attempts.items():
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.fields[field] == reason_of(typed), field
    edited = users.get_user(session, "manager01")
    with pytest.raises(ValidationError) as refused:
        users.update_user(session, SYSTEM, "manager01", {"display_name": typed}, edited.version)
    assert refused.value.fields["display_name"] == reason_of(typed)
    category = session.exec(select(TalentCategory)).first()
    with pytest.raises(ValidationError) as refused:
        reference_data.update_category(
            session, SYSTEM, category.id, {"name_ja": typed}, category.version
        )
    assert refused.value.fields["name_ja"] == reason_of(typed)
    session.expire_all()
    assert {model: count(model) for model in before} == before
    assert users.get_user(session, "manager01").display_name == "manager01"


def reason_of(typed: str) -> str:
    try:
        one_line(typed)
    except ValueError as error:
        return str(error)
    raise AssertionError(f"{typed!r} is one line")
