"""What an actor may read: the hub filter every scoped read of hub records carries."""

from collections.abc import Sequence

from crm.actor import Actor, allowed_hubs
from crm.auth.sessions import ACTOR_OPTION


def scope_filter(statement, actor: Actor, hub_column, hubs: Sequence[str] = ()):
    """Restrict a SELECT to the hubs the actor may read, or to ``hubs`` when given (a
    national reader's choice of hubs). Which hubs is ``crm.actor.allowed_hubs``'s answer, the
    one every path shares: another hub's data is refused (PermissionDenied), never narrowed.

    The statement also carries the actor, so that the session runs the actor's session check
    (``require_live``) before it reads (see ``crm.auth.sessions``)."""
    chosen = allowed_hubs(actor, hubs or None)
    statement = statement.execution_options(**{ACTOR_OPTION: actor})
    if chosen is not None:
        statement = statement.where(hub_column.in_(chosen))
    return statement
