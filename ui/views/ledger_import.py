"""The mapping step of CSV取込 for a hub's own ledger (a file the product did not write).

After the upload: what the ledger is imported as, a saved template to start from, the header
found, then one selectbox per column (source column → field, with sample values), the values
of coded columns (「訪問」→ 企業訪問), the fields without a column (a default), and the firm of
each row (「既存の企業に紐付け」/「新しい企業として登録」, probable duplicates to choose). Every
change checks the whole ledger again with the import itself (a dry run, nothing written); the
existing confirm button then writes it all or nothing. The mapping can be saved as the hub's
template for the next file of the same ledger.
"""

import hashlib
import json

import pandas as pd
import streamlit as st

from crm.actor import Actor
from crm.csvio.importer import ACTIONS, ImportConflict
from crm.csvio.ledger_fields import (
    CODED,
    DEFAULTABLE,
    FIELDS,
    IGNORE,
    LEDGER_ENTITIES,
    REQUIRED,
    choices_of,
    fields_for,
)
from crm.csvio.ledger_firms import LINK, NEW
from crm.csvio.ledger_header import LedgerTable
from crm.csvio.ledger_import import (
    LedgerReport,
    LedgerSource,
    firms_summary,
    import_ledger,
    preview_mapping,
)
from crm.csvio.ledger_mapping import LedgerMapping, MappingError, distinct_values
from crm.csvio.ledger_templates import list_templates, save_template
from crm.db import session_scope
from crm.db_timeouts import long_running
from crm.errors import CrmError, ValidationError
from crm.presentation.text import literal
from ui.runtime import get_engine, session
from ui.views.import_report import show_errors, show_files, show_warnings

NO_TEMPLATE = ""
NEW_FIRM = "new"
SAMPLES = 3
PREVIEW_ROWS = 5
CHECK_KEY = "ledger.check"
DONE_KEY = "ledger.done"


def _key(prefix: str, *parts: object) -> str:
    return ".".join(["ledger", prefix, *(str(p) for p in parts)])


def _field_label(key: str) -> str:
    return "取り込まない" if key == IGNORE else FIELDS[key].label


def _templates(actor: Actor) -> dict[str, LedgerMapping]:
    with session() as s:
        return {
            t.name: LedgerMapping.from_dict(json.loads(t.mapping)) for t in list_templates(s, actor)
        }


def show_ledger_step(actor: Actor, source: LedgerSource, signature: tuple) -> None:
    """The whole mapping step for ``source``; stops the page where the person must act."""
    tag = hashlib.sha256(repr(signature).encode()).hexdigest()[:10]
    st.info(
        "このファイルは CSV出力と同じ形ではないため、拠点の台帳として読み込みます。"
        "列ごとに取り込む項目を確かめてください（確認だけでは何も書き込みません）。",
        icon=":material/table_view:",
    )
    entity = st.radio(
        "取り込む内容",
        list(LEDGER_ENTITIES),
        format_func=lambda e: LEDGER_ENTITIES[e],
        horizontal=True,
        key=_key("entity", tag),
    )
    templates = _templates(actor)
    chosen = st.selectbox(
        "テンプレート",
        [NO_TEMPLATE, *(n for n, m in templates.items() if m.entity == entity)],
        format_func=lambda n: "使わない（見出しから推定）" if n == NO_TEMPLATE else n,
        key=_key("template", tag, entity),
    )
    base = templates.get(chosen) if chosen else None
    try:
        with session() as s:
            table, suggested = preview_mapping(s, actor, source, entity, base)
    except CrmError as error:
        st.error(literal(error))
        st.stop()
    widgets = f"{tag}.{entity}.{chosen}"
    st.caption(
        literal(f"{table.name}: 見出し {table.header_text()}、データ {len(table.rows):,} 行")
    )
    mapping = _mapping_table(table, suggested, entity, widgets)
    _defaults(mapping, suggested, widgets)
    _values(table, mapping, widgets)
    remembered = _key("choices", widgets)
    result = _checked(actor, source, mapping, widgets, st.session_state.get(remembered))
    if result is None:
        st.stop()
    choices = _firm_choices(result, widgets)
    if choices != result.choices:  # check again with the choice, and show that check
        st.session_state[remembered] = choices
        st.rerun()
    _save_template(actor, mapping, widgets)
    report = result.ledger.report
    show_files(report)
    show_warnings(report)
    if show_errors(report):
        st.stop()
    _confirm(actor, source, mapping, result.choices, widgets)


