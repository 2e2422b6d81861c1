"""都道府県比較: every hub side by side, and a Japan tile map coloured by a chosen measure.
Clicking a prefecture (or choosing it below) opens that hub's dashboard, read-only. At the
bottom, the monthly report (月次報告) for a chosen month as a workbook and a PDF."""

import streamlit as st

from crm.analytics.comparison import hub_comparison
from crm.analytics.forecast import Outlook, fiscal_year_forecast
from crm.analytics.forecast_record import disagreements, forecast_record
from crm.analytics.national import headline_figures
from crm.db_timeouts import long_running
from crm.errors import CrmError
from crm.presentation.analytics_frames import (
    MEASURES,
    analyst_order,
    comparison_frame,
    tile_frame,
    with_forecast,
)
from crm.presentation.charts import PREFECTURE_SELECTION, selected_prefecture, tile_map_chart
from crm.presentation.forecast_text import (
    disagreement_list,
    disagreement_sentence,
    error_sentence,
)
from crm.presentation.text import literal
from crm.reference import Role
from crm.reports.monthly import last_closed_month, monthly_files, months_offered
from crm.timeutil import today_jst
from ui import chart_specs, tables
from ui.analytics_filters import filter_panel, period_label
from ui.cache import cached_read
from ui.forms import guarded
from ui.runtime import session
from ui.session import require_role

HUB_DASHBOARD = "pages/hub_dashboard.py"
MONTHLY_KEY = "pref_monthly_report"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

actor = require_role(Role.SECRETARIAT)
st.title("都道府県比較")
filters = filter_panel()

today = today_jst()
with guarded():
    comparison = cached_read(hub_comparison, actor, filters=filters, today=today)
    national = cached_read(headline_figures, actor, filters=filters)
    forecasts = cached_read(fiscal_year_forecast, actor, as_of=comparison.as_of)
    record = cached_read(forecast_record, actor, as_of=comparison.as_of)

st.caption(f"期間: {period_label(filters)}。{comparison.target_year.statement}。")
totals = st.columns(4)
totals[0].metric("全国計: 相談件数", f"{national.consultations:,}")
totals[1].metric("全国計: 人材ニーズ", f"{national.needs_opened:,}")
totals[2].metric("全国計: 成約件数", f"{national.placements:,}")
totals[3].metric("目標を下回る拠点", f"{len(comparison.behind)}")

st.subheader("都道府県マップ")
measure = st.selectbox(
    "色分けする指標", list(MEASURES), format_func=lambda m: MEASURES[m].label, key="pref_measure"
)
chosen = MEASURES[measure]
event = chart_specs.show(
    tile_map_chart,
    tile_frame(comparison, measure),
    f"都道府県別の{chosen.label}",
    chosen.label,
    chosen.chart_format,
    on_select="rerun",
    selection_mode=PREFECTURE_SELECTION,
    key="pref_map",
)
st.caption(
    "灰色のマスは拠点のない都道府県（東京都など）です。拠点のマスをクリックすると、"
    "その拠点のダッシュボードを閲覧できます。"
)
clicked = selected_prefecture(event)
if clicked is not None and clicked in {row.hub_code for row in comparison.rows if row.active}:
    st.switch_page(HUB_DASHBOARD, query_params={"hub": clicked})

