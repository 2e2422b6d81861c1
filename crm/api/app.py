"""``/api/v1``: trend, prefecture comparison, breakdowns, headline figures and talent flows
(``/flows``) with the pages' filters; paginated lists of firms, consultations, needs,
placements and follow-ups; JSON by default, CSV with ``?format=csv`` (or ``Accept: text/csv``);
an OpenAPI document at ``/api/v1/openapi.json`` (browsable at ``/api/v1/docs``).

Authentication: ``Authorization: Bearer crm_…`` (``crm tokens add``). A refused token gets 401,
another hub's data 403, a missing record 404, a bad parameter 422 with the field and reason;
an unexpected error 500 with a reference (the log has the traceback), never a traceback.
"""

import csv
import dataclasses
import datetime as dt
import io
import logging
import secrets
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from crm.actor import Actor
from crm.analytics.breakdowns import all_breakdowns
from crm.analytics.comparison import hub_comparison
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.flows import AREA, PREFECTURE, cell_rows, flow_tables, net_rows
from crm.analytics.national import headline_figures
from crm.analytics.trend import monthly_trend
from crm.api.calendar import calendar_feed
from crm.auth import api_tokens
from crm.db import session_scope
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.services import companies, consultations, followups, needs, placements

log = logging.getLogger(__name__)
MAX_PAGE = 500


def _rows(value: Any) -> list[dict[str, Any]]:
    """Records as flat dictionaries, for JSON lists and CSV."""
    if isinstance(value, SQLModel):
        return [value.model_dump()]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [dataclasses.asdict(value)]
    if isinstance(value, list | tuple):
        return [row for item in value for row in _rows(item)]
    return [{"value": value}]


def _csv(rows: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    fields = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in jsonable_encoder(row).items()})
    return Response(
        "\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers=_NO_STORE
    )


_NO_STORE = {"Cache-Control": "no-store"}


def _answer(request: Request, body: Any, rows: list[dict[str, Any]] | None = None) -> Response:
    wants_csv = request.query_params.get("format") == "csv" or "text/csv" in request.headers.get(
        "accept", ""
    )
    if wants_csv:
        return _csv(rows if rows is not None else _rows(body))
    return JSONResponse(jsonable_encoder(body), headers=_NO_STORE)


def _page(request: Request, total: int, items: list[Any], limit: int, offset: int) -> Response:
    rows = _rows(items)
    body = {"total": total, "limit": limit, "offset": offset, "items": rows}
    return _answer(request, body, rows)


def _dated(
    request: Request,
    reader: tuple[Session, Actor],
    count: Callable[..., int],
    rows: Callable[..., list[Any]],
    company_id: int | None,
    since: dt.date | None,
    until: dt.date | None,
    limit: int,
    offset: int,
) -> Response:
    """A page of a dated list (consultations, placements) with its true total."""
    session, actor = reader
    total = count(session, actor, company_id=company_id, since=since, until=until)
    items = rows(
        session, actor, company_id=company_id, since=since, until=until, limit=limit, offset=offset
    )
    return _page(request, total, items, limit, offset)


