"""企業: search the hub's firms, register and edit them, and one page per firm (?company=ID)
with its contacts and its whole history."""

import streamlit as st

from crm.models import Company, stored_id
from crm.presentation.labels import FIELD_LABELS, day, industry_label, prefecture_label
from crm.presentation.text import literal
from crm.reference import JSIC_DIVISIONS, PREFECTURES
from crm.services.companies import (
    add_contact,
    create_company,
    get_company,
    list_contacts,
    update_company,
)
from crm.services.lookups import find_companies
from crm.services.merge import ALLOW_DUPLICATE_HELP, ALLOW_DUPLICATE_LABEL
from crm.services.timeline import KIND_LABELS, company_timeline
from crm.vocabulary import term
from ui import form_state as fs
from ui import links
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import grid, paginate
from ui.merge import follow_merged, merge_section
from ui.pickers import query_id
from ui.runtime import session
from ui.session import require_actor

PAGE_SIZE = 20
COMPANY_FIELDS = (
    "name",
    "kana",
    "corporate_number",
    "prefecture_code",
    "city",
    "industry",
    "employees",
    "capital_jpy",
    "notes",
)
CONTACT_FIELDS = ("name", "title", "email", "phone")

actor = require_actor()
read_only = not actor.is_hub_manager


def company_fields(form: str, *, default_prefecture: str | None = None) -> None:
    """The firm's widgets (shared by the create and edit forms)."""
    k = lambda field: fs.key(form, field)  # noqa: E731
    left, right = st.columns(2)
    with left:
        st.text_input("企業名 *", key=k("name"), max_chars=200)
        fs.error(form, "name")
        st.text_input(
            "企業名カナ",
            key=k("kana"),
            max_chars=200,
            help="検索に使います（例: ヤマガタセイミツ）。",
        )
        fs.error(form, "kana")
        st.text_input(
            "法人番号",
            key=k("corporate_number"),
            placeholder="13桁（全角・ハイフン可）",
            help="国税庁の法人番号。個人事業主は空欄のままにします。",
        )
        fs.error(form, "corporate_number")
        codes = list(PREFECTURES)
        st.selectbox(
            "都道府県 *",
            codes,
            # 0 is Streamlit's own default: the first prefecture, as when no index is given.
            index=0 if default_prefecture is None else codes.index(default_prefecture),
            key=k("prefecture_code"),
            format_func=lambda c: f"{c} {PREFECTURES[c][0]}",
        )
        fs.error(form, "prefecture_code")
        st.text_input("市区町村", key=k("city"), max_chars=100)
        fs.error(form, "city")
    with right:
        st.selectbox(
            "業種（日本標準産業分類）",
            [None, *JSIC_DIVISIONS],
            key=k("industry"),
            format_func=lambda c: "未選択" if c is None else industry_label(c),
        )
        fs.error(form, "industry")
        st.number_input("従業員数", value=None, step=1, key=k("employees"))
        fs.error(form, "employees")
        st.number_input("資本金（円）", value=None, step=1_000_000, key=k("capital_jpy"))
        fs.error(form, "capital_jpy")
        st.text_area(term("notes"), key=k("notes"), height=108)
        fs.error(form, "notes")


def open_company(company_id: int | None) -> None:
    if company_id is None:
        st.query_params.pop("company", None)
    else:
        st.query_params["company"] = str(company_id)


# --- one firm ---------------------------------------------------------------------------------


