"""コメント on a record's page: the conversation (as text, never Markdown or HTML), a form to
write one with @mentions, and the author's edit and delete for a short while after posting."""

from collections.abc import Callable
from typing import Any

import streamlit as st

from crm.actor import Actor
from crm.presentation.labels import moment
from crm.presentation.text import literal
from crm.reference import Role
from crm.rules import COMMENT_EDIT_MINUTES
from crm.services.comments import (
    CommentView,
    delete_comment,
    edit_comment,
    list_comments,
    mentionable,
    post_comment,
)
from ui import form_state as fs
from ui.forms import guarded
from ui.runtime import session


def comments_section(actor: Actor, kind: str, record_id: int, hub_code: str) -> None:
    """The record's comments and, for those who may write, the form."""
    with session() as s, guarded():
        shown = list_comments(s, actor, kind, record_id)
        people = mentionable(s, actor, hub_code)
    if not shown:
        st.caption("コメントはまだありません。")
    for comment in shown:
        _one(actor, comment)
    if actor.role in (Role.HUB_MANAGER, Role.SECRETARIAT):
        _form(actor, kind, record_id, {p.username: _person(p) for p in people})


def _person(p) -> str:
    return f"{p.display_name}（@{p.username}）" + ("・全国事務局" if p.is_secretariat else "")


def _one(actor: Actor, comment: CommentView) -> None:
    with st.container(border=True, key=f"comment-box-{comment.id}"):
        st.caption(
            literal(
                f"{comment.author} ・ {moment(comment.created_at)}"
                + ("（編集済み）" if comment.edited else "")
            )
        )
        st.markdown(literal(comment.body))  # the text exactly as written
        if comment.editable:
            left, right = st.columns([1, 1], width=240)
            with left, st.popover("編集", icon=":material/edit:"):
                _edit_form(actor, comment)
            with right:
                st.button(
                    "削除",
                    icon=":material/delete:",
                    key=f"comment-delete-{comment.id}",
                    on_click=_run,
                    args=(
                        lambda s: delete_comment(s, actor, comment.id),
                        "コメントを削除しました。",
                    ),
                )


def _edit_form(actor: Actor, comment: CommentView) -> None:
    form = f"comment_edit.{comment.id}"
    with fs.form(form):
        st.text_area("コメント", value=comment.body, key=fs.key(form, "body"), max_chars=2000)
        fs.feedback(form, {"body": "コメント"})
        fs.submit_button(
            form,
            "保存",
            lambda s: edit_comment(
                s, actor, comment.id, fs.value(form, "body") or "", comment.version
            ),
            "コメントを更新しました。",
            actor=actor,
        )
    st.caption(f"投稿から{COMMENT_EDIT_MINUTES}分以内なら編集・削除できます。")


def _run(action: Callable[[Any], Any], message: str) -> None:
    fs.submit("comment_actions", action, message)


def _form(actor: Actor, kind: str, record_id: int, people: dict[str, str]) -> None:
    form = f"comment_new.{kind}.{record_id}"
    fs.feedback("comment_actions")
    with fs.form(form):
        st.text_area(
            "コメント",
            key=fs.key(form, "body"),
            max_chars=2000,
            placeholder="例: @sato01 来週の訪問をお願いします（@利用者名でメンション）",
        )
        st.multiselect(
            "通知する相手（メンション）",
            options=list(people),
            format_func=lambda username: people.get(username, username),
            key=fs.key(form, "mentions"),
            placeholder="選択してください",
            help="選んだ人と、本文に @利用者名 と書いた人にお知らせが届きます。"
            "この拠点の利用者と全国事務局を選べます。",
        )
        fs.feedback(form, {"body": "コメント", "mentions": "通知する相手"})
        fs.submit_button(
            form,
            "コメントを投稿",
            lambda s: _post(s, actor, kind, record_id, form),
            "コメントを投稿しました。",
            lambda _comment: fs.reset(form),
            actor=actor,
            creates=True,
        )


def _post(s, actor: Actor, kind: str, record_id: int, form: str):
    return post_comment(
        s,
        actor,
        kind,
        record_id,
        fs.value(form, "body") or "",
        fs.value(form, "mentions") or [],
    )