def create_api(engine: Callable[[], Engine]) -> FastAPI:
    api = FastAPI(
        title="プロフェッショナル人材戦略拠点 CRM API",
        version="1",
        description="Read-only. Authorization: Bearer <token> (crm tokens add).",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )

    def reading(request: Request) -> Iterator[tuple[Session, Actor]]:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        with session_scope(engine()) as session:
            actor = api_tokens.authenticate(session, token, use=request.url.path)
            yield session, actor

    Reader = Annotated[tuple[Session, Actor], Depends(reading)]

    def filters(
        since: dt.date | None = None,
        until: dt.date | None = None,
        hubs: Annotated[str | None, Query(description="都道府県コード、カンマ区切り")] = None,
        blocks: Annotated[str | None, Query(description="地域ブロック、カンマ区切り")] = None,
        categories: Annotated[str | None, Query(description="人材区分ID、カンマ区切り")] = None,
        engagements: Annotated[
            str | None, Query(description="雇用形態コード、カンマ区切り")
        ] = None,
    ) -> AnalyticsFilter:
        def split(text: str | None) -> tuple[str, ...]:
            return tuple(part.strip() for part in (text or "").split(",") if part.strip())

        try:
            category_ids = tuple(int(c) for c in split(categories))
        except ValueError:
            raise ValidationError({"categories": "人材区分IDは整数です"}) from None
        return AnalyticsFilter(
            since=since,
            until=until,
            hubs=tuple(h.zfill(2) for h in split(hubs)),
            blocks=split(blocks),
            category_ids=category_ids,
            engagements=split(engagements),
        )

    Filters = Annotated[AnalyticsFilter, Depends(filters)]
    Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
    Offset = Annotated[int, Query(ge=0, le=2_000_000_000)]
    Id = Annotated[int | None, Query(ge=1, le=2_147_483_647)]

    def scoped(actor: Actor, chosen: AnalyticsFilter) -> AnalyticsFilter:
        chosen.scope(actor)  # another hub's data: PermissionDenied (403)
        return chosen

    @api.get("/trend", summary="月ごとの相談・成約と累計")
    def trend(request: Request, reader: Reader, chosen: Filters) -> Response:
        session, actor = reader
        points = monthly_trend(session, actor, filters=scoped(actor, chosen))
        return _answer(request, points)

    @api.get("/prefectures", summary="都道府県比較（目標・進捗を含む）")
    def prefectures(request: Request, reader: Reader, chosen: Filters) -> Response:
        session, actor = reader
        compared = hub_comparison(session, actor, scoped(actor, chosen))
        body = jsonable_encoder(dataclasses.asdict(compared))
        rows = _rows(compared.rows)
        return _answer(request, body, rows)

    @api.get("/breakdowns", summary="区分・雇用形態などの内訳")
    def breakdowns(request: Request, reader: Reader, chosen: Filters) -> Response:
        session, actor = reader
        found = all_breakdowns(session, actor, scoped(actor, chosen))
        rows = [
            {"dimension": b["dimension"], **row}
            for b in (dataclasses.asdict(item) for item in found)
            for row in b.get("rows", [])
        ]
        return _answer(request, found, rows)

    @api.get("/headline", summary="主要指標（相談・ニーズ・成約・日数の中央値など）")
    def headline(request: Request, reader: Reader, chosen: Filters) -> Response:
        session, actor = reader
        return _answer(request, headline_figures(session, actor, scoped(actor, chosen)))

    @api.get("/flows", summary="人材還流: 前居住地（地域区分または都道府県）× 拠点の成約件数")
    def flows(
        request: Request,
        reader: Reader,
        chosen: Filters,
        by: Annotated[
            str,
            Query(
                pattern=f"^({AREA}|{PREFECTURE})$",
                description="area（県内・首都圏・大阪圏・名古屋圏・その他・不明）か prefecture",
            ),
        ] = AREA,
    ) -> Response:
        session, actor = reader
        filters = scoped(actor, chosen)
        tables = flow_tables(session, actor, filters)
        table, by_prefecture = tables.of(by), tables.prefecture
        cells = cell_rows(table)
        body = {
            "by": by,
            "since": filters.since,
            "until": filters.until,
            "total": table.total,
            "hubs": {hub: table.hub_total(hub) for hub in table.hubs},
            "cells": cells,
            "net_inflow": net_rows(by_prefecture),
        }
        return _answer(request, body, cells)

    @api.get("/firms", summary="企業（検索・ページ送り）")
    def firms(
        request: Request,
        reader: Reader,
        q: Annotated[str | None, Query(max_length=200)] = None,
        hub: Annotated[str | None, Query(max_length=2)] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Response:
        session, actor = reader
        if hub:
            actor.require_read(hub.zfill(2))
        hub_code = hub.zfill(2) if hub else None
        total = companies.count_search_results(session, actor, q, hub_code)
        items = companies.search_companies(session, actor, q, hub_code, limit, offset)
        return _page(request, total, items, limit, offset)

    @api.get("/consultations", summary="相談（新しい順）")
    def consultation_list(
        request: Request,
        reader: Reader,
        company_id: Id = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Response:
        return _dated(
            request, reader, consultations.count_consultations,
            consultations.list_consultations, company_id, since, until, limit, offset,
        )  # fmt: skip

    @api.get("/needs", summary="人材ニーズ")
    def need_list(
        request: Request,
        reader: Reader,
        status: Annotated[str | None, Query(max_length=20)] = None,
        company_id: Id = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Response:
        session, actor = reader
        counts = needs.count_needs_by_status(session, actor, company_id=company_id)
        if status is not None and status not in counts:
            raise ValidationError({"status": f"状態は {' / '.join(counts)} のいずれかです"})
        total = counts[status] if status else sum(counts.values())
        items = needs.list_needs(
            session, actor, status=status, company_id=company_id, limit=limit, offset=offset
        )
        return _page(request, total, items, limit, offset)

    @api.get("/placements", summary="成約（新しい順）")
    def placement_list(
        request: Request,
        reader: Reader,
        company_id: Id = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Response:
        return _dated(
            request, reader, placements.count_placements, placements.list_placements,
            company_id, since, until, limit, offset,
        )  # fmt: skip

    @api.get("/follow-ups", summary="フォローアップ（未完了・期日順）")
    def follow_up_list(
        request: Request,
        reader: Reader,
        include_done: bool = False,
        company_id: Id = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Response:
        session, actor = reader
        total = followups.count_follow_ups(
            session, actor, include_done=include_done, company_id=company_id
        )
        items = followups.list_follow_ups(
            session,
            actor,
            include_done=include_done,
            company_id=company_id,
            limit=limit,
            offset=offset,
        )
        return _page(request, total, items, limit, offset)

    @api.get(
        "/calendar.ics",
        summary="カレンダー購読（フォローアップと次回予定）",
        response_class=Response,
    )
    def calendar(token: Annotated[str | None, Query(max_length=100)] = None) -> Response:
        with session_scope(engine()) as session:
            actor = api_tokens.authenticate(
                session, token, kind=api_tokens.CALENDAR, use="/calendar.ics"
            )
            body = calendar_feed(session, actor)
        return Response(body, media_type="text/calendar; charset=utf-8", headers=_NO_STORE)

    def refused(status: int, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": message, **extra}, status_code=status, headers=_NO_STORE)

    @api.exception_handler(api_tokens.TokenRefused)
    def _token(_request: Request, error: api_tokens.TokenRefused) -> JSONResponse:
        answer = refused(401, str(error))
        answer.headers["WWW-Authenticate"] = "Bearer"
        return answer

    @api.exception_handler(PermissionDenied)
    def _denied(_request: Request, error: PermissionDenied) -> JSONResponse:
        return refused(403, str(error))

    @api.exception_handler(NotFound)
    def _missing(_request: Request, error: NotFound) -> JSONResponse:
        return refused(404, str(error))

    @api.exception_handler(ValidationError)
    def _invalid(_request: Request, error: ValidationError) -> JSONResponse:
        return refused(422, "入力内容を確認してください", fields=error.fields)

    @api.exception_handler(RequestValidationError)
    def _bad_parameter(_request: Request, error: RequestValidationError) -> JSONResponse:
        fields = {
            ".".join(str(p) for p in item["loc"] if p != "query"): "値が正しくありません"
            for item in error.errors()
        }
        return refused(422, "パラメータを確認してください", fields=fields)

    from crm.db_timeouts import DatabaseUnavailable

    @api.exception_handler(DatabaseUnavailable)
    def _database_unavailable(request: Request, error: DatabaseUnavailable) -> JSONResponse:
        # The path only: a calendar feed's query string carries its token.
        log.warning("database unavailable on %s: %r", request.url.path, error.__cause__)
        return refused(503, str(error))

    @api.exception_handler(Exception)
    def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        reference = secrets.token_hex(4)
        log.exception("API error %s", reference, exc_info=error)
        return refused(500, f"サーバーで問題が発生しました（参照番号 {reference}）。")

    return api