def show_company(company_id: int) -> None:
    with session() as s, guarded():
        company = get_company(s, actor, company_id)
        contacts = list_contacts(s, actor, company_id)
        events = company_timeline(s, actor, company_id)
    st.query_params["company"] = str(company.id)  # the address bar shows a shareable link

    st.button("← 企業一覧へ", on_click=open_company, args=(None,))
    fs.feedback("company_new")  # "registered" right after creating this firm
    st.title(literal(company.name))
    st.caption(
        literal(
            " ・ ".join(
                part
                for part in (
                    company.kana,
                    f"企業ID {company.id}",
                    f"拠点 {prefecture_label(company.hub_code)}",
                    company.corporate_number and f"法人番号 {company.corporate_number}",
                )
                if part
            )
        )
    )
    if read_only:
        st.caption("全国事務局として閲覧しています（閲覧のみ）。")

    counts = {kind: sum(1 for e in events if e.kind == kind) for kind in KIND_LABELS}
    metrics = st.columns(4)
    metrics[0].metric("相談", f"{counts['consultation']:,}")
    metrics[1].metric("人材ニーズ", f"{counts['need']:,}")
    metrics[2].metric("成約", f"{counts['placement']:,}")
    metrics[3].metric("フォローアップ", f"{counts['follow_up']:,}")

    if not read_only:
        actions = st.columns(3)
        with actions[0]:
            links.show(
                actor,
                links.Link(
                    links.CONSULTATIONS,
                    "この企業の相談を記録",
                    {"company": str(stored_id(company.id))},
                    ":material/edit_note:",
                ),
            )
        with actions[1]:
            links.show(
                actor,
                links.Link(
                    links.NEEDS,
                    "人材ニーズを登録",
                    {"company": str(stored_id(company.id))},
                    ":material/view_kanban:",
                ),
            )
        with actions[2]:
            links.show(
                actor,
                links.Link(
                    links.FOLLOW_UPS,
                    "フォローアップを予定",
                    {"company": str(stored_id(company.id))},
                    ":material/event_available:",
                ),
            )

    tabs = st.tabs(
        ["タイムライン", "企業情報", f"担当者（{len(contacts)}）"] + ([] if read_only else ["編集"])
    )
    with tabs[0]:
        show_timeline(company, events)
    with tabs[1]:
        show_details(company)
    with tabs[2]:
        show_contacts(company, contacts)
    if not read_only:
        with tabs[3]:
            edit_company(company)
            st.divider()
            merge_section(actor, company)


def show_timeline(company: Company, events) -> None:
    def onward(event):
        if event.kind == "need":
            return links.need(event.record_id, event.title)
        if event.kind in {"referral", "placement"} and event.need_id is not None:
            return links.need(event.need_id, event.title)
        if event.kind == "follow_up":
            return links.Link(links.FOLLOW_UPS, event.title, {"company": company.id})
        return event.title

    st.caption("新しい順。ニーズ・紹介・成約はニーズの詳細へ、フォローアップは一覧へ移動します。")
    grid(
        actor,
        ["日付", "種類", "内容", "詳細"],
        [[day(e.on), KIND_LABELS[e.kind], onward(e), e.detail] for e in events],
        widths=[1, 1, 2.5, 4],
        empty="まだ記録がありません。相談を記録すると、ここに並びます。",
    )


def show_details(company: Company) -> None:
    rows = {
        "企業名": company.name,
        "企業名カナ": company.kana or "",
        "法人番号": company.corporate_number or "",
        "所在地": f"{prefecture_label(company.prefecture_code)}{company.city or ''}",
        "業種": industry_label(company.industry),
        "従業員数": "" if company.employees is None else f"{company.employees:,}名",
        "資本金": "" if company.capital_jpy is None else f"{company.capital_jpy:,}円",
        term("notes"): company.notes or "",
    }
    # st.table cells are Markdown: the values go in as literal text.
    st.table([{"項目": key, "内容": literal(value)} for key, value in rows.items()])


