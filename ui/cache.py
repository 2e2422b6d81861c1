"""Cached reads, keyed by who may see them and by the database's data version.

A cached result is stored under (query, reader's scope and role, data version, arguments).
The data version is a counter per hub in the database that every write raises in its own
transaction, so a write made by any app process sharing the database changes the key and no
stale entry is served; a read narrowed to some hubs (the secretariat's chosen blocks and hubs)
is keyed by those hubs' counters only, so a save in another hub leaves it cached; the
reader's scope ('all' or 'hub:01') keeps one hub's numbers from ever reaching another reader,
and the role keeps an administrator's results from a secretariat user.
"""

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from sqlalchemy import event
from sqlmodel import Session
from streamlit.runtime.scriptrunner import get_script_run_ctx

from crm.actor import Actor
from crm.analytics.filters import AnalyticsFilter
from crm.auth.sessions import require_live
from crm.config import get_settings
from crm.models import Hub, Partner, TalentCategory
from crm.services import reference_data
from crm.services.base import data_counters, version_of
from ui.runtime import get_engine

_QUERIES: dict[str, Callable[..., Any]] = {}


class _RunMemo:
    """What one run of a page (or of one fragment) has read of the counters and of the
    reader's session check, so that its cached reads open one database session between them.
    A run is told apart by the context's cursors, which Streamlit replaces at every run."""

    def __init__(self, cursors: object):
        self.cursors = cursors
        self.counters: dict[str, int] | None = None
        self.checked: set[tuple] = set()


# By the id of a browser session's context (contexts are not hashable). An id reused by a
# later context never matches: the memo keeps the old run's cursors alive, and compares them.
_MEMOS: dict[int, _RunMemo] = {}
_MEMO_LIMIT = 2_000


def _memo() -> _RunMemo | None:
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    memo = _MEMOS.get(id(ctx))
    if memo is None or memo.cursors is not ctx.cursors:
        if len(_MEMOS) >= _MEMO_LIMIT:
            _MEMOS.pop(next(iter(_MEMOS)))  # the oldest session's
        memo = _RunMemo(ctx.cursors)
        _MEMOS[id(ctx)] = memo
    return memo


@event.listens_for(Session, "after_commit")
def _forget_counters(_session: Session) -> None:
    """A write committed in this run changes counters: its next read sees the new ones."""
    memo = _memo()
    if memo is not None:
        memo.counters = None


def _counters(actor: Actor | None) -> dict[str, int]:
    """Every hub's data-version counter, read once per run in the same transaction as the
    reader's session check (a cached result is served only to a session that is still live)."""
    memo = _memo()
    key = (actor.user_id, actor.ticket) if actor is not None else None
    if memo is not None and memo.counters is not None and (key is None or key in memo.checked):
        return memo.counters
    with Session(get_engine()) as session:
        if actor is not None:
            require_live(session, actor)
        counters = data_counters(session)
    if memo is not None:
        memo.counters = counters
        if key is not None:
            memo.checked.add(key)
    return counters


def prime_counters(actor: Actor, counters: dict[str, int]) -> None:
    """The counters the entry script read with its check of the actor's session, for this
    run's cached reads (after the check's transaction committed)."""
    memo = _memo()
    if memo is not None:
        memo.counters = counters
        memo.checked.add((actor.user_id, actor.ticket))


def current_data_version(
    scope_key: str, actor: Actor | None = None, hubs: Sequence[str] | None = None
) -> int:
    """The data version of the hubs a read covers (``hubs``; None: every hub of the scope)."""
    return version_of(_counters(actor), scope_key, hubs)


_REFERENCE: dict[str, Callable[..., list]] = {
    "hubs": reference_data.list_hubs,
    "categories": reference_data.list_categories,
    "partners": reference_data.list_partners,
}


# One shared list per version (not a copy per reader, as st.cache_data would unpickle on each
# run): the rows are only read.
@st.cache_resource(ttl=get_settings().cache_ttl_seconds, show_spinner=False, max_entries=64)
def _reference(kind: str, active_only: bool, version: int, database: str) -> list:
    with Session(get_engine()) as session:
        return _REFERENCE[kind](session, active_only=active_only)


def _reference_rows(kind: str, active_only: bool) -> list:
    # Hubs, categories and partners change rarely; any write's counter keys them, so the
    # cached list is never older than the run's data.
    version = version_of(_counters(None), "all", None)
    return _reference(kind, active_only, version, get_settings().database_url)


def hubs(active_only: bool = True) -> list[Hub]:
    return _reference_rows("hubs", active_only)


def categories(active_only: bool = True) -> list[TalentCategory]:
    return _reference_rows("categories", active_only)


def partners(active_only: bool = True) -> list[Partner]:
    return _reference_rows("partners", active_only)


def hubs_read(kwargs: dict[str, Any]) -> list[str] | None:
    """Which hubs a cached query's arguments narrow it to (the pages' ``hubs``, ``hub_code``
    or an ``AnalyticsFilter``'s blocks and hubs), or None for every hub of the reader."""
    chosen = kwargs.get("hubs")
    if chosen:
        return sorted(chosen)
    if isinstance(kwargs.get("hub_code"), str):
        return [kwargs["hub_code"]]
    filters = kwargs.get("filters")
    if isinstance(filters, AnalyticsFilter):
        return filters.hub_selection()
    return None


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False, max_entries=2000)
def _run(
    query_name: str,
    scope_key: str,
    role: str,
    version: int,
    database: str,
    _actor: Actor,
    kwargs: dict,
) -> Any:
    with Session(get_engine()) as session:
        return _QUERIES[query_name](session, _actor, **kwargs)


def cached_read(query: Callable[..., Any], actor: Actor, **kwargs: Any) -> Any:
    """``query(session, actor, **kwargs)`` through the cache (results must be picklable)."""
    name = f"{query.__module__}.{query.__qualname__}"
    _QUERIES[name] = query
    # The role is part of the key as well as the scope: the secretariat and administrators
    # both read 'all', yet may run different queries (an administrator's result must never
    # answer a secretariat user). Cached queries depend on role and hub only, not on the person.
    return _run(
        name,
        actor.scope_key,
        actor.role.value,
        current_data_version(actor.scope_key, actor, hubs_read(kwargs)),
        get_settings().database_url,
        actor,
        kwargs,
    )
