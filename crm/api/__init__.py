"""The read-only REST API (``/api/v1``) and the calendar feed, for other systems.

It decides nothing: every answer comes from the same services and analytics the pages use,
with the token's account as the actor, so a hub manager's token reads exactly that hub."""
