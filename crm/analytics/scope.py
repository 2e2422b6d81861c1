"""Which hubs a query may count for the acting user."""

from collections.abc import Iterable

from crm.actor import Actor
from crm.errors import PermissionDenied


def allowed_hubs(actor: Actor, hubs: Iterable[str] | None) -> list[str] | None:
    """The hubs a query may count: the caller's selection within what the actor may read."""
    readable = actor.readable_hubs()
    if hubs is None:
        return None if readable is None else sorted(readable)
    chosen = sorted(set(hubs))
    if readable is not None and not set(chosen) <= readable:
        raise PermissionDenied("他の拠点の数値は閲覧できません。")
    return chosen
