"""``/api/v1``: trend, prefecture comparison, breakdowns, headline figures and talent flows
(``/flows``) with the pages' filters; paginated lists of firms, consultations, needs,
placements and follow-ups; JSON by default, a CSV or an Excel workbook with ``?format=csv`` (or
``Accept: text/csv``) and ``?format=xlsx``: Japanese headers and labels, or with ``?codes=1`` the
field names and codes (``crm.api.files``, ``crm.api.tables``); an OpenAPI document at
``/api/v1/openapi.json`` (browsable at ``/api/v1/docs``).

Authentication: ``Authorization: Bearer crm_…`` (``crm tokens add``; the scheme in any case).
A refused token gets 401, another hub's data 403, a missing record 404, a bad parameter 422
with the field and reason; an unexpected error 500 with a reference (the log has the
traceback), never a traceback. Every refusal is audited in a transaction of its own
(``api_refused``), and a valid token's last use is kept even when its request is refused.

Dates are read within the programme's range (``requested_period``: a start before it or an
end after it means open-ended, the other way round is a 422); ids, limits and offsets have
their bounds; no value of a parameter gives a 500.
"""

import dataclasses
import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from crm.actor import Actor
from crm.analytics import funnel as funnel_figures
from crm.analytics import partner_table as partner_figures
from crm.analytics.breakdowns import all_breakdowns
from crm.analytics.comparison import hub_comparison
from crm.analytics.filters import AnalyticsFilter, requested_period
from crm.analytics.flows import AREA, PREFECTURE, cell_rows, flow_tables, net_rows
from crm.analytics.national import headline_figures
from crm.analytics.trend import monthly_trend
from crm.api.calendar import calendar_feed
from crm.api.docs import add_docs
from crm.api.files import FILE_CONTENT, NO_STORE, Wanted, file_answer, wanted
from crm.api.last_resort import LastResort
from crm.api.parameters import refuse_unknown_parameters
from crm.api.tables import (
    breakdown_table,
    flows_table,
    funnel_table,
    headline_table,
    names_of,
    partner_performance_table,
    prefecture_table,
    record_table,
    trend_table,
)
from crm.auth import api_tokens
from crm.csvio.xlsx import Sheet
from crm.db import session_scope
from crm.db_timeouts import DatabaseUnavailable
from crm.entities import (
    COMPANY_FILE,
    CONSULTATION_FILE,
    FOLLOW_UP_FILE,
    NEED_FILE,
    PLACEMENT_FILE,
    page_shape,
)
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import Company, Consultation, FollowUp, Placement, TalentNeed
from crm.services import companies, consultations, followups, needs, placements
from crm.validation import clean_typed_text
from crm.validation import hub_code as read_hub_code

log = logging.getLogger(__name__)
MAX_PAGE = 500
# A list's sheet name in a workbook.
_LABELS: dict[type[SQLModel], str] = {
    Company: COMPANY_FILE.label,
    Consultation: CONSULTATION_FILE.label,
    TalentNeed: NEED_FILE.label,
    Placement: PLACEMENT_FILE.label,
    FollowUp: FOLLOW_UP_FILE.label,
}


def _answer(wanted: Wanted, body: Any, table: Callable[[bool], Sheet]) -> Response:
    """JSON, or ``table(codes)`` as the CSV or workbook asked for (``crm.api.files``)."""
    if wanted.file:
        return file_answer(wanted, table(wanted.codes))
    return JSONResponse(jsonable_encoder(body), headers=NO_STORE)


def _page(
    wanted: Wanted,
    reader: tuple[Session, Actor],
    model: type[SQLModel],
    total: int,
    items: list[Any],
    limit: int,
    offset: int,
) -> Response:
    """A page of records serialised through its shape (``crm.entities.read_shapes``), the
    schema the OpenAPI document shows: the answer and the document cannot disagree. As a file,
    the items with the names beside their ids (one query per kind of name, for the page)."""
    page = page_shape(model).model_validate(
        {"total": total, "limit": limit, "offset": offset, "items": items}, from_attributes=True
    )
    body = page.model_dump()

    def table(codes: bool) -> Sheet:
        session, actor = reader
        rows = body["items"]
        names = None if codes else names_of(session, actor, rows, model.model_fields)
        return record_table(model, _LABELS[model], rows, names)

    return _answer(wanted, body, table)


