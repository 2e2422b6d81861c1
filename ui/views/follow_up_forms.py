"""The フォローアップ page's two forms: marking an open follow-up done, and scheduling one for a
firm or a placement."""

import datetime as dt

import streamlit as st

from crm.actor import Actor
from crm.calendar_jp import day_with_weekday
from crm.entities import FollowUpInput
from crm.errors import ValidationError
from crm.presentation.labels import FIELD_LABELS
from crm.presentation.text import literal
from crm.services.followups import (
    FollowUpChoice,
    complete_follow_up,
    follow_up_choices,
    schedule_follow_up,
)
from crm.services.lookups import placement_choices
from crm.vocabulary import term
from ui import form_state as fs
from ui import pickers
from ui.cache import cached_read
from ui.fields import FieldSet

DONE_FORM = "follow_up_done"
NEW_FORM = "follow_up_new"
TARGET_KEY = "follow_up_new.target"
COMPANY, PLACEMENT = "company", "placement"
CHOICES = 50  # open follow-ups the picker offers at once (earliest due first)

DONE = FieldSet(
    FollowUpInput,
    only=("done_on", "notes"),
    placeholder={"notes": "例: 社長と面談。定着は順調"},
    help={
        "notes": f"結果を書きます。入力すると{term('notes')}を書き換え、空欄なら元の"
        f"{term('notes')}のままです。"
    },
)
# The firm or the placement is chosen above the fields; a new follow-up is not done yet.
SCHEDULE = FieldSet(
    FollowUpInput,
    exclude=("company_id", "placement_id", "done_on"),
    placeholder={"notes": "例: 入社3か月の面談"},
)


def label(choice: FollowUpChoice) -> str:
    what = "成約後" if choice.after_placement else "企業"
    return (
        f"{day_with_weekday(choice.due_on)} {choice.company}（{what}）"
        f"{' – ' + choice.notes if choice.notes else ''}"
    )


SEARCH_KEY = f"{DONE_FORM}.query"


@st.fragment
def done_form(
    actor: Actor, company_filter: int | None, hubs: tuple[str, ...], today: dt.date
) -> None:
    """Marking an open follow-up done: the picker offers any open follow-up of the hub, found
    by its firm as the user types (not only the rows drawn on this page)."""
    fs.rerun_page_after_a_save()
    st.markdown("**完了にする**")
    st.text_input(
        "フォローアップを検索",
        key=SEARCH_KEY,
        type="search",
        max_chars=100,
        placeholder="企業名・カナ・法人番号の一部",
        help="入力すると下の選択肢が、その企業の未完了のフォローアップに絞り込まれます。",
    )
    chosen_key = fs.key(DONE_FORM, "follow_up_id")
    kept = tuple(i for i in (st.session_state.get(chosen_key),) if isinstance(i, int))
    found = cached_read(
        follow_up_choices,
        actor,
        typed=str(st.session_state.get(SEARCH_KEY) or ""),
        keep=kept,
        company_id=company_filter,
        hubs=hubs,
        limit=CHOICES,
    )
    versions = {c.id: c.version for c in found.choices}

    def complete(s):
        chosen = fs.value(DONE_FORM, "follow_up_id")
        if chosen is None:
            raise ValidationError({"follow_up_id": "完了にするフォローアップを選んでください"})
        done = DONE.values(DONE_FORM)
        return complete_follow_up(
            s, actor, chosen, versions[chosen], done_on=done["done_on"], notes=done["notes"] or None
        )

    with fs.form(DONE_FORM):
        pickers.pick(
            "フォローアップ *",
            [(c.id, label(c)) for c in found.choices],
            chosen_key,
            help="期日の早い順です。上の「フォローアップを検索」で企業から探せます。",
        )
        if found.total > found.matched:
            st.caption(
                f"未完了 {found.total:,} 件のうち期日の早い {found.matched:,} 件を"
                "表示しています。上の「フォローアップを検索」で絞り込めます。"
            )
        elif found.query and not found.total:
            st.caption(f"「{literal(found.query)}」の企業に未完了のフォローアップはありません。")
        fs.error(DONE_FORM, "follow_up_id")
        DONE.draw(DONE_FORM, {"done_on": today})
        fs.feedback(DONE_FORM, FIELD_LABELS | DONE.labels() | {"follow_up_id": "フォローアップ"})
        fs.submit_button(
            DONE_FORM,
            "完了にする",
            complete,
            "フォローアップを完了にしました。",
            lambda _f: fs.reset(DONE_FORM),
            actor=actor,
            type="primary",
        )


def for_company() -> bool:
    return st.session_state.get(TARGET_KEY, COMPANY) == COMPANY


@st.fragment
def schedule_form(actor: Actor, company_filter: int | None, today: dt.date) -> None:
    fs.rerun_page_after_a_save()

    def schedule(s):
        data = {
            **SCHEDULE.values(NEW_FORM),
            "company_id": fs.value(NEW_FORM, "company_id") if for_company() else None,
            "placement_id": None if for_company() else fs.value(NEW_FORM, "placement_id"),
        }
        return schedule_follow_up(s, actor, data)

    st.radio(
        "対象",
        [COMPANY, PLACEMENT],
        key=TARGET_KEY,
        horizontal=True,
        format_func={COMPANY: "企業", PLACEMENT: "成約"}.get,
    )
    placement_key = fs.key(NEW_FORM, "placement_id")
    if for_company():
        pickers.company_search(fs.key(NEW_FORM, "company_id"))
    else:
        typed = pickers.record_search(
            placement_key, "成約を検索", "入力すると下の選択肢が、その企業の成約に絞り込まれます。"
        )
        placements = cached_read(
            placement_choices, actor, typed=typed, keep=pickers.kept_choice(placement_key)
        )
    with fs.form(NEW_FORM):
        st.markdown("**フォローアップを予定**")
        if for_company():
            pickers.company(
                actor, fs.key(NEW_FORM, "company_id"), preselect=company_filter, label="企業 *"
            )
        else:
            pickers.pick("成約 *", placements, placement_key)
        fs.error(NEW_FORM, "company_id", "placement_id")
        SCHEDULE.draw(NEW_FORM, {"due_on": today + dt.timedelta(days=30)})
        fs.feedback(NEW_FORM, FIELD_LABELS | SCHEDULE.labels())
        fs.submit_button(
            NEW_FORM,
            "予定に追加",
            schedule,
            lambda f: f"{day_with_weekday(f.due_on)} のフォローアップを予定しました。",
            lambda _f: fs.reset(NEW_FORM),
            actor=actor,
            creates=True,
        )
