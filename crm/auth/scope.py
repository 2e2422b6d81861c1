"""What an actor may read: the hub filter every scoped read of hub records carries."""

from collections.abc import Sequence

from crm.actor import Actor
from crm.auth.sessions import ACTOR_OPTION


def scope_filter(statement, actor: Actor, hub_column, hubs: Sequence[str] = ()):
    """Restrict a SELECT to the hubs the actor may read, and to ``hubs`` when given (a
    national reader's choice of hubs: it narrows, never widens, what the actor may read).

    The statement also carries the actor, so that the session runs the actor's session check
    (``require_live``) before it reads (see ``crm.auth.sessions``)."""
    readable = actor.readable_hubs()
    statement = statement.execution_options(**{ACTOR_OPTION: actor})
    if readable is not None:
        statement = statement.where(hub_column.in_(readable))
    if hubs:
        statement = statement.where(hub_column.in_(sorted(set(hubs))))
    return statement
