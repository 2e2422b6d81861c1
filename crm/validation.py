"""Normalising and checking values typed by people or read from spreadsheets."""

import datetime as dt
import re
import unicodedata
from email.errors import HeaderParseError, MessageDefect
from email.headerregistry import Address
from typing import TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn

from crm.errors import ValidationError
from crm.reference import PREFECTURES
from crm.timeutil import today_jst

M = TypeVar("M", bound=BaseModel)


def normalize_text(value: str | None) -> str | None:
    """NFKC (full-width digits and spaces to half-width), trimmed; empty becomes None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


BOM = "\ufeff"
# Control characters kept in text: tab and line breaks (notes and summaries have several lines).
_KEPT_CONTROLS = frozenset("\t\n\r")
# C0/C1 controls, DEL, NUL, and lone surrogates (not text: no database can store them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_typed_text(value: str) -> str:
    """A typed or imported text as it will be stored: byte-order marks (U+FEFF, wherever a
    spreadsheet or a paste left one) dropped; ValueError for a control character (NUL,
    escape, …; tab and line breaks are kept)."""
    text = value.replace(BOM, "") if BOM in value else value
    if (found := _CONTROL.search(text)) is not None:
        char = found.group()
        raise ValueError(f"制御文字（U+{ord(char):04X}）は入力できません。削除してください")
    return text


# Line breaks of every kind (CR, LF, NEL, the Unicode line and paragraph separators) and tab:
# a one-line value (a name, a title, a code) holds none of them.
_LINE_BREAKS = {
    "\n": "改行",
    "\r": "改行",
    "\u0085": "改行",
    "\u2028": "改行",
    "\u2029": "改行",
    "\t": "タブ",
}


def one_line(text: str) -> str:
    """A one-line value (a name, a title, a code, an e-mail address) as it will be stored:
    ``clean_typed_text`` (byte-order marks dropped, control characters refused) and no line
    break or tab either; ValueError with the Japanese reason else."""
    text = clean_typed_text(text)
    for char, what in _LINE_BREAKS.items():
        if char in text:
            raise ValueError(f"{what}は入力できません（1行で入力してください）")
    return text


# The longest address SMTP carries (RFC 5321: a 254-octet path without its angle brackets).
MAX_EMAIL = 254
_DOMAIN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def normalize_email(value: str | None) -> str | None:
    """One e-mail address as ``crm remind`` sends to it, or None when blank.

    It is read by the parser that addresses the mail (``email.headerregistry.Address``, as in
    ``crm.remind.message_for``) and must be exactly one bare address that SMTP without the
    SMTPUTF8 extension can carry: ASCII only, no display name, angle brackets, comments,
    quotes or spaces, a domain of dotted host names. ValueError with the Japanese reason
    else, so an address that is accepted can always be sent to."""
    text = normalize_text(value)
    if text is None:
        return None
    text = one_line(text)
    if len(text) > MAX_EMAIL:
        raise ValueError(f"メールアドレスは{MAX_EMAIL}文字以内です（{len(text)}文字）")
    if "<" in text or ">" in text:
        raise ValueError(
            "メールアドレスだけを入力してください（名前や < > は付けません。例: yama@example.jp）"
        )
    if any(separator in text for separator in ",; "):
        raise ValueError("メールアドレスは1件だけ入力してください（区切り文字や空白は入れません）")
    if text.count("@") != 1:
        raise ValueError("メールアドレスには @ が1つだけ必要です（例: yama@example.jp）")
    local, domain = text.split("@")
    if not local.isascii():
        raise ValueError(
            "@ より前には半角の英数字と記号だけが使えます（日本語などの文字は送信できません）"
        )
    if not domain.isascii():
        raise ValueError(
            "ドメイン（@ より後）に日本語は使えません。xn-- で始まる英数字の表記で入力してください"
        )
    try:
        parsed = Address(addr_spec=text)
    except (ValueError, HeaderParseError, MessageDefect):
        parsed = None
    labels = domain.split(".")
    if (
        parsed is None
        or parsed.addr_spec != text
        or '"' in text
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in labels)
    ):
        raise ValueError("メールアドレスの形式が正しくありません（例: yama@example.jp）")
    return text


def hub_code(value: str | int | None) -> str:
    """A hub's (prefecture's) two-digit JIS code from ``06``, ``6`` or ``０６``; ValueError with
    the Japanese reason for anything else. The one reading of a hub code typed anywhere (CLI
    options, API parameters, account forms)."""
    text = normalize_text(str(value)) if value is not None else None
    if text is None:
        raise ValueError("拠点コードを入力してください（都道府県コード 01〜47。例: 06）")
    code = text.zfill(2) if text.isdigit() and len(text) < 2 else text
    if code not in PREFECTURES:
        shown = text if len(text) <= 20 else f"{text[:20]}…"
        raise ValueError(f"拠点コードは都道府県コード 01〜47 です（入力: {shown}）")
    return code


def normalize_corporate_number(value: str | None) -> str | None:
    """A valid 13-digit corporate number (法人番号), or None when blank.

    Raises ValueError with a Japanese reason for a wrong length or check digit.
    """
    text = normalize_text(value)
    if text is None:
        return None
    digits = text.replace("-", "").replace(" ", "")
    try:
        return cn.validate(digits)
    except StdnumError as error:
        if not digits.isdigit():
            raise ValueError("法人番号は数字13桁で入力してください") from error
        if len(digits) != 13:
            raise ValueError(f"法人番号は13桁です（{len(digits)}桁が入力されました）") from error
        raise ValueError("法人番号のチェックデジットが正しくありません") from error


FUTURE_DATE = "未来の日付は入力できません"


def not_in_future(day: dt.date | None) -> dt.date | None:
    if day is not None and day > today_jst():
        raise ValueError(FUTURE_DATE)
    return day


# The reason for a number that is not a whole number (forms, and the importer's cell reading).
NOT_AN_INTEGER = "整数で入力してください"

_MESSAGES = {
    "missing": "必須項目です",
    "string_too_short": "必須項目です",
    "string_too_long": "長すぎます",
    "int_parsing": NOT_AN_INTEGER,
    "int_type": NOT_AN_INTEGER,
    "int_from_float": NOT_AN_INTEGER,
    "int_parsing_size": "数が大きすぎます",
    "date_parsing": "日付の形式が正しくありません（例: 2026-04-01）",
    "date_from_datetime_parsing": "日付の形式が正しくありません（例: 2026-04-01）",
    "date_type": "日付を入力してください",
    "enum": "選択肢から選んでください",
    "literal_error": "選択肢から選んでください",
}


def parse_input(model: type[M], data: dict) -> M:
    """Build an input model, turning every failure into one ValidationError naming each field."""
    try:
        if model.model_config.get("table"):
            return model.model_validate(data)
        # An input shape (not a table): pydantic's own validator filling a new instance, without
        # SQLModel's wrapper and __init__ around it (a fifth of a file import's checking time).
        shape = model.__new__(model)
        model.__pydantic_validator__.validate_python(data, self_instance=shape)
        return shape
    except PydanticValidationError as error:
        fields: dict[str, str] = {}
        for item in error.errors():
            name = ".".join(str(part) for part in item["loc"]) or "_"
            if item.get("input", "") is None and item["type"] != "value_error":
                reason = "必須項目です"
            elif item["type"] == "value_error":
                reason = str(item.get("ctx", {}).get("error", item["msg"]))
            elif item["type"] == "greater_than_equal":
                reason = f"{item['ctx']['ge']}以上で入力してください"
            elif item["type"] == "less_than_equal":
                reason = f"{item['ctx']['le']:,}以下で入力してください"
            elif item["type"] == "string_too_long":
                limit = item["ctx"]["max_length"]
                reason = f"{limit:,}文字以内で入力してください（{len(str(item['input'])):,}文字）"
            elif item["type"] == "greater_than":
                reason = f"{item['ctx']['gt']}より大きい値を入力してください"
            else:
                reason = _MESSAGES.get(item["type"], item["msg"])
            fields.setdefault(name, reason)
        raise ValidationError(fields) from None
