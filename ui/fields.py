"""Form fields drawn from an input shape's declarations (``crm.entities``).

A page names the input shape and, where it must, which fields it shows or leaves out, where a
picker of its own stands in for a field, and the few words a form adds (a placeholder, a help
that says more than the file's note). Everything else follows from each field's declaration:

- the widget: a coded value (``Spec.choices``, or a code list, ``Spec.codes``) is a
  selectbox of labels (with 「未選択」 when the field is optional), a date a date input, a whole
  number a number input within the declared bounds, text that may hold line breaks a text area,
  other text a one-line input limited to the declared length, a yes/no a checkbox;
- the label: the field's term, with 「 *」 when the shape requires a value;
- the help: the field's note;
- the refusal reason right under the widget (``ui.form_state.error``).

With no field list every declared field of the shape is drawn, so a field declared later
appears on its forms with no page change. Ids of other records (``Spec.refers``) are chosen by
name: a page draws them with its picker (``ui.pickers``), in the flow through ``pickers`` or
apart, never as a number. Widget keys are ``ui.form_state.key(form, prefix + field)``; the
values read back (``values``) are what the input shape validates, and the service's refusals
come back by field to the same slots.
"""

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

import annotated_types
import streamlit as st
from pydantic_core import PydanticUndefined

from crm.entities import Declared, InputShape, declared
from crm.timeutil import today_jst
from ui import form_state as fs

BLANK = "未選択"  # the empty choice of an optional coded field
REQUIRED = " *"
DATE_FORMAT = "YYYY/MM/DD"
PAIR_STYLE = """<style>
@media (max-width: 640px) {
  [class*="st-key-crm-fields-pair-"] [data-testid="stHorizontalBlock"] {
    flex-wrap: nowrap; gap: 0.5rem;
  }
  [class*="st-key-crm-fields-pair-"] [data-testid="stColumn"] {
    flex: 1 1 0 !important; width: auto !important; min-width: 0 !important;
  }
}
</style>"""


@dataclass(frozen=True)
class Choices:
    """A list a coded field is chosen from when its declaration reads a code (a parser) rather
    than naming a ``LabelledEnum``: the codes stored, each one's label, and the form's own
    label and help when the term and note speak of the file's code (都道府県コード, 2桁)."""

    codes: tuple[str, ...]
    label: Callable[[str], str]
    title: str = ""  # the form's label instead of the term
    help: str | None = None  # the form's help instead of the note ("" for none)


# A picker drawn in a field's place: called with the widget's key and the field's label, it
# draws one widget there (an id's term is a file header, 企業ID: its picker names its own label).
Picker = Callable[[str, str], object]


def _allows_none(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, UnionType) and NoneType in get_args(annotation)


def _base(annotation: Any) -> Any:
    """The type a field holds, without ``| None``."""
    if get_origin(annotation) in (Union, UnionType):
        kinds = [kind for kind in get_args(annotation) if kind is not NoneType]
        return kinds[0] if len(kinds) == 1 else annotation
    return annotation


def _bound(item: Declared, kind: type) -> Any:
    found = [m for m in item.info.metadata if isinstance(m, kind)]
    return found[0] if found else None


def _declared_default(item: Declared) -> Any:
    default = item.info.default
    return None if default is PydanticUndefined else default