st.subheader("拠点別の一覧")
frame = with_forecast(comparison_frame(comparison), forecasts)
period = f"{comparison.fiscal_year}年度の初めから{comparison.as_of:%m/%d}まで"
tables.show(
    analyst_order(frame),
    help={
        "成約率": "期間の成約 ÷ 相談",
        "相談進捗率": "年度の実績 ÷ 按分した相談目標",
        "成約進捗率": "年度の実績 ÷ 按分した成約目標",
        "年度相談": period,
        "年度成約": period,
        "うち副業・兼業": "期間の成約のうち、雇用形態が副業・兼業のもの",
        "県外からの人材": (
            "期間の成約のうち、前居住地が首都圏・その他の地域のもの（未記録は含まない）"
        ),
        "年度末成約見込み": f"{comparison.fiscal_year}年度末の成約件数の見込み（拠点の過去の年度の"
        f"季節パターンから、{comparison.as_of:%m/%d}時点）",
        "成約見込みの幅": "過去の各年度のパターンから出した見込みの最小〜最大",
        "成約目標の見通し": "「達成」: 年度の実績が承認済みの成約目標に到達。"
        "「届かない見込み」: 見込みの幅の上限でも目標を下回る。「届く可能性あり」: それ以外",
    },
)
st.caption(
    f"合計: 相談 {comparison.total('consultations'):,} 件・人材ニーズ "
    f"{comparison.total('needs_opened'):,} 件・成約 {comparison.total('placements'):,} 件"
    "（列見出しをクリックすると並べ替えられます）"
)
st.caption(
    f"年度末成約見込みについて: 各拠点の{error_sentence(record.placements.errors, record.as_of)}"
)
progress = [row.progress for row in comparison.rows if row.progress is not None]
hub_names = {row.hub_code: row.hub_name for row in comparison.rows}
for behind, codes in disagreements(progress, forecasts, "placements").items():
    if codes:
        outlook = Outlook.WITHIN_REACH if behind else Outlook.OUT_OF_REACH
        st.info(
            literal(
                disagreement_list("成約", behind, outlook, [hub_names[c] for c in codes])
                + disagreement_sentence(behind, outlook, record.placements.guides)
            )
        )

st.subheader("拠点ダッシュボードを開く")
names = {row.hub_code: f"{row.hub_code} {row.hub_name}" for row in comparison.rows if row.active}
pick, go = st.columns([3, 1], vertical_alignment="bottom")
code = pick.selectbox("都道府県", list(names), format_func=names.__getitem__, key="pref_drill")
if go.button("ダッシュボードを開く", icon=":material/open_in_new:", disabled=not names):
    st.switch_page(HUB_DASHBOARD, query_params={"hub": code})

st.subheader("月次報告")
st.caption(
    "選んだ月の末日現在（当月は本日現在）の都道府県別の年度・累計の相談件数と成約件数、"
    "うち副業・兼業、県外からの人材、地域ブロック計と全国計、ブロック内順位、年度別の推移と"
    "グラフ「成約件数と相談件数の推移」を、Excel ブックと PDF で作成します（上の絞り込みとは"
    "関係なく全拠点）。"
)
months = months_offered(today)
pick_month, make = st.columns([3, 1], vertical_alignment="bottom")
month = pick_month.selectbox(
    "対象月",
    months,
    index=months.index(last_closed_month(today)),
    format_func=lambda m: (
        f"{m[:4]}年{int(m[5:])}月" + ("（当月・本日現在）" if m == months[0] else "")
    ),
    key="pref_monthly_month",
)
if make.button("月次報告を作成", icon=":material/description:", key="pref_monthly_make"):
    st.session_state.pop(MONTHLY_KEY, None)
    try:
        with st.spinner("月次報告を作成しています…"), session() as s:
            long_running(s)
            files = monthly_files(s, actor, month, today)
    except CrmError as error:
        st.error(literal(error))
    else:
        st.session_state[MONTHLY_KEY] = {
            "month": month,
            "label": files.report.as_of_label,
            "national": (files.report.national.consultations, files.report.national.placements),
            "files": [
                (files.workbook_name, files.workbook, XLSX_MIME),
                (files.pdf_name, files.pdf, "application/pdf"),
            ],
        }
made = st.session_state.get(MONTHLY_KEY)
if made is not None:
    consultations, placements = made["national"]
    st.success(
        f"{made['label']}の月次報告を作成しました: 全国累計 相談 {consultations:,} 件・"
        f"成約 {placements:,} 件"
    )
    buttons = st.columns(len(made["files"]))
    for column, (name, data, mime) in zip(buttons, made["files"], strict=True):
        column.download_button(
            f"{name} をダウンロード",
            data,
            file_name=name,
            mime=mime,
            icon=":material/download:",
            key=f"pref_monthly_{name}",
        )