def show_contacts(company: Company, contacts) -> None:
    if contacts:
        st.dataframe(
            [
                {
                    "氏名": c.name,
                    "役職": c.title or "",
                    "メール": c.email or "",
                    "電話": c.phone or "",
                }
                for c in contacts
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.info("担当者はまだ登録されていません。")
    if read_only:
        return
    form = f"contact_new.{company.id}"
    with fs.form(form):
        st.markdown("**担当者を追加**")
        left, right = st.columns(2)
        with left:
            st.text_input("氏名 *", key=fs.key(form, "name"))
            fs.error(form, "name")
            st.text_input("役職", key=fs.key(form, "title"))
            fs.error(form, "title")
        with right:
            st.text_input("メール", key=fs.key(form, "email"))
            fs.error(form, "email")
            st.text_input("電話", key=fs.key(form, "phone"))
            fs.error(form, "phone")
        fs.feedback(form, FIELD_LABELS | {"name": "氏名"})
        fs.submit_button(
            form,
            "担当者を追加",
            lambda s: add_contact(s, actor, stored_id(company.id), fs.values(form, CONTACT_FIELDS)),
            "担当者を追加しました。",
            lambda _contact: fs.reset(form, CONTACT_FIELDS),
            actor=actor,
            creates=True,
        )


def edit_company(company: Company) -> None:
    form = f"company_edit.{company.id}"
    fs.prefill(
        form,
        {field: getattr(company, field) for field in COMPANY_FIELDS},
        version=company.version,
        token=company.id,
    )
    with fs.form(form):
        company_fields(form)
        st.caption(f"編集を始めた時点の版: {fs.expected_version(form)}")
        fs.feedback(form, FIELD_LABELS)
        fs.submit_button(
            form,
            "変更を保存",
            lambda s: update_company(
                s,
                actor,
                stored_id(company.id),
                fs.values(form, COMPANY_FIELDS),
                fs.expected_version(form),
            ),
            "企業情報を更新しました。",
            lambda _company: fs.reset(form, COMPANY_FIELDS),
            actor=actor,
            type="primary",
        )
    st.button(
        "入力を破棄して最新の内容を読み込む",
        key=f"{form}.reload",
        on_click=fs.reset,
        args=(form, COMPANY_FIELDS),
    )


# --- the directory ----------------------------------------------------------------------------


def show_directory() -> None:
    st.title("企業")
    if read_only:
        st.caption("全国事務局として全拠点の企業を閲覧しています（閲覧のみ）。")
    hubs = hub_panel() if read_only else ()
    query = st.text_input(
        "検索", key="companies.query", placeholder="企業名・カナ・法人番号の一部（全角可）"
    )

    with guarded():
        total, _ = cached_read(find_companies, actor, text=query, hubs=hubs, limit=0)
        offset = paginate(total, "companies.page", PAGE_SIZE, reset_on=(query, hubs))
        _, found = cached_read(
            find_companies, actor, text=query, hubs=hubs, limit=PAGE_SIZE, offset=offset
        )
    header = ["企業名", "カナ", "法人番号", "所在地", "業種", "従業員数"]
    rows = [
        [
            links.company(c.id, c.name),
            c.kana,
            c.corporate_number,
            f"{prefecture_label(c.prefecture_code)}{c.city or ''}",
            industry_label(c.industry),
            "" if c.employees is None else f"{c.employees:,}名",
        ]
        for c in found
    ]
    if read_only:
        header.append("拠点")
        for row, c in zip(rows, found, strict=True):
            row.append(prefecture_label(c.hub_code))
    grid(
        actor,
        header,
        rows,
        widths=[3, 2, 1.6, 1.8, 2, 1] + ([0.8] if read_only else []),
        empty="該当する企業はありません。" if query else "まだ企業が登録されていません。",
    )

    if not read_only:
        create_form()


def created(company: Company) -> None:
    fs.reset("company_new", COMPANY_FIELDS)
    open_company(company.id)


def create_form() -> None:
    form = "company_new"
    total, _ = cached_read(find_companies, actor, limit=0)
    # Open right after a submit too: a burst's last answer ("already saved", with the link) may
    # arrive on the directory rather than on the saved firm's page.
    with st.expander(
        "新しい企業を登録",
        expanded=not total or fs.just_sent(form),
        icon=":material/add_business:",
    ):
        with fs.form(form):
            company_fields(form, default_prefecture=actor.hub_code)
            st.checkbox(
                ALLOW_DUPLICATE_LABEL,
                key=fs.key(form, "allow_duplicate"),
                help=ALLOW_DUPLICATE_HELP,
            )
            fs.feedback(form, FIELD_LABELS)
            fs.submit_button(
                form,
                "企業を登録",
                lambda s: create_company(
                    s, actor, fs.values(form, (*COMPANY_FIELDS, "allow_duplicate"))
                ),
                lambda company: f"{company.name} を登録しました。",
                created,
                actor=actor,
                creates=True,
                type="primary",
            )
        st.caption("相談と同時に登録するときは「相談記録」ページの「新しい企業」を使えます。")


selected = query_id("company", "企業")
if selected is None:
    show_directory()
else:
    show_company(follow_merged(actor, selected))