@dataclass(frozen=True)
class FieldSet:
    """The fields of ``shape`` a form shows, and how the page wants them placed.

    ``only`` names the fields (in that order); otherwise every declared field is shown except
    ``exclude``, ids of other records (unless ``pickers`` draws them) and derived fields.
    ``prefix`` sets one shape's fields apart on a form that holds two (``company.`` for the
    firm of the consultation form: the service names its refusals the same way)."""

    shape: type[InputShape]
    only: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    prefix: str = ""
    columns: int = 1
    pickers: Mapping[str, Picker] = field(default_factory=dict)
    help: Mapping[str, str] = field(default_factory=dict)  # says more than the note
    placeholder: Mapping[str, str] = field(default_factory=dict)
    blank: Mapping[str, str] = field(default_factory=dict)  # what an empty choice means

    @property
    def declared(self) -> list[Declared]:
        every = {item.name: item for item in declared(self.shape)}
        if self.only is not None:
            return [every[name] for name in self.only]
        return [
            item
            for item in every.values()
            if item.name not in self.exclude
            and not item.spec.derived
            and (not item.spec.refers or item.name in self.pickers)
        ]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.declared)

    def key(self, name: str) -> str:
        """The field's name on the form (its error slot and ``form_state`` value)."""
        return self.prefix + name

    def labels(self) -> dict[str, str]:
        """Form field -> label, for the refusals and conflicts listed under the form."""
        return {self.key(item.name): self._title(item) for item in self.declared}

    def record(self, source: object) -> dict[str, Any]:
        """A stored record's values for ``form_state.prefill``."""
        return {self.key(name): getattr(source, name) for name in self.names}

    def values(self, form: str) -> dict[str, Any]:
        """What the form holds, by the shape's field names: the service's input."""
        return {name: fs.value(form, self.key(name)) for name in self.names}

    def draw(self, form: str, defaults: Mapping[str, Any] | None = None) -> None:
        """Draw the fields (inside the form), each with its refusal slot under it.

        Short fields flow into ``columns``; text that may hold line breaks takes the form's
        width, in its declared place. ``defaults`` are the starting values of a new record's
        form where the declaration's default does not fit (the hub's prefecture, a follow-up
        due in 30 days); a required date starts at today. An edit form's values come from
        ``form_state.prefill``."""
        run: list[Declared] = []
        for item in [*self.declared, None]:
            if item is not None and not item.spec.lines:
                run.append(item)
                continue
            self._columns(form, run, defaults or {})
            run = []
            if item is not None:
                self._field(form, item, defaults or {})

    def _columns(self, form: str, items: list[Declared], defaults: Mapping[str, Any]) -> None:
        if self.columns <= 1 or len(items) <= 1:
            for item in items:
                self._field(form, item, defaults)
            return
        per_column = math.ceil(len(items) / self.columns)
        # Two short fields stay side by side on a phone (Streamlit would stack them), so that
        # a form's submit is within two screens; three would be too narrow there.
        pair = self.columns == 2
        with st.container(
            key=f"crm-fields-pair-{form}-{self.key(items[0].name)}" if pair else None
        ):
            if pair:
                st.html(PAIR_STYLE)
            for index, column in enumerate(st.columns(self.columns)):
                with column:
                    for item in items[index * per_column : (index + 1) * per_column]:
                        self._field(form, item, defaults)

    # --- one field --------------------------------------------------------------------------

    def _choices(self, item: Declared) -> Choices | None:
        if item.spec.choices is not None:
            labels = item.spec.choices.labels()
            return Choices(tuple(labels), labels.__getitem__)
        codes = item.spec.codes
        if codes is None:
            return None
        return Choices(codes.codes, codes.label, title=codes.term, help=codes.note)

    def _required(self, item: Declared) -> bool:
        return not _allows_none(item.annotation)

    def _title(self, item: Declared) -> str:
        choices = self._choices(item)
        return (choices.title if choices and choices.title else "") or item.spec.term

    def _label(self, item: Declared) -> str:
        required = self._required(item) and _base(item.annotation) is not bool
        return self._title(item) + (REQUIRED if required else "")

    def _help(self, item: Declared) -> str | None:
        if item.name in self.help:
            return self.help[item.name]
        choices = self._choices(item)
        if choices is not None and choices.help is not None:
            return choices.help or None
        return item.spec.note or None

    def _field(self, form: str, item: Declared, defaults: Mapping[str, Any]) -> None:
        key = fs.key(form, self.key(item.name))
        if item.name in self.pickers:
            self.pickers[item.name](key, self._label(item))
        else:
            # The starting value is given on every run, as Streamlit expects (what was typed,
            # or an edit form's record, is in session state and wins over it); a widget given
            # no value would become one that can be cleared.
            start = defaults[item.name] if item.name in defaults else _declared_default(item)
            self._widget(item, key, start)
        fs.error(form, self.key(item.name))

    def _widget(self, item: Declared, key: str, start: Any) -> None:
        label, help = self._label(item), self._help(item)
        required, kind = self._required(item), _base(item.annotation)
        placeholder = self.placeholder.get(item.name)
        choices = self._choices(item)
        if choices is not None:
            blank = self.blank.get(item.name, BLANK)
            options: list[str | None] = [*choices.codes] if required else [None, *choices.codes]
            index = options.index(start) if start in options else 0
            st.selectbox(
                label,
                options,
                index=index,
                format_func=lambda code: blank if code is None else choices.label(code),
                key=key,
                help=help,
                placeholder=placeholder,
            )
        elif kind is bool:
            st.checkbox(label, value=bool(start), key=key, help=help)
        elif kind is dt.date:
            if start is None and required:
                start = today_jst()
            st.date_input(label, value=start, key=key, help=help, format=DATE_FORMAT)
        elif kind is int:
            low, high = _bound(item, annotated_types.Ge), _bound(item, annotated_types.Le)
            st.number_input(
                label,
                min_value=None if low is None else low.ge,
                max_value=None if high is None else high.le,
                value=start,
                step=1,
                key=key,
                help=help,
                placeholder=placeholder,
            )
        elif item.spec.lines:
            st.text_area(label, key=key, help=help, placeholder=placeholder)
        else:
            st.text_input(
                label,
                key=key,
                help=help,
                placeholder=placeholder,
                max_chars=self._max_chars(item),
            )

    def _max_chars(self, item: Declared) -> int | None:
        # A parsed value (法人番号 with hyphens, full-width digits) may be typed longer than
        # it is stored: only text stored as it is typed is limited while typing.
        if item.spec.parse is not None:
            return None
        longest = _bound(item, annotated_types.MaxLen)
        return None if longest is None else longest.max_length
