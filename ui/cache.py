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
from sqlmodel import Session

from crm.actor import Actor
from crm.analytics.filters import AnalyticsFilter
from crm.auth.sessions import require_live
from crm.config import get_settings
from crm.services.base import data_version
from ui.runtime import get_engine

_QUERIES: dict[str, Callable[..., Any]] = {}


def current_data_version(
    scope_key: str, actor: Actor | None = None, hubs: Sequence[str] | None = None
) -> int:
    """The data version of the hubs a read covers (``hubs``; None: every hub of the scope),
    read in the same transaction as the reader's session check: a cached result is served
    only to a session that is still live."""
    with Session(get_engine()) as session:
        if actor is not None:
            require_live(session, actor)
        return data_version(session, scope_key, hubs)


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
