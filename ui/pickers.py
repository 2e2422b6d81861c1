"""Searchable choosers over records (type to filter), optionally preselected from the URL."""

import re

import streamlit as st

from crm.actor import Actor
from crm.presentation.text import literal
from crm.services.lookups import firm_choices
from ui.cache import cached_read

SEARCH_HINT = "選択してください（入力して絞り込み）"
FIRM_CHOICES = 100  # the most firms a picker offers at once


MAX_ID = 2**31 - 1  # the largest id a record can have (the columns are 32-bit integers)
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(raw: object) -> int | None:
    """An id from a query parameter, or None when absent or not an id (not digits, 0,
    negative, beyond 2^31-1): such a value never reaches the database."""
    if raw is None or not _DIGITS.fullmatch(str(raw).strip()):
        return None
    value = int(str(raw).strip())
    return value if 1 <= value <= MAX_ID else None


def query_id(name: str, what: str) -> int | None:
    """The id in the address's ``?name=…``, or None; a value that is no id says so (the
    record ``what`` is not found) instead of failing."""
    raw = st.query_params.get(name)
    value = parse_id(raw)
    if raw is not None and value is None:
        typed = raw if len(raw) <= 40 else raw[:40] + "…"
        st.warning(f"{what}（ID「{literal(typed)}」）は見つかりません（IDが正しくありません）。")
    return value


def pick(
    label: str,
    choices: list[tuple[int, str]],
    key: str,
    *,
    preselect: int | None = None,
    placeholder: str = SEARCH_HINT,
    help: str | None = None,
) -> int | None:
    """A selectbox over (id, label) choices, starting empty or at ``preselect``.

    ``preselect`` (e.g. from ``?company=12``) is applied when it first appears, so the user's
    own later choice is not overridden on every rerun."""
    labels = dict(choices)
    marker = f"{key}._preselected"
    if preselect in labels and st.session_state.get(marker) != preselect:
        st.session_state[key] = preselect
        st.session_state[marker] = preselect
    if key in st.session_state and st.session_state[key] not in labels:
        del st.session_state[key]  # the record left the list (e.g. a need was placed)
    return st.selectbox(
        label,
        list(labels),
        index=None,
        format_func=labels.__getitem__,
        key=key,
        placeholder=placeholder,
        help=help,
    )


def record_search(key: str, label: str, help: str) -> str:
    """A picker's search box (outside its form, which holds values until submit): typing
    re-runs after a pause and the picker offers what the database finds for the firm typed."""
    return str(
        st.text_input(
            label,
            key=f"{key}.query",
            type="search",
            live="300ms",
            max_chars=100,
            placeholder="企業名・カナ・法人番号の一部",
            help=help,
        )
        or ""
    )


def kept_choice(key: str, *also: int | None) -> tuple[int, ...]:
    """The picker's chosen record and ``also`` (the one in the address): offered whatever is
    typed, so a choice never vanishes while the user narrows the list."""
    return tuple(sorted({i for i in (st.session_state.get(key), *also) if isinstance(i, int)}))


def company_search(key: str) -> None:
    """The search box of the firm picker ``key``: outside the picker's form, since a form
    holds its widgets' values until submit. Typing reruns the page after a pause and the
    picker offers what the indexed search finds, not every firm of the hub."""
    st.text_input(
        "企業を検索",
        key=f"{key}.query",
        type="search",
        live="300ms",
        max_chars=100,
        placeholder="企業名・カナ・法人番号の一部",
        help="入力すると下の企業の選択肢が絞り込まれます。",
    )


def company(
    actor: Actor, key: str, *, preselect: int | None = None, label: str = "企業"
) -> int | None:
    query = str(st.session_state.get(f"{key}.query") or "")
    kept = tuple(sorted({i for i in (st.session_state.get(key), preselect) if isinstance(i, int)}))
    found = cached_read(firm_choices, actor, typed=query, keep=kept, limit=FIRM_CHOICES)
    chosen = pick(
        label,
        list(found.choices),
        key,
        preselect=preselect,
        help="上の「企業を検索」に入力するか、ここで企業名・カナの一部を入力すると絞り込めます。",
    )
    if found.shortened:
        order = "五十音順" if found.query else "最近更新した企業"
        beyond = "。ほかに選択中の企業" if found.kept_beyond else ""
        st.caption(
            f"{found.total:,} 社のうち {found.matched:,} 社を表示しています（{order}{beyond}）。"
            "上の「企業を検索」で絞り込めます。"
        )
    elif found.query and not found.total:
        st.caption(f"「{literal(found.query)}」に一致する企業はありません。")
    return chosen
