"""人材ニーズ: the hub's needs by status, opening a need from a consultation, and one page per
need (?need=ID) with its dated pipeline, referrals to partners and their outcomes."""

import streamlit as st

from crm.models import Referral, TalentNeed, stored_id
from crm.presentation.labels import FIELD_LABELS, day, enum_codes, enum_label, prefecture_label
from crm.presentation.text import literal
from crm.reference import (
    NEED_TRANSITIONS,
    Engagement,
    NeedStatus,
    PartnerKind,
    ReferralOutcome,
    SalaryBand,
)
from crm.services.consultations import get_consultation
from crm.services.lookups import company_names, consultation_choices, consultation_company
from crm.services.needs import (
    count_needs_by_status,
    get_need,
    list_needs,
    list_referrals,
    move_need,
    need_history,
    open_need,
    refer_need,
    update_referral,
)
from crm.services.placements import list_placements
from crm.services.reference_data import list_categories, list_partners
from crm.timeutil import today_jst
from crm.vocabulary import term
from ui import form_state as fs
from ui import links, pickers
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import Cell, grid, paginate
from ui.runtime import session
from ui.session import require_actor

PAGE_SIZE = 25
NEW_FORM = "need_new"
NEED_FIELDS = (
    "consultation_id",
    "category_id",
    "engagement",
    "role_title",
    "headcount",
    "salary_band",
    "opened_on",
    "notes",
)
STATUSES = list(NeedStatus)

actor = require_actor()
read_only = not actor.is_hub_manager

with session() as s:
    categories = {c.id: c.name_ja for c in list_categories(s, active_only=False)}
    active_categories = [c.id for c in list_categories(s)]
    partners = {p.id: p for p in list_partners(s, active_only=False)}


def partner_label(partner_id: int | None) -> str:
    partner = partners.get(partner_id)
    return "" if partner is None else partner.name


def set_param(name: str, value: object | None, *drop: str) -> None:
    for other in drop:
        st.query_params.pop(other, None)
    if value is None:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = str(value)


# --- new need ---------------------------------------------------------------------------------


def new_need_form(company_filter: int | None) -> None:
    preselect = pickers.query_id("consultation", "相談")
    k = lambda field: fs.key(NEW_FORM, field)  # noqa: E731
    with st.expander(
        "新しい人材ニーズ（相談から登録）",
        expanded=preselect is not None or fs.just_sent(NEW_FORM),
        icon=":material/add_task:",
    ):
        with fs.form(NEW_FORM):
            choices = cached_read(consultation_choices, actor, company_id=company_filter)
            pickers.pick(
                "元の相談 *",
                choices,
                k("consultation_id"),
                preselect=preselect,
                help="ニーズが生まれた相談（企業はその相談の企業になります）。",
            )
            fs.error(NEW_FORM, "consultation_id", "company_id")
            left, right = st.columns(2)
            with left:
                st.selectbox(
                    "人材区分 *",
                    active_categories,
                    index=None,
                    key=k("category_id"),
                    format_func=categories.__getitem__,
                    placeholder="選択してください",
                )
                fs.error(NEW_FORM, "category_id")
                st.text_input(
                    f"{term('role_title')} *", key=k("role_title"), placeholder="例: 営業部長"
                )
                fs.error(NEW_FORM, "role_title")
                st.number_input("人数 *", value=1, step=1, key=k("headcount"))
                fs.error(NEW_FORM, "headcount")
            with right:
                st.selectbox(
                    f"{term('engagement')} *",
                    enum_codes(Engagement),
                    format_func=Engagement.labels().__getitem__,
                    key=k("engagement"),
                )
                fs.error(NEW_FORM, "engagement")
                st.selectbox(
                    term("salary_band"),
                    [None, *enum_codes(SalaryBand)],
                    key=k("salary_band"),
                    format_func=lambda c: "未定" if c is None else SalaryBand(c).label,
                )
                fs.error(NEW_FORM, "salary_band")
                st.date_input(
                    "受付日 *", value=today_jst(), key=k("opened_on"), format="YYYY/MM/DD"
                )
                fs.error(NEW_FORM, "opened_on")
            st.text_area(term("notes"), key=k("notes"), height=80)
            fs.error(NEW_FORM, "notes")
            fs.feedback(NEW_FORM, FIELD_LABELS)
            fs.submit_button(
                NEW_FORM,
                "人材ニーズを登録",
                save_new_need,
                lambda need: f"人材ニーズ #{need.id} を登録しました。",
                opened,
                actor=actor,
                creates=True,
                type="primary",
            )


