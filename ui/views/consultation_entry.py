"""Logging a consultation (相談記録): with a firm the hub has, or with a new firm registered in
the same step through the one firm form (``ui.firm_form``); then what to do next."""

import streamlit as st

from crm.actor import Actor
from crm.calendar_jp import day_with_weekday
from crm.entities import ConsultationInput
from crm.models import Consultation
from crm.presentation.labels import FIELD_LABELS
from crm.presentation.text import literal
from crm.services.consultations import log_consultation
from crm.services.intake import register_company_with_consultation
from crm.services.lookups import company_names
from crm.services.outreach import source_choices
from ui import firm_form, links, pickers
from ui import form_state as fs
from ui.cache import cached_read
from ui.fields import FieldSet

FORM = "consult"
MODE_KEY = "consult.mode"
SAVED_KEY = "consult.saved"
EXISTING, NEW = "existing", "new"

# The firm is chosen above the fields (an existing one) or registered with them (a new one).
CONSULTATION = FieldSet(
    ConsultationInput,
    exclude=("company_id",),
    columns=2,
    help={"stance": "「守りの経営」から「攻めの経営」へ、企業がどこまで踏み出しているか。"},
    placeholder={
        "summary": "誰と会い、何を話したか。経営課題・人材の検討状況など",
        "next_action": "例: 求人票のたたき台を持って再訪",
    },
)
NEW_FIRM = firm_form.WITH_CONSULTATION
# Where the firm came from (issue 28): one of the firm's events or introductions, or none. Kept
# apart from the channel (相談経路), which the user chooses as before.
SOURCE = "source"
SOURCE_LABEL = "きっかけ（セミナー・紹介）"
NO_SOURCE = "なし（この企業の参加セミナー・紹介はありません）"
SOURCE_ERRORS = {"event_id": SOURCE_LABEL, "introduction_id": SOURCE_LABEL}


def new_firm() -> bool:
    return st.session_state.get(MODE_KEY, EXISTING) == NEW


def _source_values() -> dict[str, int | None]:
    """The chosen source as the service takes it (``event_id`` / ``introduction_id``)."""
    chosen = fs.value(FORM, SOURCE)
    kind, _, number = str(chosen or "").partition(":")
    return {
        "event_id": int(number) if kind == "event" else None,
        "introduction_id": int(number) if kind == "introduction" else None,
    }


def source_select(actor: Actor, company_id: int | None) -> None:
    """The firm's events and introductions to name as the consultation's source (none by
    default); empty until a firm is chosen."""
    choices = (
        cached_read(source_choices, actor, company_id=company_id) if company_id is not None else []
    )
    labels = {f"{c.kind}:{c.id}": f"{day_with_weekday(c.on)} {c.label}" for c in choices}
    key = fs.key(FORM, SOURCE)
    if key in st.session_state and st.session_state[key] not in labels:
        del st.session_state[key]  # another firm was chosen
    st.selectbox(
        SOURCE_LABEL,
        list(labels),
        index=None,
        format_func=labels.__getitem__,
        key=key,
        placeholder="なし" if company_id is None or labels else NO_SOURCE,
        help="この企業が参加したセミナー・イベント、またはパートナーからの紹介のうち、"
        "この相談のきっかけになったもの。相談経路とは別に記録します。",
    )
    fs.error(FORM, "event_id", "introduction_id")


def _save(actor: Actor):
    def save(session) -> tuple[Consultation, str]:
        data = CONSULTATION.values(FORM)
        if new_firm():
            company = firm_form.firm_values(FORM, NEW_FIRM, registering=True)
            firm, consultation = register_company_with_consultation(session, actor, company, data)
            return consultation, firm.name
        consultation = log_consultation(
            session,
            actor,
            {"company_id": fs.value(FORM, "company_id"), **data, **_source_values()},
        )
        names = company_names(session, actor, [consultation.company_id])
        return consultation, names.get(consultation.company_id, "")

    return save


def saved(result: tuple[Consultation, str]) -> None:
    consultation, company_name = result
    st.session_state[SAVED_KEY] = {
        "id": consultation.id,
        "company_id": consultation.company_id,
        "company": company_name,
        "on": consultation.consulted_on,
    }
    fs.reset(FORM)
    st.session_state[MODE_KEY] = EXISTING


def last_saved(actor: Actor) -> None:
    """The consultation just logged, with where to go from it."""
    last = st.session_state.get(SAVED_KEY)
    if not last:
        return
    with st.container(border=True):
        st.markdown(
            f"**記録しました:** {day_with_weekday(last['on'])} {literal(last['company'])} の相談"
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


@st.fragment
def entry_form(actor: Actor) -> None:
    """The form re-runs on its own (choosing 登録済み / 新しい企業, picking a firm); a save
    re-runs the whole page, whose 記録しました panel and list show the new consultation."""
    fs.rerun_page_after_a_save()
    preselect = pickers.query_id("company", "企業")
    st.radio(
        "企業",
        [EXISTING, NEW],
        key=MODE_KEY,
        horizontal=True,
        format_func={EXISTING: "登録済みの企業", NEW: "新しい企業（企業登録と同時に記録）"}.get,
    )
    company_id: int | None = None
    if not new_firm():
        # Outside the form, so that choosing the firm re-runs the form with its events and
        # introductions in 「きっかけ」.
        pickers.company_search(fs.key(FORM, "company_id"))
        company_id = pickers.company(
            actor, fs.key(FORM, "company_id"), preselect=preselect, label="企業 *"
        )
        fs.error(FORM, "company_id")
    with fs.form(FORM):
        if new_firm():
            st.markdown("**新しい企業**")
            firm_form.firm_fields(FORM, NEW_FIRM, hub=actor.own_hub, registering=True)
            st.markdown("**相談**")
        CONSULTATION.draw(FORM)
        if not new_firm():
            source_select(actor, company_id)
        firm_labels = {key: f"企業の{label}" for key, label in NEW_FIRM.labels().items()}
        fs.feedback(FORM, FIELD_LABELS | CONSULTATION.labels() | firm_labels | SOURCE_ERRORS)
        fs.submit_button(
            FORM,
            "相談を記録",
            _save(actor),
            "相談を記録しました。",
            saved,
            actor=actor,
            creates=True,
            type="primary",
        )
