"""相談記録: log a consultation fast (or register a new firm and log it in one step), and the
consultations, newest first (the secretariat: of the hubs it chooses)."""

import streamlit as st

from crm.presentation.labels import (
    FIELD_LABELS,
    day,
    enum_codes,
    enum_label,
    industry_label,
    prefecture_label,
)
from crm.presentation.text import literal
from crm.reference import JSIC_DIVISIONS, PREFECTURES, Channel, Stance
from crm.services.consultations import count_consultations, list_consultations, log_consultation
from crm.services.intake import register_company_with_consultation
from crm.services.lookups import company_names
from crm.services.merge import ALLOW_DUPLICATE_HELP, ALLOW_DUPLICATE_LABEL
from crm.timeutil import today_jst
from crm.vocabulary import term
from ui import form_state as fs
from ui import links, pickers
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import grid, paginate
from ui.session import require_actor

FORM = "consult"
MODE_KEY = "consult.mode"
SAVED_KEY = "consult.saved"
CONSULTATION_FIELDS = (
    "consulted_on",
    "channel",
    "summary",
    "stance",
    "next_action",
    "next_action_on",
)
NEW_COMPANY_FIELDS = ("name", "kana", "corporate_number", "prefecture_code", "city", "industry")
EXISTING, NEW = "existing", "new"
PAGE_SIZE = 30

actor = require_actor()
read_only = not actor.is_hub_manager


def k(field: str) -> str:
    return fs.key(FORM, field)


def new_company_fields() -> None:
    st.markdown("**新しい企業**")
    left, right = st.columns(2)
    with left:
        st.text_input("企業名 *", key=k("company.name"), max_chars=200)
        fs.error(FORM, "company.name")
        st.text_input("企業名カナ", key=k("company.kana"), max_chars=200)
        fs.error(FORM, "company.kana")
        st.text_input(
            "法人番号",
            key=k("company.corporate_number"),
            placeholder="13桁（全角・ハイフン可）。個人事業主は空欄",
        )
        fs.error(FORM, "company.corporate_number")
    with right:
        codes = list(PREFECTURES)
        st.selectbox(
            "都道府県 *",
            codes,
            index=codes.index(actor.own_hub),
            format_func=lambda c: f"{c} {PREFECTURES[c][0]}",
            key=k("company.prefecture_code"),
        )
        fs.error(FORM, "company.prefecture_code")
        st.text_input("市区町村", key=k("company.city"), max_chars=100)
        fs.error(FORM, "company.city")
        st.selectbox(
            "業種",
            [None, *JSIC_DIVISIONS],
            key=k("company.industry"),
            format_func=lambda c: "未選択" if c is None else industry_label(c),
        )
        fs.error(FORM, "company.industry")
    st.checkbox(ALLOW_DUPLICATE_LABEL, key=k("company.allow_duplicate"), help=ALLOW_DUPLICATE_HELP)


def consultation_fields() -> None:
    left, right = st.columns(2)
    with left:
        st.date_input("相談日 *", value=today_jst(), key=k("consulted_on"), format="YYYY/MM/DD")
        fs.error(FORM, "consulted_on")
    with right:
        st.selectbox(
            "相談経路 *",
            enum_codes(Channel),
            format_func=Channel.labels().__getitem__,
            key=k("channel"),
        )
        fs.error(FORM, "channel")
    st.text_area(
        "相談内容 *",
        key=k("summary"),
        height=120,
        placeholder="誰と会い、何を話したか。経営課題・人材の検討状況など",
    )
    fs.error(FORM, "summary")
    st.selectbox(
        term("stance"),
        [None, *enum_codes(Stance)],
        key=k("stance"),
        format_func=lambda c: "未選択" if c is None else Stance(c).label,
        help="「守りの経営」から「攻めの経営」へ、企業がどこまで踏み出しているか。",
    )
    fs.error(FORM, "stance")
    left, right = st.columns([2, 1])
    with left:
        st.text_input(
            "次のアクション", key=k("next_action"), placeholder="例: 求人票のたたき台を持って再訪"
        )
        fs.error(FORM, "next_action")
    with right:
        st.date_input(
            term("next_action_on"), value=None, key=k("next_action_on"), format="YYYY/MM/DD"
        )
        fs.error(FORM, "next_action_on")