def save_new_need(s) -> TalentNeed:
    data = fs.values(NEW_FORM, NEED_FIELDS)
    consultation_id = data["consultation_id"]
    company_id = (
        None if consultation_id is None else consultation_company(s, actor, consultation_id)
    )
    return open_need(s, actor, {**data, "company_id": company_id})


def opened(need: TalentNeed) -> None:
    fs.reset(NEW_FORM, NEED_FIELDS)
    set_param("need", need.id, "consultation")


# --- the board --------------------------------------------------------------------------------


def board() -> None:
    st.title("人材ニーズ")
    company_filter = pickers.query_id("company", "企業")
    hubs = hub_panel() if read_only else ()
    if read_only:
        st.caption("全国事務局として全拠点のニーズを閲覧しています（閲覧のみ）。")

    with guarded():
        counts = cached_read(count_needs_by_status, actor, company_id=company_filter, hubs=hubs)
        if company_filter is not None:
            name = cached_read(company_names, actor, ids=[company_filter]).get(company_filter)
            if name is None:
                st.error("この企業は表示できません（他の拠点の企業か、存在しません）。")
                st.stop()
            st.query_params["company"] = str(company_filter)
            left, right = st.columns([3, 1])
            left.info(
                f"{literal(name)} のニーズだけを表示しています。", icon=":material/filter_alt:"
            )
            right.button("絞り込みを解除", on_click=set_param, args=("company", None))

    metrics = st.columns(len(STATUSES))
    for column, status in zip(metrics, STATUSES, strict=True):
        column.metric(status.label, f"{counts[status.value]:,}")

    if not read_only:
        new_need_form(company_filter)

    tabs = st.tabs([f"{status.label}（{counts[status.value]:,}）" for status in STATUSES])
    for tab, status in zip(tabs, STATUSES, strict=True):
        with tab:
            offset = paginate(
                counts[status.value],
                f"needs.page.{status.value}",
                PAGE_SIZE,
                reset_on=(company_filter, hubs),
            )
            rows = cached_read(
                list_needs,
                actor,
                status=status.value,
                company_id=company_filter,
                hubs=hubs,
                limit=PAGE_SIZE,
                offset=offset,
            )
            need_table(rows)


def need_table(rows: list[TalentNeed]) -> None:
    names = cached_read(company_names, actor, ids=sorted({n.company_id for n in rows}))
    header = [
        "ニーズ",
        "企業",
        term("category"),
        term("engagement"),
        term("headcount"),
        term("salary_band"),
        term("opened_on"),
    ]
    widths = [2.2, 2.2, 1.5, 1.1, 0.6, 1.3, 1]
    table: list[list[Cell]] = [
        [
            links.need(stored_id(n.id), f"{n.role_title}（#{n.id}）"),
            links.company(n.company_id, names.get(n.company_id, "")),
            categories.get(n.category_id, ""),
            enum_label(Engagement, n.engagement),
            f"{n.headcount}名",
            enum_label(SalaryBand, n.salary_band),
            day(n.opened_on),
        ]
        for n in rows
    ]
    if read_only:
        header.insert(0, "拠点")
        widths.insert(0, 0.8)
        for row, n in zip(table, rows, strict=True):
            row.insert(0, prefecture_label(n.hub_code))
    grid(actor, header, table, widths, empty="この状態のニーズはありません。")


# --- one need ---------------------------------------------------------------------------------


