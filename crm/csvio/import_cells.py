"""Reading a file's cells into values: whole numbers, coded values, yes/no, hub codes, as
offices and spreadsheets write them (the input shapes then check them, ``crm.entities``)."""

import unicodedata
from functools import lru_cache

from sqlalchemy import Table
from sqlmodel import SQLModel

from crm.reference import LabelledEnum
from crm.validation import NOT_AN_INTEGER, hub_code

# --- values -----------------------------------------------------------------------------------


def core_table(model: type[SQLModel]) -> Table:
    """The Core table of a model (SQLModel sets ``__table__`` on table classes at runtime)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def read_int(text: str) -> int:
    cleaned = nfkc(text).replace(",", "").replace(" ", "")
    if not cleaned.lstrip("-").isdigit():
        raise ValueError(NOT_AN_INTEGER)
    return int(cleaned)


TILDES = str.maketrans({"〜": "~", "～": "~", "−": "-", "－": "-"})


@lru_cache(maxsize=4096)  # a file repeats the same few labels on every row
def read_choice(enum: type[LabelledEnum], text: str) -> str:
    """A coded value from its code or Japanese label, tolerant of the tilde/dash variants a
    round trip through CP932 produces; unknown text is passed on for the input model to refuse."""
    wanted = nfkc(text).translate(TILDES)
    for code, label in enum.labels().items():
        if wanted in (code, nfkc(label).translate(TILDES)):
            return code
    return enum.former_labels().get(wanted, text)


def read_bool(text: str) -> bool:
    value = nfkc(text).lower()
    if value in {"1", "true", "yes", "有効", "はい", "○"}:
        return True
    if value in {"0", "false", "no", "無効", "いいえ", "×"}:
        return False
    raise ValueError("1（有効）または 0（無効）で入力してください")


def read_hub(text: str | None) -> str | None:
    """A row's hub code by the one reader (``crm.validation.hub_code``); an unreadable code as
    written, for the row's check to refuse."""
    if text is None:
        return None
    try:
        return hub_code(text)
    except ValueError:
        return nfkc(text)


def safe_int(text: str | None) -> int | None:
    try:
        return None if text is None else read_int(text)
    except ValueError:
        return None
