"""Query parameters an endpoint does not take are refused (422), naming them and the ones it
takes: a misspelt filter (``hubs`` where the endpoint takes ``hub``) would otherwise be ignored
and the answer would be for other data than was asked, without a word.

What an endpoint takes is what the OpenAPI document declares for it (the same contract the
interactive docs show), plus ``format`` (``?format=csv``), which every answer reads."""

from typing import Any

from fastapi import FastAPI, Request

from crm.errors import ValidationError

EVERY_ANSWER = ("format",)


def accepted_parameters(api: FastAPI) -> dict[str, tuple[str, ...]]:
    """Each path's query parameters, from the OpenAPI document."""
    found: dict[str, tuple[str, ...]] = {}
    for path, operations in api.openapi().get("paths", {}).items():
        names: set[str] = set(EVERY_ANSWER)
        for operation in operations.values():
            parameters: list[dict[str, Any]] = operation.get("parameters", [])
            names.update(p["name"] for p in parameters if p.get("in") == "query")
        found[path] = tuple(sorted(names))
    return found


def refuse_unknown_parameters(api: FastAPI) -> Any:
    """A dependency for every route: raises ``ValidationError`` naming each parameter the
    route does not take."""
    known: dict[str, tuple[str, ...]] = {}

    def check(request: Request) -> None:
        route = request.scope.get("route")
        path = getattr(route, "path_format", None)
        if path is None:
            return
        if not known:
            known.update(accepted_parameters(api))
        accepted = known.get(path, EVERY_ANSWER)
        unknown = [name for name in dict.fromkeys(request.query_params) if name not in accepted]
        if unknown:
            listed = "、".join(accepted)
            raise ValidationError(
                {
                    name[:40]: f"このAPIにないパラメータです（指定できるもの: {listed}）"
                    for name in unknown
                }
            )

    return check
