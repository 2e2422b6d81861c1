"""A record's change history as a person reads it: one line per changed field, named by the
field's declared term, its values as the pages show them (labels, names, dates with weekday,
numbers with separators), never a code, an id or an ISO stamp."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from crm.calendar_jp import day_with_weekday
from crm.entities import declared
from crm.entities.declare import Spec
from crm.presentation.labels import FIELD_LABELS, enum_label, moment
from crm.services.audit import ACTION_LABELS
from crm.services.base import ENTITY_LABELS
from crm.services.record_history import MODELS, REFERS, HistoryEntry, RecordHistory

NONE = "（なし）"
GONE = "（削除済みの記録）"
# What names a newly made record in its one line (a referral by its partner, a step by the
# status it moved to …): the first of these it holds.
DESCRIBED_BY = ("name", "partner_id", "to_status", "role_title", "due_on", "placed_on", "body")
KINDS = {
    "need_status_change": "状況の変更",
    "comment": "コメント",
}  # kinds of record the audit names, beyond ENTITY_LABELS
LONGEST = 120  # characters of a value shown in the table; notes and summaries are cut


@dataclass(frozen=True)
class HistoryLine:
    at: str  # 2026/12/07（月） 14:05, Japan time
    who: str
    what: str  # 更新 / 紹介を登録 / 担当者を更新 …
    field: str  # the field's term ("" for a line about the whole record)
    before: str
    after: str


def _specs(entity: str) -> dict[str, Spec]:
    model = MODELS.get(entity)
    return {} if model is None else {d.name: d.spec for d in declared(model)}


def value_text(spec: Spec | None, name: str, value: Any, names: dict[tuple[str, int], str]) -> str:
    if value is None or value == "":
        return NONE
    if name in REFERS and isinstance(value, int):
        return names.get((REFERS[name], value), GONE)
    if spec is not None and spec.choices is not None:
        return enum_label(spec.choices, str(value))
    if spec is not None and spec.codes is not None:
        # A form's option reads "E 製造業"; the record's pages show the name alone.
        return spec.codes.label(str(value)).removeprefix(f"{value} ")
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int | float):
        unit = spec.unit if spec is not None else ""
        return f"{value:,}{unit}" if isinstance(value, int) else f"{value:,.1f}{unit}"
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return day_with_weekday(dt.date.fromisoformat(text))
        except ValueError:
            pass
    text = " ".join(text.split())  # a note's line breaks as spaces in one table cell
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def _what(entry: HistoryEntry, root: str) -> str:
    action = ACTION_LABELS.get(entry.action, entry.action)
    if entry.entity == root:
        return "登録" if entry.action == "create" else action
    kind = KINDS.get(entry.entity) or ENTITY_LABELS.get(entry.entity, "関連する記録")
    return f"{kind}を{'登録' if entry.action == 'create' else action}"


def history_lines(history: RecordHistory) -> list[HistoryLine]:
    """The entries of ``history`` as table lines, newest first: an update gives a line per
    changed field; a new record one line naming it."""
    lines = []
    for entry in history.entries:
        specs = _specs(entry.entity)
        at, what = moment(entry.at), _what(entry, history.kind)

        def term(name: str, specs: dict[str, Spec] = specs) -> str | None:
            spec = specs.get(name)
            return spec.term if spec is not None else FIELD_LABELS.get(name)

        if entry.action == "create":
            described = next(
                (k for k in DESCRIBED_BY if entry.changes.get(k, [None, None])[1]), None
            )
            after = (
                value_text(
                    specs.get(described), described, entry.changes[described][1], history.names
                )
                if described
                else ""
            )
            field = (term(described) or "") if described else ""
            lines.append(HistoryLine(at, entry.who, what, field, "", after))
            continue
        shown = [(name, values) for name, values in entry.changes.items() if term(name)]
        if not shown:
            lines.append(HistoryLine(at, entry.who, what, "", "", entry.detail or ""))
        for name, (before, after) in shown:
            spec = specs.get(name)
            lines.append(
                HistoryLine(
                    at,
                    entry.who,
                    what,
                    term(name) or "",
                    value_text(spec, name, before, history.names),
                    value_text(spec, name, after, history.names),
                )
            )
    return lines
