"""How an entity's fields are declared: once, with what every layer needs to know.

A field is declared on the entity's shared-fields class (``CompanyFields`` …) as

    name: Annotated[str, Spec("企業名", typed=True)] = Field(max_length=200)

The type and the bounds (``Field``) serve the table column and the input check alike; ``Spec``
says the rest: the Japanese term (labels, file headers, messages), how a typed value is
normalised (kept as typed, NFKC, a choice from a coded list, a parser such as the corporate
number's), whether it may hold line breaks, whether a date lies in the past, what an id refers
to. From these the table model (``crm.models``), the input shapes (``InputShape``), the file
columns (``crm.csvio.columns``), the API's shapes and the page forms are derived: adding a field
means declaring it here, a migration and a test.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from sqlmodel import SQLModel
from sqlmodel.main import SQLModelConfig

from crm import rules
from crm.reference import LabelledEnum
from crm.rules import not_a_choice
from crm.timeutil import today_jst
from crm.validation import FUTURE_DATE, clean_typed_text, normalize_text, one_line


@dataclass(frozen=True)
class CodeList:
    """The codes a field holds when they come from a list rather than a ``LabelledEnum`` (JIS
    prefecture codes, JSIC divisions): a form offers them by name and stores the code."""

    codes: tuple[str, ...]
    label: Callable[[str], str]  # a code's name as a person reads it
    term: str = ""  # the form's label when the field's term speaks of the code (都道府県コード)
    note: str | None = None  # the form's help instead of the field's note ("" for none)


@dataclass(frozen=True)
class Spec:
    """What the layers need to know of a field beyond its type and bounds."""

    term: str  # the Japanese term: form labels, file headers, table headings, messages
    en: str = ""  # the English file header (the field's name when empty)
    column: str = ""  # the file column's key when it is not the field's name
    choices: type[LabelledEnum] | None = None  # a coded value: the code stored, the label shown
    codes: CodeList | None = None  # a code from a list (prefectures, JSIC), chosen by name
    parse: Callable[[str], Any] | None = None  # the normaliser of a parsed value (法人番号 …)
    typed: bool = False  # text kept exactly as typed (names, notes): trimmed, never NFKC
    lines: bool = False  # may hold line breaks (notes, summaries); other text is one line
    past: bool = False  # a date of what already happened: never in the future
    refers: str = ""  # the kind of record an id names (``companies`` …)
    note: str = ""  # help under a form field, a note in the file layout
    unit: str = ""  # shown after a number (人, 円)
    required: bool | None = None  # a file must have the column (default: the input requires it)
    derived: bool = False  # computed by the system: written to files, never read from them

    def header(self, name: str, language: str) -> str:
        return self.term if language == "ja" else (self.en or name)


@dataclass(frozen=True)
class Declared:
    """One declared field of a model: its name, pydantic's FieldInfo and its Spec."""

    name: str
    info: FieldInfo
    spec: Spec

    @property
    def annotation(self) -> Any:
        return self.info.annotation

    @property
    def column(self) -> str:
        return self.spec.column or self.name

    @property
    def required(self) -> bool:
        return self.info.is_required() if self.spec.required is None else self.spec.required


def spec_of(info: FieldInfo) -> Spec | None:
    return next((item for item in info.metadata if isinstance(item, Spec)), None)


def declared(model: type[SQLModel]) -> Iterator[Declared]:
    """The declared fields of ``model`` (a shared-fields, table or input class), in order."""
    for name, info in model.model_fields.items():
        spec = spec_of(info)
        if spec is not None:
            yield Declared(name, info, spec)


def field(model: type[SQLModel], name: str) -> Declared:
    """One declared field of ``model`` (KeyError when it has no Spec)."""
    info = model.model_fields[name]
    spec = spec_of(info)
    if spec is None:
        raise KeyError(f"{model.__name__}.{name} is not declared with a Spec")
    return Declared(name, info, spec)


@lru_cache(maxsize=4096)  # forms and files give the same few codes again and again
def choice(enum_type: type[LabelledEnum], value: str) -> str:
    """The code of a coded value given by its code or its Japanese label."""
    try:
        return enum_type.from_label_or_code(value).value
    except ValueError:
        raise ValueError(not_a_choice(value)) from None


def _normalised(spec: Spec, value: object) -> object:
    if isinstance(value, dt.date | bool | float):
        return value
    if not isinstance(value, str):
        if spec.choices is None and spec.parse is None:
            return value
        value = str(value)  # a code or JIS number given as a number (6 -> "06")
    # Control characters refused, byte-order marks dropped; a one-line field refuses line
    # breaks and tabs too.
    text = clean_typed_text(value) if spec.lines else one_line(value)
    if spec.typed:
        return text.strip() or None
    # Full-width digits and letters of codes, numbers and dates from Japanese keyboards and
    # spreadsheets are folded; names and notes keep what was typed (above).
    normal = normalize_text(text)
    if normal is None:
        return None
    if spec.choices is not None:
        return choice(spec.choices, normal)
    if spec.parse is not None:
        return spec.parse(normal)
    return normal


class InputShape(SQLModel):
    """The base of every input shape: the boundary checks every path shares (forms, file
    import, CLI, API), driven by each field's Spec.

    Bounds at the boundary: every text has a maximum length that fits its column; control
    characters are refused and one-line fields refuse line breaks; a stray byte-order mark is
    dropped; dates lie between ``rules.EARLIEST_DATE`` and ``rules.latest_date()`` and dates
    of what happened are not in the future; whole numbers stay within their declared range."""

    model_config = SQLModelConfig(str_strip_whitespace=True, extra="ignore")

    @classmethod
    def _spec(cls, name: str | None) -> Spec | None:
        """The Spec of field ``name`` (looked up once per class: a file import asks a million
        times)."""
        specs = cls.__dict__.get("_specs_by_field")
        if specs is None:
            specs = {field: spec_of(info) for field, info in cls.model_fields.items()}
            type.__setattr__(cls, "_specs_by_field", specs)
        return specs.get(name) if name else None

    @field_validator("*", mode="before")
    @classmethod
    def _boundary(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            return None
        spec = cls._spec(info.field_name)
        if spec is None:
            if isinstance(value, str):
                return normalize_text(clean_typed_text(value))
            return value
        return _normalised(spec, value)

    @field_validator("*", mode="after")
    @classmethod
    def _date_range(cls, value: object, info: ValidationInfo) -> object:
        if type(value) is dt.date:  # a date, not a datetime
            today = today_jst()
            spec = cls._spec(info.field_name)
            if spec is not None and spec.past and value > today:
                raise ValueError(FUTURE_DATE)
            if reason := rules.date_range_reason(value, today):
                raise ValueError(reason)
        return value


@dataclass(frozen=True)
class FileLayout:
    """An entity's file (CSV and xlsx): its name, its Japanese label and its columns in the
    published order, by key: a declared field's file column, or one of the columns every file
    shares (``id``, ``hub_code``, ``version``, stamps, names beside ids: ``crm.csvio.columns``).
    The order is the published format: new columns go at the end."""

    name: str  # also the file name stem: companies.csv …
    label: str  # the Japanese name in messages and sheet names
    columns: tuple[str, ...]
    date_keys: tuple[str, ...] = ()  # business dates that place a row in a week
    id_term: str = ""  # the id column's Japanese header (企業ID …)
