"""Normalising and checking values typed by people or read from spreadsheets."""

import datetime as dt
import re
import unicodedata
from typing import TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn

from crm.errors import ValidationError
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


def not_in_future(day: dt.date | None) -> dt.date | None:
    if day is not None and day > today_jst():
        raise ValueError("未来の日付は入力できません")
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
        return model.model_validate(data)
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
