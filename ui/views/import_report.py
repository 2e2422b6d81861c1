"""What the CSV取込 page shows of an import's check: per file its counts, encoding, header
language and a preview, then the look-alike firms (warnings) and the errors (row, column,
reason), each bounded (the first 100 and how many more)."""

import pandas as pd
import streamlit as st

from crm.csvio.importer import beyond
from crm.presentation.text import literal


def show_files(report) -> None:
    for file in report.files:
        st.subheader(literal(f"{file.name}（{file.label}）"))
        cols = st.columns(5)
        cols[0].metric("行数", f"{file.rows:,}")
        cols[1].metric("文字コード", file.encoding)
        cols[2].metric("見出し", file.language_label)
        cols[3].metric("新規", f"{file.counts.get('create', 0):,}")
        cols[4].metric(
            "更新／変更なし",
            f"{file.counts.get('update', 0):,}／{file.counts.get('unchanged', 0):,}",
        )
        if file.ignored_notice:
            st.caption(literal(file.ignored_notice))
        if file.preview:
            st.dataframe(
                pd.DataFrame(file.preview), hide_index=True, width="stretch", placeholder="—"
            )
    for skipped in report.skipped:
        st.info(literal(skipped), icon=":material/info:")


def show_warnings(report) -> None:
    if not report.warnings:
        return
    st.warning(
        f"同じ企業と思われる行が {report.warnings.total:,} 件あります（取り込みは止めません）。"
        "別の企業でなければ、取り込み後に企業ページで統合できます。",
        icon=":material/content_copy:",
    )
    st.dataframe(
        pd.DataFrame(
            [
                {"ファイル": w.file, "行": w.row, "列": w.column, "内容": w.reason}
                for w in report.warnings
            ]
        ),
        hide_index=True,
        width="stretch",
        key="import.warnings",
        placeholder="—",
    )
    if report.warnings.more:
        st.caption(beyond(report.warnings, "同じ企業と思われる行"))


def show_errors(report) -> bool:
    """The errors, if any (True: there are, and nothing can be written)."""
    if not report.errors:
        return False
    st.error(
        f"{report.errors.total:,} 件の誤りがあります。ファイルを修正してもう一度選んでください"
        "（何も書き込んでいません）。"
    )
    st.dataframe(
        pd.DataFrame(
            [
                {"ファイル": e.file, "行": e.row or "", "列": e.column, "理由": e.reason}
                for e in report.errors
            ]
        ),
        hide_index=True,
        width="stretch",
        key="import.errors",
        placeholder="—",
    )
    if report.errors.more:
        st.caption(beyond(report.errors, "誤り"))
    return True
