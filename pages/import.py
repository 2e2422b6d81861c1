"""CSV取込: upload a CSV, an Excel workbook (.xlsx) or an export's zip, check every row, then
write all or nothing.

Uploading runs a dry run: the detected encoding and header language, a preview, the planned
counts and the errors (row, column, reason: the first 100, and how many more). Only a file
without errors can be written, with the confirm button. Hub managers import into their own hub
only. Workbooks are read in a child process (``crm.csvio.workbook_reader``): a hostile one is
refused with a message and costs nothing else.
"""

import hashlib

import streamlit as st

from crm.csvio.columns import ENTITIES, FULL_ENTITIES, RESTORE_ONLY
from crm.csvio.importer import ACTIONS, ImportConflict, import_files
from crm.csvio.ledger_import import LedgerSource
from crm.csvio.reading import entity_of
from crm.db import session_scope
from crm.db_timeouts import long_running
from crm.errors import CrmError
from crm.presentation.labels import prefecture_label
from crm.presentation.text import literal
from crm.reference import Role
from ui.runtime import get_engine, session
from ui.session import require_role
from ui.views.import_report import show_errors, show_files, show_warnings
from ui.views.ledger_import import show_ledger_step

CHECK_KEY = "import.check"
DONE_KEY = "import.done"
SOURCE_KEY = "import.source"
PREVIEW_ROWS = 5
AUTO = "auto"
# Kinds a hub's own ledger can be imported as (the mapping step); others need the product's layout.
LEDGER_KINDS = (AUTO, "consultations", "companies")

actor = require_role(Role.HUB_MANAGER)
st.title("CSV取込")
st.caption(
    f"{prefecture_label(actor.hub_code)}の拠点の記録として取り込みます。"
    "UTF-8（BOM有無）と Shift_JIS（CP932）、"
    "タブ・セミコロン区切り、Excel ブック（.xlsx: シート名が企業・相談…のシート、"
    "または CSV出力の Excel）、日本語・英語の見出し（CSV出力と同じ）、全角数字、"
    "和暦（令和6年4月1日・R6.4.1）を読めます。"
    "拠点の台帳（会社名・相談日など独自の見出しのファイル）は、列の対応づけを確かめてから"
    "取り込みます。"
    "ID列のある行は同じIDの記録を、企業は法人番号でも照合して更新するため、同じファイルを"
    "再度取り込んでも重複しません。"
)

upload = st.file_uploader(
    "CSV・Excel ファイル（または CSV出力の zip）", type=["csv", "xlsx", "zip"], key="import.file"
)
entity = st.selectbox(
    "種類",
    [AUTO, *(name for name in FULL_ENTITIES if name not in RESTORE_ONLY)],
    key="import.entity",
    format_func=lambda e: (
        "自動判定（ファイル名・見出しから）" if e == AUTO else f"{ENTITIES[e].label}（{e}）"
    ),
)


def _progress(bar):
    return lambda share, text: bar.progress(min(max(share, 0.0), 1.0), text=text)


def _source(data: bytes, name: str) -> LedgerSource:
    """The upload's files, read once per upload (a workbook is read in a child process)."""
    key = (hashlib.sha256(data).hexdigest(), name)
    kept = st.session_state.get(SOURCE_KEY)
    if kept is None or kept[0] != key:
        kept = (key, LedgerSource.read(data, name))
        st.session_state[SOURCE_KEY] = kept
    return kept[1]


def _files(data: bytes, name: str) -> list[tuple[str, bytes]]:
    entries = _source(data, name).files
    files = [(n, d) for n, d in entries if entity_of(n) not in ("partners", "summary")]
    if not files:
        raise CrmError(
            f"{name}: 取り込める記録がありません（パートナーと拠点別集計は取り込みの対象外です）。"
        )
    return files


def _run(data: bytes, name: str, dry_run: bool):
    bar = st.progress(0.0, text="確認しています…" if dry_run else "取り込んでいます…")
    chosen = None if entity == AUTO else entity
    if dry_run:
        with session() as s:
            long_running(s)
            report = import_files(
                s,
                actor,
                _files(data, name),
                entity=chosen,
                dry_run=True,
                progress=_progress(bar),
                preview_rows=PREVIEW_ROWS,
            )
            s.rollback()
    else:
        with session_scope(get_engine()) as s:
            long_running(s)
            report = import_files(
                s, actor, _files(data, name), entity=chosen, dry_run=False, progress=_progress(bar)
            )
            if report.errors:
                s.rollback()
    return report


if upload is None:
    st.session_state.pop(CHECK_KEY, None)
    st.info("ファイルを選ぶと、書き込む前に全行を確認します（確認だけでは何も書き込みません）。")
    st.stop()

data = upload.getvalue()
signature = (hashlib.sha256(data).hexdigest(), upload.name, entity)
if entity in LEDGER_KINDS:
    try:
        source = _source(data, upload.name)
        own_layout = source.is_product_layout()
    except CrmError as error:
        st.error(literal(error))
        st.stop()
    if not own_layout:  # a hub's own ledger: the mapping step, then its own confirm
        show_ledger_step(actor, source, signature)
        st.stop()
check = st.session_state.get(CHECK_KEY)
if check is None or check["signature"] != signature:
    st.session_state.pop(DONE_KEY, None)
    try:
        report = _run(data, upload.name, dry_run=True)
    except CrmError as error:
        st.error(literal(error))
        st.stop()
    check = {"signature": signature, "report": report}
    st.session_state[CHECK_KEY] = check

report = check["report"]
show_files(report)
show_warnings(report)
if show_errors(report):
    st.stop()

done = st.session_state.get(DONE_KEY)
if done is not None and done["signature"] == signature:
    st.success(literal(done["message"]))
    st.stop()

totals = report.totals()
st.info(
    "確認が終わりました（まだ書き込んでいません）: "
    + "・".join(f"{label} {totals.get(action, 0):,} 件" for action, label in ACTIONS.items())
)
if st.button("この内容で取り込む", type="primary", icon=":material/upload:", key="import.write"):
    try:
        written = _run(data, upload.name, dry_run=False)
    except ImportConflict as conflict:  # rows saved by someone since the check: nothing written
        st.session_state[CHECK_KEY] = {"signature": signature, "report": conflict.report}
        st.rerun()
    except CrmError as error:
        st.error(literal(error))
        st.stop()
    if written.errors:  # the data changed since the check
        st.session_state[CHECK_KEY] = {"signature": signature, "report": written}
        st.rerun()
    totals = written.totals()
    st.session_state[DONE_KEY] = {
        "signature": signature,
        "message": "取り込みました: "
        + "・".join(f"{label} {totals.get(action, 0):,} 件" for action, label in ACTIONS.items())
        + written.effects_text(),
    }
    st.rerun()