# --- the mapping ---


def _mapping_table(
    table: LedgerTable, suggested: LedgerMapping, entity: str, widgets: str
) -> LedgerMapping:
    st.subheader("列の対応づけ")
    options = [IGNORE, *(f.key for f in fields_for(entity))]
    head = st.columns([2, 3, 4])
    head[0].markdown("**元の列**")
    head[1].markdown("**取り込む項目**")
    head[2].markdown("**値の例**")
    mapping = LedgerMapping(
        entity,
        values={k: dict(v) for k, v in suggested.values.items()},
        defaults=dict(suggested.defaults),
        header_row=suggested.header_row,
    )
    for index, header in enumerate(table.headers):
        if not header:
            continue
        row = st.columns([2, 3, 4])
        row[0].markdown(literal(header))
        current = suggested.field_of(header)
        mapping.columns[header] = row[1].selectbox(
            f"「{header}」の取り込む項目",
            options,
            index=options.index(current) if current in options else 0,
            format_func=_field_label,
            key=_key("column", widgets, index),
            label_visibility="collapsed",
        )
        samples = table.column_values(index, SAMPLES)
        row[2].caption(literal("、".join(samples) if samples else "（空）"))
    return mapping


def _defaults(mapping: LedgerMapping, suggested: LedgerMapping, widgets: str) -> None:
    """A value for every row of a coded field the ledger has no column for."""
    used = set(mapping.columns.values())
    wanted = [
        k
        for k in DEFAULTABLE
        if k not in used
        and k in {f.key for f in fields_for(mapping.entity)}
        and (k in REQUIRED[mapping.entity] or k in suggested.defaults)
    ]
    mapping.defaults = {k: v for k, v in mapping.defaults.items() if k not in used}
    if not wanted:
        return
    st.markdown("**列のない項目（全行に同じ値）**")
    for key in wanted:
        choices = choices_of(key)
        options = list(choices)
        current = mapping.defaults.get(key, options[0])
        picked = st.selectbox(
            f"{FIELDS[key].label}（全行）",
            options,
            index=options.index(current) if current in options else 0,
            format_func=choices.__getitem__,
            key=_key("default", widgets, key),
        )
        mapping.defaults[key] = picked or options[0]


def _values(table: LedgerTable, mapping: LedgerMapping, widgets: str) -> None:
    """Each distinct value of a coded column, mapped to a code."""
    for index, header in enumerate(table.headers):
        key = mapping.field_of(header)
        if key not in CODED:
            continue
        values = distinct_values(table, index)
        if not values:
            continue
        labels = {"": "（そのまま: 取り込めなければ誤り）", **choices_of(key)}
        options = list(labels)
        known = mapping.values.setdefault(key, {})
        with st.expander(f"「{header}」の値 → {FIELDS[key].label}", expanded=True):
            for number, value in enumerate(values):
                current = known.get(value, "")
                picked = st.selectbox(
                    f"「{value}」",
                    options,
                    index=options.index(current) if current in options else 0,
                    format_func=labels.__getitem__,
                    key=_key("value", widgets, index, number),
                )
                if picked:
                    known[value] = picked
                else:
                    known.pop(value, None)


# --- the check and the firms ---------------------------------------------------------------------


class _Checked:
    def __init__(self, ledger: LedgerReport, choices: dict[str, int | None]):
        self.ledger, self.choices = ledger, choices


def _checked(
    actor: Actor,
    source: LedgerSource,
    mapping: LedgerMapping,
    widgets: str,
    choices: dict[str, int | None] | None = None,
) -> _Checked | None:
    """The dry run of the ledger as mapped (kept while neither mapping nor choices change)."""
    choices = choices or {}
    state = (widgets, mapping.to_json(), json.dumps(choices, sort_keys=True))
    kept = st.session_state.get(CHECK_KEY)
    if kept is not None and kept[0] == state:
        return kept[1]
    try:
        with session() as s:
            long_running(s)
            ledger = import_ledger(
                s, actor, source, mapping, dry_run=True, choices=choices, preview_rows=PREVIEW_ROWS
            )
            s.rollback()
    except MappingError as refused:
        st.error("対応づけを直してください（何も書き込んでいません）:")
        st.markdown("\n".join(f"- {literal(reason)}" for reason in refused.reasons))
        return None
    except CrmError as error:
        st.error(literal(error))
        return None
    checked = _Checked(ledger, choices)
    st.session_state[CHECK_KEY] = (state, checked)
    return checked


