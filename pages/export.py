"""CSV出力: the weekly (or full) export as a zip of CSV files or as one Excel workbook.

The secretariat exports all hubs or one; a hub manager exports their own hub. Making the files
is a button (each export is audited); the download button then serves the zip made.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from crm.csvio.excel import ENCODINGS, EncodingRefused
from crm.csvio.export import Week, full_export, weekly_export
from crm.csvio.xlsx import XLSX_MIME, export_sheets, export_workbook_name, workbook_bytes
from crm.db import session_scope
from crm.db_timeouts import long_running
from crm.errors import CrmError
from crm.presentation.text import literal
from crm.reference import Role
from crm.services.reference_data import list_hubs
from crm.timeutil import now_jst
from ui.runtime import get_engine, session
from ui.session import require_role

RESULT_KEY = "export.result"
WEEKS_OFFERED = 26
ALL = "all"

actor = require_role(Role.HUB_MANAGER, Role.SECRETARIAT)
st.title("CSV出力")
st.caption(
    "Excel でそのまま開ける CSV（既定は UTF-8 BOM付き・CRLF）を zip にまとめるか、Excel ブック"
    "（ファイルごとに1シート、コード・法人番号・IDは文字列、日付は日付、件数・金額は数値）で"
    "ダウンロードします。数式として実行されうるセルは先頭に ' を付けて無害化しています。"
)

kind = st.radio(
    "出力の種類",
    ["weekly", "full"],
    horizontal=True,
    key="export.kind",
    format_func={"weekly": "週次（月曜〜日曜の週）", "full": "全件"}.get,
)

week = None
if kind == "weekly":
    last = Week.last_complete()
    monday = dt.date.fromisocalendar(last.year, last.week, 1)
    weeks = []
    for back in range(WEEKS_OFFERED):
        year, number, _ = (monday - dt.timedelta(weeks=back)).isocalendar()
        weeks.append(Week(year, number))
    week = st.selectbox(
        "週",
        weeks,
        key="export.week",
        format_func=lambda w: f"{w.label}（{w.days[0]:%Y/%m/%d}〜{w.days[1]:%m/%d}）",
        help="既定は直近に終わった週（日本時間の月曜0時〜日曜24時）。",
    )

if actor.is_hub_manager:
    hub = actor.hub_code
    st.caption(f"自拠点（{hub}）の記録を出力します。")
else:
    with session() as s:
        hubs = {h.code: f"{h.code} {h.name_ja}" for h in list_hubs(s)}
    choice = st.selectbox(
        "拠点",
        [ALL, *hubs],
        key="export.hub",
        format_func=lambda c: "全拠点" if c == ALL else hubs[c],
    )
    hub = None if choice == ALL else choice

output_format = st.radio(
    "形式",
    ["csv", "xlsx"],
    horizontal=True,
    key="export.format",
    format_func={"csv": "CSV（zip）", "xlsx": "Excel ブック（.xlsx）"}.get,
)
left, right = st.columns(2)
encoding = left.radio(
    "文字コード",
    list(ENCODINGS),
    format_func=ENCODINGS.get,
    key="export.encoding",
    horizontal=True,
    disabled=output_format == "xlsx",
    help="CSV のみ（Excel ブックは文字コードを選ぶ必要がありません）",
)
headers = right.radio(
    "見出し",
    ["ja", "en"],
    key="export.headers",
    horizontal=True,
    format_func={"ja": "日本語", "en": "英語（列名コード）"}.get,
)

if st.button("出力ファイルを作成", type="primary", icon=":material/folder_zip:", key="export.make"):
    st.session_state.pop(RESULT_KEY, None)
    try:
        with session_scope(get_engine()) as s:
            long_running(s)
            if kind == "weekly":
                bundle = weekly_export(s, actor, week, hub=hub, encoding=encoding, headers=headers)
            else:
                bundle = full_export(s, actor, hub=hub, encoding=encoding, headers=headers)
        download: tuple[str, bytes, str, str | None]  # file name, bytes, MIME type, button label
        if output_format == "xlsx":
            download = (
                export_workbook_name(bundle),
                workbook_bytes(export_sheets(bundle)),
                XLSX_MIME,
                "Excel ブックをダウンロード",
            )
        else:
            download = (f"{bundle.folder}.zip", bundle.zip_bytes(), "application/zip", None)
        st.session_state[RESULT_KEY] = {
            "folder": bundle.folder,
            "zip": download[1] if output_format == "csv" else None,
            "download": download,
            "files": bundle.row_counts(),
            "manifest": bundle.manifest,
        }
    except EncodingRefused as error:
        st.error(
            f"Shift_JIS（CP932）で表せない文字が {len(error.problems)} 件あるため出力できません。"
            "UTF-8 を選ぶか、該当の記録を修正してください。"
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "ファイル": p.file,
                        "ID": p.record,
                        "列": p.column,
                        "文字": p.character,
                        "コード": p.codepoint,
                    }
                    for p in error.problems
                ]
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
    except CrmError as error:
        st.error(literal(error))

result = st.session_state.get(RESULT_KEY)
if result:
    manifest = result["manifest"]
    period = manifest.get("period")
    st.success(
        f"{result['folder']} を作成しました（{now_jst():%H:%M}）。"
        + (
            f"期間: {period['start']} 〜 {period['end_exclusive']}（終わりを含まない）"
            if period
            else ""
        )
    )
    st.dataframe(
        pd.DataFrame([{"ファイル": name, "行数": rows} for name, rows in result["files"].items()]),
        hide_index=True,
        width="stretch",
        placeholder="—",
    )
    name, data, mime, label = result["download"]
    st.download_button(
        label or "zip をダウンロード",
        data,
        file_name=name,
        mime=mime,
        icon=":material/download:",
        key="export.download",
        type="primary",
    )
