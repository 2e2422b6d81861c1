"""Saved views and export of the current view, beside a record list's controls
(``ui.record_list``): choose one of your saved views, save the view you are looking at under
a name (optionally as the list's default), make one the default or delete it, and write the
view's every row to CSV or Excel (``crm.csvio.view_export``).

A view is the list's address parameters, so applying one is setting the address and letting
the list's widgets start from it again. The person's views are kept in the browser tab's
session after the first read and re-read after each of their own changes: a run of the list
opens no database session for them."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import streamlit as st

from crm.actor import Actor
from crm.auth.sessions import SessionEnded
from crm.csvio.columns import ENTITIES as EXPORTABLE
from crm.csvio.view_export import FORMATS, ViewTooLarge, export_view
from crm.db import session_scope
from crm.errors import CrmError
from crm.models import SavedView, stored_id
from crm.presentation.text import literal
from crm.services.record_views import ViewQuery
from crm.services.saved_views import (
    clean_params,
    default_params,
    delete_view,
    list_saved_views,
    save_view,
    set_default_view,
)
from crm.timeutil import fiscal_year, now_jst, today_jst
from ui import form_state as fs
from ui.runtime import get_engine

if TYPE_CHECKING:
    from ui.record_list import RecordList

UNSAVED = 0  # the menu's entry for a view that matches no saved one
FORMAT_LABELS = {"csv": "CSV（Excel で開けます）", "xlsx": "Excel ブック（.xlsx）"}
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _views_key(rl: "RecordList") -> str:
    return rl._key("saved")


def _views(actor: Actor, rl: "RecordList") -> list[SavedView]:
    key = _views_key(rl)
    if key not in st.session_state:
        with session_scope(get_engine()) as session:
            st.session_state[key] = list_saved_views(session, actor, rl.spec.name)
    return st.session_state[key]


def _forget_views(rl: "RecordList") -> None:
    st.session_state.pop(_views_key(rl), None)


def current_params(rl: "RecordList") -> str:
    """The list's view as its address holds it, in the stored form."""
    present = {name: str(st.query_params[name]) for name in rl._params() if name in st.query_params}
    return clean_params(urlencode(present))


def _concrete(params: str) -> str:
    """``fy=this`` (a role default) as the fiscal year it is today."""
    pairs = [
        (k, str(fiscal_year(today_jst())) if (k, v) == ("fy", "this") else v)
        for k, v in parse_qsl(params)
    ]
    return urlencode(pairs)


def apply_params(rl: "RecordList", params: str) -> None:
    """Show the list in the view ``params`` describes: the address takes them and the list's
    widgets start again from the address (in a callback, before they are drawn)."""
    for name in rl._params():
        st.session_state.pop(rl._key(name), None)
        if name in st.query_params:
            del st.query_params[name]
    st.session_state.pop(rl._key("page"), None)
    for name, value in parse_qsl(_concrete(params)):
        if name in rl._params():
            st.query_params[name] = value


def open_default(actor: Actor, rl: "RecordList") -> None:
    """On a list's first run in this tab with no view in the address, open the person's
    default view (else their role's)."""
    opened = rl._key("opened")
    if opened in st.session_state:
        return
    st.session_state[opened] = True
    if any(name in st.query_params for name in rl._params()):
        return  # a reload or a shared address names its view
    with session_scope(get_engine()) as session:
        params = default_params(session, actor, rl.spec.name)
    if params:
        apply_params(rl, params)


def _choose(rl: "RecordList", menu_key: str, views: dict[int, SavedView]) -> None:
    chosen = st.session_state.get(menu_key)
    if chosen in views:
        apply_params(rl, views[chosen].params)


def view_menu(
    actor: Actor, rl: "RecordList", query: ViewQuery, shown: list[str], hubs: tuple[str, ...]
) -> None:
    """The saved views, save, and export, in one row above the list."""
    fs.rerun_page_after_a_save()  # a view saved, made default or deleted: its toast shows
    views = {stored_id(v.id): v for v in _views(actor, rl)}
    here = current_params(rl)
    matching = next((v for v in views.values() if v.params == here), None)
    menu_key = rl._key("menu")
    # The menu shows the saved view that matches the view on screen, whatever was chosen
    # before (set before the widget is drawn, so it is its value in this run).
    st.session_state[menu_key] = stored_id(matching.id) if matching is not None else UNSAVED
    options: list[int] = [UNSAVED, *views]

    def label(view_id: int) -> str:
        if view_id == UNSAVED:
            return "いまの表示（未保存）" if views else "保存した表示はありません"
        view = views[view_id]
        return f"{view.name}（既定）" if view.is_default else view.name

    first, second, third = st.columns([3, 1, 1], vertical_alignment="bottom")
    first.selectbox(
        "保存した表示",
        options,
        format_func=label,
        key=menu_key,
        on_change=_choose,
        args=(rl, menu_key, views),
        disabled=not views,
    )
    _popover(
        second,
        rl,
        "表示を保存",
        ":material/bookmark_add:",
        "save.open",
        lambda: _save_form(actor, rl, here, matching),
    )
    if rl.spec.name in EXPORTABLE:  # the lists the export files declare (not the audit log)
        _popover(
            third,
            rl,
            "書き出し",
            ":material/download:",
            "export.open",
            lambda: _export(actor, rl, query, shown, hubs),
        )
    fs.feedback(_form(rl), {"name": "名前", "params": "表示", "list_name": "一覧"})
    if matching is not None:
        left, right, _rest = st.columns([1, 1, 3])
        if matching.is_default:
            left.button(
                "既定を解除",
                key=rl._key("undefault"),
                on_click=_set_default,
                args=(actor, rl, None, f"「{matching.name}」を既定から外しました。"),
            )
        else:
            left.button(
                "既定にする",
                key=rl._key("default"),
                on_click=_set_default,
                args=(actor, rl, matching.id, f"「{matching.name}」を既定の表示にしました。"),
            )
        right.button(
            "この表示を削除",
            key=rl._key("delete"),
            on_click=_delete,
            args=(actor, rl, matching),
        )