def _listed(model: type[SQLModel], what: str) -> dict[int | str, dict[str, Any]]:
    """A list endpoint's documented answer: a page of a read shape, or its items as a CSV or
    workbook."""
    return {
        200: {
            "model": page_shape(model),
            "description": f"{what}の一覧（ページ）。?format=csv・xlsx なら items の各記録を1行"
            "とする表: 見出しは項目の日本語名、コードはラベル、IDの横に名前（?codes=1 なら項目名と"
            "コードのまま、列は items の項目と同じ）",
            "content": {**FILE_CONTENT},  # a copy: FastAPI adds the JSON schema to it
        }
    }


def _tabled(what: str) -> dict[int | str, dict[str, Any]]:
    """An analytics endpoint's file formats, for its OpenAPI entry."""
    return {
        200: {
            "description": f"{what}。?format=csv・xlsx なら平らな表（日本語の見出し・ラベル。"
            "?codes=1 なら項目名とコード。入れ子の値は「progress.target_placements」のような"
            "列）",
            "content": {**FILE_CONTENT},  # a copy: FastAPI adds the JSON schema to it
        }
    }


def _dated(
    wanted: Wanted,
    model: type[SQLModel],
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
    since, until = requested_period(since, until)
    total = count(session, actor, company_id=company_id, since=since, until=until)
    items = rows(
        session, actor, company_id=company_id, since=since, until=until, limit=limit, offset=offset
    )
    return _page(wanted, reader, model, total, items, limit, offset)


def audited_path(path: str) -> str:
    """A request's path as the audit trail keeps it: never a query string, and no segment
    that could be a token (a client may put one in the path by mistake)."""
    return "/".join(
        "…" if part.startswith(api_tokens.PREFIX) or len(part) > 64 else part
        for part in path.split("/")
    )[:200]


# Why a parameter was refused, by pydantic's error type (the value is shown, shortened, except
# a token's).
_REASONS: dict[str, str] = {
    "missing": "必須です",
    "int_parsing": "整数を指定してください",
    "int_from_float": "整数を指定してください",
    "greater_than_equal": "{ge}以上の値を指定してください",
    "less_than_equal": "{le}以下の値を指定してください",
    "date_parsing": "日付は YYYY-MM-DD の形式で指定してください",
    "date_from_datetime_parsing": "日付は YYYY-MM-DD の形式で指定してください",
    "date_from_datetime_inexact": "日付は YYYY-MM-DD の形式で指定してください",
    "bool_parsing": "true か false を指定してください",
    "string_too_long": "{max_length}文字以内で指定してください",
    "string_pattern_mismatch": "指定できる値ではありません",
}


def parameter_reason(name: str, item: Any) -> str:
    context = item.get("ctx") or {}
    try:
        reason = _REASONS.get(item.get("type", ""), "値が正しくありません").format(**context)
    except (KeyError, IndexError):
        reason = "値が正しくありません"
    given = item.get("input")
    if name == "token" or not isinstance(given, str | int):
        return reason
    shown = str(given) if len(str(given)) <= 40 else f"{str(given)[:40]}…"
    return f"{reason}（入力: {shown}）"


def create_api(engine: Callable[[], Engine]) -> FastAPI:
    api = FastAPI(
        title="プロフェッショナル人材戦略拠点 CRM API",
        version="1",
        description="読み取り専用。認証: Authorization: Bearer <トークン>"
        "（crm tokens add で発行）。この文書にないパラメータは 422 で断ります。",
        openapi_url="/openapi.json",
        docs_url=None,  # served from the product's own files (crm.api.docs)
        redoc_url=None,
    )
    api.router.dependencies.append(Depends(refuse_unknown_parameters(api)))
    add_docs(api)

    def reading(request: Request) -> Iterator[tuple[Session, Actor]]:
        token = api_tokens.bearer_token(request.headers.get("authorization"))
        with session_scope(engine()) as session:
            row = api_tokens.identify(session, token)
            request.state.token_id = row.id  # a refusal from here on names the token's owner
            actor = api_tokens.record_use(session, row, use=request.url.path)
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

        def _hub(text: str) -> str:
            try:
                return read_hub_code(text)
            except ValueError as error:
                raise ValidationError({"hubs": str(error)}) from None

        try:
            category_ids = tuple(int(c) for c in split(categories))
        except ValueError:
            raise ValidationError({"categories": "人材区分IDは整数です"}) from None
        since, until = requested_period(since, until)
        return AnalyticsFilter(
            since=since,
            until=until,
            hubs=tuple(_hub(h) for h in split(hubs)),
            blocks=split(blocks),
            category_ids=category_ids,
            engagements=split(engagements),
        )

    Filters = Annotated[AnalyticsFilter, Depends(filters)]
    Answer = Annotated[Wanted, Depends(wanted)]
    Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
    Offset = Annotated[int, Query(ge=0, le=2_000_000_000)]
    Id = Annotated[int | None, Query(ge=1, le=2_147_483_647)]

    def scoped(actor: Actor, chosen: AnalyticsFilter) -> AnalyticsFilter:
        chosen.scope(actor)  # another hub's data: PermissionDenied (403)
        return chosen

    @api.get(
        "/trend", summary="月ごとの相談・成約と累計", responses=_tabled("月ごとの相談・成約と累計")
    )
    def trend(answer: Answer, reader: Reader, chosen: Filters) -> Response:
        session, actor = reader
        points = monthly_trend(session, actor, filters=scoped(actor, chosen))
        return _answer(answer, points, lambda codes: trend_table(points, codes))

    @api.get(
        "/prefectures",
        summary="都道府県比較（目標・進捗を含む）",
        responses=_tabled("拠点ごとの実績・目標・進捗（表では進捗の各項目が列）"),
    )
    def prefectures(answer: Answer, reader: Reader, chosen: Filters) -> Response:
        session, actor = reader
        compared = hub_comparison(session, actor, scoped(actor, chosen))
        body = dataclasses.asdict(compared)
        return _answer(answer, body, lambda codes: prefecture_table(compared, codes))

    @api.get(
        "/breakdowns",
        summary="区分・雇用形態などの内訳",
        responses=_tabled("内訳ごとの区分と件数（表では内訳・区分ごとに1行）"),
    )
    def breakdowns(answer: Answer, reader: Reader, chosen: Filters) -> Response:
        session, actor = reader
        found = all_breakdowns(session, actor, scoped(actor, chosen))
        return _answer(answer, found, lambda codes: breakdown_table(found, codes))

    @api.get(
        "/headline",
        summary="主要指標（相談・ニーズ・成約・日数の中央値など）",
        responses=_tabled("主要指標（表では絞り込み条件と指標を1行に）"),
    )
    def headline(answer: Answer, reader: Reader, chosen: Filters) -> Response:
        session, actor = reader
        figures = headline_figures(session, actor, scoped(actor, chosen))
        return _answer(answer, figures, lambda codes: headline_table(figures, codes))

    @api.get(
        "/flows",
        summary="人材還流: 前居住地（地域区分または都道府県）× 拠点の成約件数",
        responses=_tabled("前居住地 × 拠点の成約件数（表では cells の各行）"),
    )
    def flows(
        answer: Answer,
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
        return _answer(answer, body, lambda codes: flows_table(cells, codes))

    funnel_tables = "|".join(funnel_figures.TABLES)

    @api.get(
        "/funnel",
        summary="ファネル: セミナー・紹介→相談→ニーズ→紹介→成約（率・日数の中央値、"
        "きっかけ別・人材区分別・紹介先別）",
        responses=_tabled("table で選んだ表（既定 steps: 段階ごとの件数・率・日数の中央値）"),
    )
    def funnel(
        answer: Answer,
        reader: Reader,
        chosen: Filters,
        table: Annotated[
            str,
            Query(
                pattern=f"^({funnel_tables})$",
                description="steps（段階）, events（イベント別）, event_kinds, introducers"
                "（紹介元パートナー別）, channels（相談経路別）, categories, partners（紹介先別）",
            ),
        ] = "steps",
    ) -> Response:
        session, actor = reader
        found = funnel_figures.funnel(session, actor, scoped(actor, chosen))
        rows = funnel_figures.table_rows(found, table)
        body = {"table": table, "since": chosen.since, "until": chosen.until, "rows": rows}
        return _answer(answer, body, lambda codes: funnel_table(rows, table, codes))

    @api.get(
        "/partners/performance",
        summary="パートナー実績（紹介件数・期限内の報告・成約・成約率・紹介から成約までの日数）",
        responses=_tabled("breakdown で選んだ表（total: パートナーごと、category、engagement）"),
    )
    def partner_performance(
        answer: Answer,
        reader: Reader,
        chosen: Filters,
        breakdown: Annotated[
            str,
            Query(
                pattern="^(total|category|engagement)$",
                description="total（パートナーごと）, category（人材区分別）, "
                "engagement（採用形態別）",
            ),
        ] = "total",
    ) -> Response:
        session, actor = reader
        found = partner_figures.partner_table(session, actor, scoped(actor, chosen))
        rows = partner_figures.table_rows(found, breakdown)
        body = {"breakdown": breakdown, "since": chosen.since, "until": chosen.until, "rows": rows}
        return _answer(
            answer, body, lambda codes: partner_performance_table(rows, breakdown, codes)
        )

    @api.get("/firms", summary="企業（検索・ページ送り）", responses=_listed(Company, "企業"))
    def firms(
        answer: Answer,
        reader: Reader,
        q: Annotated[str | None, Query(max_length=200)] = None,
        hub: Annotated[str | None, Query(max_length=2)] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Response:
        session, actor = reader
        try:
            q = clean_typed_text(q) if q else q
        except ValueError as error:  # a NUL is an SQL error on PostgreSQL
            raise ValidationError({"q": str(error)}) from None
        try:
            hub_code = read_hub_code(hub) if hub else None
        except ValueError as error:
            raise ValidationError({"hub": str(error)}) from None
        # Another hub's firms: the services refuse (PermissionDenied, 403) as every path does.
        total = companies.count_search_results(session, actor, q, hub_code)
        items = companies.search_companies(session, actor, q, hub_code, limit, offset)
        return _page(answer, reader, Company, total, items, limit, offset)

    @api.get("/consultations", summary="相談（新しい順）", responses=_listed(Consultation, "相談"))
    def consultation_list(
        answer: Answer,
        reader: Reader,
        company_id: Id = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Response:
        return _dated(
            answer, Consultation, reader, consultations.count_consultations,
            consultations.list_consultations, company_id, since, until, limit, offset,
        )  # fmt: skip

    @api.get("/needs", summary="人材ニーズ", responses=_listed(TalentNeed, "人材ニーズ"))
    def need_list(
        answer: Answer,
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
        return _page(answer, reader, TalentNeed, total, items, limit, offset)

    @api.get("/placements", summary="成約（新しい順）", responses=_listed(Placement, "成約"))
    def placement_list(
        answer: Answer,
        reader: Reader,
        company_id: Id = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Response:
        return _dated(
            answer, Placement, reader, placements.count_placements,
            placements.list_placements, company_id, since, until, limit, offset,
        )  # fmt: skip

    @api.get(
        "/follow-ups",
        summary="フォローアップ（未完了・期日順）",
        responses=_listed(FollowUp, "フォローアップ"),
    )
    def follow_up_list(
        answer: Answer,
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
        return _page(answer, reader, FollowUp, total, items, limit, offset)

    @api.get(
        "/calendar.ics",
        summary="カレンダー購読（フォローアップと次回予定）",
        response_class=Response,
    )
    def calendar(
        request: Request, token: Annotated[str | None, Query(max_length=100)] = None
    ) -> Response:
        with session_scope(engine()) as session:
            row = api_tokens.identify(session, token, kind=api_tokens.CALENDAR)
            request.state.token_id = row.id
            actor = api_tokens.record_use(session, row, use="/calendar.ics")
            body = calendar_feed(session, actor)
        return Response(body, media_type="text/calendar; charset=utf-8", headers=NO_STORE)

    def audit_refusal(request: Request, status: int) -> None:
        """In a transaction of its own: the request's was rolled back with the refusal."""
        try:
            with session_scope(engine()) as session:
                api_tokens.record_refusal(
                    session,
                    token_id=getattr(request.state, "token_id", None),
                    use=audited_path(request.url.path),
                    status=status,
                )
        # The answer matters more than its trace; a database that stopped answering raises
        # DatabaseUnavailable rather than an SQLAlchemyError.
        except (SQLAlchemyError, DatabaseUnavailable) as error:
            log.warning("API refusal %s not audited: %s", status, type(error).__name__)

    def refused(request: Request, status: int, message: str, **extra: Any) -> JSONResponse:
        audit_refusal(request, status)
        return JSONResponse({"error": message, **extra}, status_code=status, headers=NO_STORE)

    @api.exception_handler(api_tokens.TokenRefused)
    def _token(request: Request, error: api_tokens.TokenRefused) -> JSONResponse:
        answer = refused(request, 401, str(error))
        answer.headers["WWW-Authenticate"] = "Bearer"
        return answer

    @api.exception_handler(PermissionDenied)
    def _denied(request: Request, error: PermissionDenied) -> JSONResponse:
        return refused(request, 403, str(error))

    @api.exception_handler(NotFound)
    def _missing(request: Request, error: NotFound) -> JSONResponse:
        return refused(request, 404, str(error))

    @api.exception_handler(StarletteHTTPException)
    def _no_route(request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = {404: "このアドレスのAPIはありません。", 405: "このAPIは GET で読みます。"}
        return refused(
            request, error.status_code, message.get(error.status_code, "要求を処理できません。")
        )

    @api.exception_handler(ValidationError)
    def _invalid(request: Request, error: ValidationError) -> JSONResponse:
        return refused(request, 422, "入力内容を確認してください", fields=error.fields)

    @api.exception_handler(RequestValidationError)
    def _bad_parameter(request: Request, error: RequestValidationError) -> JSONResponse:
        fields: dict[str, str] = {}
        for item in error.errors():
            name = ".".join(str(p) for p in item["loc"] if p != "query")
            fields.setdefault(name, parameter_reason(name, item))
        return refused(request, 422, "パラメータを確認してください", fields=fields)

    @api.exception_handler(DatabaseUnavailable)
    def _database_unavailable(request: Request, error: DatabaseUnavailable) -> JSONResponse:
        # Not audited: the audit trail is in the database that does not answer. The path
        # only in the log: a calendar feed's query string carries its token.
        log.warning("database unavailable on %s: %r", request.url.path, error.__cause__)
        return JSONResponse({"error": str(error)}, status_code=503, headers=NO_STORE)

    def unexpected(request: Request, error: Exception) -> Response:
        reference = secrets.token_hex(4)
        log.exception("API error %s", reference, exc_info=error)
        return refused(request, 500, f"サーバーで問題が発生しました（参照番号 {reference}）。")

    api.add_middleware(LastResort, answer=unexpected)
    return api