def save(session):
    data = fs.values(FORM, CONSULTATION_FIELDS)
    if st.session_state.get(MODE_KEY) == NEW:
        company = {field: fs.value(FORM, f"company.{field}") for field in NEW_COMPANY_FIELDS}
        company["allow_duplicate"] = bool(fs.value(FORM, "company.allow_duplicate"))
        firm, consultation = register_company_with_consultation(session, actor, company, data)
        return consultation, firm.name
    consultation = log_consultation(
        session, actor, {"company_id": fs.value(FORM, "company_id"), **data}
    )
    return consultation, company_names(session, actor, [consultation.company_id]).get(
        consultation.company_id, ""
    )


def saved(result) -> None:
    consultation, company_name = result
    st.session_state[SAVED_KEY] = {
        "id": consultation.id,
        "company_id": consultation.company_id,
        "company": company_name,
        "on": consultation.consulted_on,
    }
    fs.reset(
        FORM,
        (*CONSULTATION_FIELDS, "company_id", *(f"company.{field}" for field in NEW_COMPANY_FIELDS)),
    )
    st.session_state[MODE_KEY] = EXISTING


def last_saved() -> None:
    last = st.session_state.get(SAVED_KEY)
    if not last:
        return
    with st.container(border=True):
        st.markdown(
            f"**記録しました:** {day(last['on'])} {literal(last['company'])}（相談ID {last['id']}）"
        )
        columns = st.columns(3)
        with columns[0]:
            links.show(
                actor,
                links.Link(
                    links.NEEDS,
                    "この相談から人材ニーズを登録",
                    {"consultation": last["id"]},
                    ":material/add_task:",
                ),
            )
        with columns[1]:
            links.show(
                actor, links.company(last["company_id"], "企業ページを開く", ":material/apartment:")
            )
        with columns[2]:
            st.button(
                "閉じる",
                key="consult.saved.close",
                on_click=lambda: st.session_state.pop(SAVED_KEY, None),
            )


def entry_form() -> None:
    preselect = pickers.query_id("company", "企業")
    st.radio(
        "企業",
        [EXISTING, NEW],
        key=MODE_KEY,
        horizontal=True,
        format_func={EXISTING: "登録済みの企業", NEW: "新しい企業（企業登録と同時に記録）"}.get,
    )
    if st.session_state.get(MODE_KEY, EXISTING) != NEW:
        pickers.company_search(k("company_id"))
    with fs.form(FORM):
        if st.session_state.get(MODE_KEY, EXISTING) == NEW:
            new_company_fields()
        else:
            pickers.company(actor, k("company_id"), preselect=preselect, label="企業 *")
            fs.error(FORM, "company_id")
        consultation_fields()
        fs.feedback(
            FORM,
            FIELD_LABELS | {f"company.{f}": f"企業の{FIELD_LABELS[f]}" for f in NEW_COMPANY_FIELDS},
        )
        fs.submit_button(
            FORM,
            "相談を記録",
            save,
            "相談を記録しました。",
            saved,
            actor=actor,
            creates=True,
            type="primary",
        )


def recent() -> None:
    hubs = hub_panel() if read_only else ()
    st.subheader("相談の一覧" + ("（全拠点）" if read_only and not hubs else ""))
    with guarded():
        total = cached_read(count_consultations, actor, hubs=hubs)
        offset = paginate(total, "consultations.page", PAGE_SIZE, reset_on=hubs)
        rows = cached_read(list_consultations, actor, hubs=hubs, limit=PAGE_SIZE, offset=offset)
        names = cached_read(company_names, actor, ids=sorted({c.company_id for c in rows}))
    header = [
        term("consulted_on"),
        "企業",
        term("channel"),
        term("summary"),
        term("stance"),
        term("next_action"),
    ]
    widths = [1, 2, 1.3, 3.5, 1.3, 2]
    table = []
    for c in rows:
        next_action = " ".join(part for part in (day(c.next_action_on), c.next_action) if part)
        table.append(
            [
                day(c.consulted_on),
                links.company(c.company_id, names.get(c.company_id, "")),
                enum_label(Channel, c.channel),
                c.summary,
                enum_label(Stance, c.stance),
                next_action,
            ]
        )
    if read_only:
        header.insert(0, "拠点")
        widths.insert(0, 0.8)
        for row, c in zip(table, rows, strict=True):
            row.insert(0, prefecture_label(c.hub_code))
    grid(actor, header, table, widths, empty="該当する相談の記録はありません。")
    st.caption("企業ごとの全履歴は企業ページのタイムラインで見られます。")


st.title("相談記録")
if read_only:
    st.caption("全国事務局として全拠点の相談を閲覧しています（閲覧のみ）。")
else:
    last_saved()
    entry_form()
recent()