def _popover(
    column: Any, rl: "RecordList", label: str, icon: str, name: str, draw: Callable[[], None]
) -> None:
    """A popover whose content is built only while it is open (a list re-runs often; its
    popovers are rarely open)."""
    box = column.popover(label, icon=icon, width="stretch", key=rl._key(name), on_change="rerun")
    if box.open:
        with box:
            draw()


def _form(rl: "RecordList") -> str:
    """The saved views' writes share one outcome (ui.form_state): the message under the menu."""
    return rl._key("views")


def _set_default(actor: Actor, rl: "RecordList", view_id: int | None, done: str) -> None:
    fs.submit(
        _form(rl),
        lambda s: set_default_view(s, actor, rl.spec.name, view_id),
        done,
        lambda _r: _forget_views(rl),
    )


def _delete(actor: Actor, rl: "RecordList", view: SavedView) -> None:
    view_id = view.id
    fs.submit(
        _form(rl),
        lambda s: delete_view(s, actor, view_id),  # type: ignore[arg-type]
        f"「{view.name}」を削除しました。",
        lambda _r: _forget_views(rl),
    )


def _save(actor: Actor, rl: "RecordList", params: str) -> None:
    name = str(st.session_state.get(rl._key("save.view_name"), ""))
    default = bool(st.session_state.get(rl._key("save.default")))

    def saved(_view: Any) -> None:
        _forget_views(rl)
        st.session_state.pop(rl._key("save.view_name"), None)

    fs.submit(
        _form(rl),
        lambda s: save_view(s, actor, rl.spec.name, name, params, make_default=default),
        f"表示「{name.strip()}」を保存しました。",
        saved,
    )


def _save_form(actor: Actor, rl: "RecordList", params: str, matching: SavedView | None) -> None:
    with st.form(rl._key("save.form"), border=False):
        st.text_input(
            "名前",
            value=matching.name if matching is not None else "",
            key=rl._key("save.view_name"),
            max_chars=40,
            placeholder="例: 今年度の訪問",
        )
        st.checkbox("この一覧を開いたときに表示する（既定）", key=rl._key("save.default"))
        st.caption("同じ名前の表示があるときは上書きします。保存した表示はあなただけに見えます。")
        st.form_submit_button("保存", type="primary", on_click=_save, args=(actor, rl, params))


def _export(
    actor: Actor, rl: "RecordList", query: ViewQuery, shown: list[str], hubs: tuple[str, ...]
) -> None:
    st.caption("いまの絞り込み・並び順・表示する列で、全ページの行を書き出します。")
    file_format = st.selectbox(
        "形式", list(FORMATS), format_func=FORMAT_LABELS.__getitem__, key=rl._key("export.format")
    )
    result_key = rl._key("export.file")
    view = (query, tuple(shown), hubs, file_format)
    if st.button("ファイルを作成", key=rl._key("export.make"), type="primary"):
        st.session_state.pop(result_key, None)
        try:
            with session_scope(get_engine()) as session:
                made = export_view(
                    session, actor, rl.spec.name, query, shown, file_format=file_format, hubs=hubs
                )
            st.session_state[result_key] = (view, made, now_jst())
        except SessionEnded as ended:
            from ui.session import end_session

            end_session(ended)
            st.rerun()
        except ViewTooLarge as refusal:
            st.warning(literal(refusal))
        except CrmError as refusal:
            st.error(literal(refusal))
    kept = st.session_state.get(result_key)
    if kept is not None and kept[0] == view:  # a file of another view is not offered
        made, made_at = kept[1], kept[2]
        st.download_button(
            f"ダウンロード（{made.rows:,}件）",
            made.data,
            file_name=made.name,
            mime=MIME[file_format],
            icon=":material/download:",
            key=rl._key("export.download"),
            on_click="ignore",
        )
        st.caption(f"作成: {made_at:%H:%M}")