def show_need(need_id: int) -> None:
    with session() as s, guarded():
        need = get_need(s, actor, need_id)
        history = need_history(s, actor, need_id)
        referrals = list_referrals(s, actor, need_id=need_id)
        placements = list_placements(s, actor, need_id=need_id)
        company_name = company_names(s, actor, [need.company_id]).get(need.company_id, "")
        consultation = (
            None
            if need.consultation_id is None
            else get_consultation(s, actor, need.consultation_id)
        )

    st.query_params["need"] = str(need.id)  # the address bar shows a shareable link
    st.button("← ニーズ一覧へ", on_click=set_param, args=("need", None))
    fs.feedback(NEW_FORM)  # "registered" right after opening this need
    status = NeedStatus(need.status)
    st.title(literal(f"{need.role_title}（{company_name}）"))
    st.caption(
        f"人材ニーズ #{need.id} ・ {prefecture_label(need.hub_code)} ・ 状態: {status.label}"
    )
    if read_only:
        st.caption("全国事務局として閲覧しています（閲覧のみ）。")

    metrics = st.columns(4)
    metrics[0].metric(term("status"), status.label)
    metrics[1].metric("人数", f"{need.headcount}名")
    metrics[2].metric("成約", f"{len(placements)}名")
    metrics[3].metric("紹介先", f"{len(referrals)}件")

    left, right = st.columns([3, 2])
    with left:
        links.show(actor, links.company(need.company_id, company_name, ":material/apartment:"))
        facts = {
            "人材区分": categories.get(need.category_id, ""),
            term("engagement"): enum_label(Engagement, need.engagement),
            term("salary_band"): enum_label(SalaryBand, need.salary_band) or "未定",
            "受付日": day(need.opened_on),
            "元の相談": ""
            if consultation is None
            else f"{day(consultation.consulted_on)} {consultation.summary[:60]}",
            term("notes"): need.notes or "",
        }
        # st.table cells are Markdown: the values go in as literal text.
        st.table([{"項目": key, "内容": literal(value)} for key, value in facts.items()])
    with right:
        st.markdown("**状態の履歴**")
        st.dataframe(
            [
                {
                    "日付": day(h.changed_on),
                    "変更": f"{enum_label(NeedStatus, h.from_status) or '—'} → "
                    f"{enum_label(NeedStatus, h.to_status)}",
                    term("notes"): h.note or "",
                }
                for h in history
            ],
            hide_index=True,
            width="stretch",
        )

    st.subheader("紹介先（人材ビジネス事業者・パートナー）")
    if referrals:
        st.dataframe(
            [
                {
                    "紹介日": day(r.referred_on),
                    "紹介先": partner_label(r.partner_id),
                    "結果": enum_label(ReferralOutcome, r.outcome),
                    term("notes"): r.notes or "",
                }
                for r in referrals
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.info("まだどこにも紹介していません。")

    st.subheader("成約")
    if placements:
        st.dataframe(
            [
                {
                    "成約日": day(p.placed_on),
                    term("engagement"): enum_label(Engagement, p.engagement),
                    term("partner"): partner_label(p.partner_id),
                }
                for p in placements
            ],
            hide_index=True,
            width="stretch",
        )
    if not read_only and status in (NeedStatus.OPEN, NeedStatus.REFERRED):
        links.show(
            actor,
            links.Link(
                links.PLACEMENTS,
                "このニーズの成約を登録",
                {"need": str(stored_id(need.id))},
                ":material/handshake:",
            ),
        )

    if read_only:
        return
    actions = st.columns(2)
    with actions[0]:
        move_form(need)
    with actions[1]:
        if status != NeedStatus.WITHDRAWN:
            refer_form(need)
    for referral in referrals:
        outcome_form(referral)


def move_form(need: TalentNeed) -> None:
    form = f"need_move.{need.id}"
    current = NeedStatus(need.status)
    # Placing is done by recording a placement, so that every 成約 has its record.
    targets = [
        s.value for s in STATUSES if s in NEED_TRANSITIONS[current] and s != NeedStatus.PLACED
    ]
    with fs.form(form):
        st.markdown(f"**状態を変更**（現在: {current.label}）")
        st.selectbox(
            f"新しい{term('status')}",
            targets,
            format_func=lambda c: NeedStatus(c).label,
            key=fs.key(form, "status"),
        )
        fs.error(form, "status")
        st.date_input(
            "変更日", value=today_jst(), key=fs.key(form, "changed_on"), format="YYYY/MM/DD"
        )
        fs.error(form, "changed_on")
        st.text_input(
            term("notes"), key=fs.key(form, "note"), placeholder="例: 社内事情で採用を見送り"
        )
        fs.feedback(form, FIELD_LABELS)
        st.caption("成約にするには「このニーズの成約を登録」から成約を記録します。")
        fs.submit_button(
            form,
            "状態を変更",
            lambda s: move_need(
                s,
                actor,
                stored_id(need.id),
                fs.value(form, "status"),
                need.version,
                on=fs.value(form, "changed_on"),
                note=fs.value(form, "note") or None,
            ),
            lambda moved: f"状態を「{NeedStatus(moved.status).label}」に変更しました。",
            lambda _moved: fs.reset(form, ("status", "changed_on", "note")),
            actor=actor,
        )


def refer_form(need: TalentNeed) -> None:
    form = f"need_refer.{need.id}"
    active = [stored_id(p.id) for p in partners.values() if p.active]
    with fs.form(form):
        st.markdown("**パートナーに紹介**")
        choices = [
            (pid, f"{partners[pid].name}（{PartnerKind(partners[pid].kind).label}）")
            for pid in active
        ]
        pickers.pick("紹介先 *", choices, fs.key(form, "partner_id"))
        fs.error(form, "partner_id")
        st.date_input(
            "紹介日", value=today_jst(), key=fs.key(form, "referred_on"), format="YYYY/MM/DD"
        )
        fs.error(form, "referred_on")
        st.text_input(term("notes"), key=fs.key(form, "notes"))
        fs.error(form, "notes")
        fs.feedback(form, FIELD_LABELS)
        fs.submit_button(
            form,
            "紹介を記録",
            lambda s: refer_need(
                s,
                actor,
                {"need_id": need.id, **fs.values(form, ("partner_id", "referred_on", "notes"))},
            ),
            lambda referral: f"{partner_label(referral.partner_id)} への紹介を記録しました。",
            lambda _referral: fs.reset(form, ("partner_id", "referred_on", "notes")),
            actor=actor,
            creates=True,
        )


def outcome_form(referral: Referral) -> None:
    form = f"referral.{referral.id}"
    fs.prefill(
        form,
        {"outcome": referral.outcome, "notes": referral.notes or ""},
        version=referral.version,
        token=referral.id,
    )
    title = (
        f"紹介の結果: {partner_label(referral.partner_id)}（{day(referral.referred_on)}・"
        f"{enum_label(ReferralOutcome, referral.outcome)}）"
    )
    with st.expander(literal(title)):
        with fs.form(form):
            st.selectbox(
                "結果",
                enum_codes(ReferralOutcome),
                key=fs.key(form, "outcome"),
                format_func=ReferralOutcome.labels().__getitem__,
            )
            fs.error(form, "outcome")
            st.text_input(term("notes"), key=fs.key(form, "notes"))
            fs.error(form, "notes")
            fs.feedback(form, FIELD_LABELS)
            fs.submit_button(
                form,
                "結果を保存",
                lambda s: update_referral(
                    s,
                    actor,
                    stored_id(referral.id),
                    fs.values(form, ("outcome", "notes")),
                    fs.expected_version(form),
                ),
                "紹介の結果を保存しました。",
                lambda _referral: fs.reset(form, ("outcome", "notes")),
                actor=actor,
            )


selected = pickers.query_id("need", "人材ニーズ")
if selected is None:
    board()
else:
    show_need(selected)