def _firm_choices(result: _Checked, widgets: str) -> dict[str, int | None]:
    """The firm preview per row, and a choice for each probable duplicate (a firm of the hub
    to link instead of registering a new one)."""
    st.subheader("企業の照合")
    counts = firms_summary(result.ledger.plan.firms)
    flagged = f"（要確認 {counts['flagged']:,} 社）" if counts["flagged"] else ""
    st.caption(f"企業: 既存 {counts[LINK]:,} 社に紐付け・新規 {counts[NEW]:,} 社{flagged}")
    rows = result.ledger.firm_rows()
    if rows:
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            width="stretch",
            key=_key("firms", widgets),
            placeholder="—",
        )
    choices: dict[str, int | None] = {}
    firms = [f for f in result.ledger.plan.firms if f.candidates]
    if not firms:
        return choices
    st.markdown("**同じ企業と思われる企業があります。どちらにするか選んでください。**")
    for number, firm in enumerate(firms):
        options: list[int | str] = [NEW_FIRM, *(cid for cid, _, _ in firm.candidates)]
        labels: dict[int | str, str] = {NEW_FIRM: "新しい企業として登録"}
        for cid, name, place in firm.candidates:
            labels[cid] = f"既存の企業に紐付け: {name}（{place}、企業ID {cid}）"
        current = result.choices.get(firm.key) or NEW_FIRM
        picked = st.radio(
            literal(f"{firm.name}（{'・'.join(str(r) for r in firm.rows)} 行目）"),
            options,
            index=options.index(current) if current in options else 0,
            format_func=labels.__getitem__,
            key=_key("firm", widgets, number),
        )
        if picked is not None and picked != NEW_FIRM:
            choices[firm.key] = int(picked)
    return choices


# --- template and confirm -----------------------------------------------------------------------


def _save_template(actor: Actor, mapping: LedgerMapping, widgets: str) -> None:
    with st.expander("この対応づけをテンプレートとして保存"):
        name = st.text_input("テンプレートの名前", key=_key("template_name", widgets), max_chars=40)
        if st.button("テンプレートとして保存", key=_key("template_save", widgets)):
            try:
                with session_scope(get_engine()) as s:
                    saved = save_template(s, actor, name, mapping)
                    saved_name = saved.name
            except ValidationError as refused:
                st.error(literal("／".join(refused.fields.values())))
                return
            except CrmError as error:
                st.error(literal(error))
                return
            st.success(literal(f"テンプレート「{saved_name}」を保存しました。次の台帳で選べます。"))


def _confirm(
    actor: Actor,
    source: LedgerSource,
    mapping: LedgerMapping,
    choices: dict[str, int | None],
    widgets: str,
) -> None:
    state = (widgets, mapping.to_json(), json.dumps(choices, sort_keys=True))
    done = st.session_state.get(DONE_KEY)
    if done is not None and done[0] == state:
        st.success(literal(done[1]))
        return
    totals = st.session_state[CHECK_KEY][1].ledger.report.totals()
    st.info(
        "確認が終わりました（まだ書き込んでいません）: "
        + "・".join(f"{label} {totals.get(action, 0):,} 件" for action, label in ACTIONS.items())
    )
    if not st.button(
        "この内容で取り込む", type="primary", icon=":material/upload:", key="ledger.write"
    ):
        return
    try:
        with session_scope(get_engine()) as s:
            long_running(s)
            written = import_ledger(s, actor, source, mapping, dry_run=False, choices=choices)
            if written.report.errors:
                s.rollback()
    except ImportConflict as conflict:
        st.error(literal(conflict))
        return
    except CrmError as error:
        st.error(literal(error))
        return
    if written.report.errors:  # the data changed since the check
        st.session_state.pop(CHECK_KEY, None)
        st.rerun()
    totals = written.report.totals()
    st.session_state[DONE_KEY] = (
        state,
        "取り込みました: "
        + "・".join(f"{label} {totals.get(action, 0):,} 件" for action, label in ACTIONS.items())
        + written.report.effects_text(),
    )
    st.session_state.pop(CHECK_KEY, None)
    st.rerun()
