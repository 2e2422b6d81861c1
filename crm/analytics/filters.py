"""What a dashboard is asked to count: period, regional blocks, hubs, talent categories and
forms of engagement. Applied inside the SQL (``crm.analytics.facts``), never in pandas.

Category and engagement describe needs and placements; a consultation has neither, so those two
filters leave consultation counts untouched (the pages say so).
"""

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from crm.actor import Actor, allowed_hubs
from crm.errors import ValidationError
from crm.reference import BLOCKS, PREFECTURES, Engagement
from crm.rules import EARLIEST_DATE, MAX_ID, latest_date
from crm.timeutil import fiscal_year_bounds

# More talent categories than any list holds: a longer choice is a client's mistake.
MAX_CATEGORIES = 100


def _tuple(values: Iterable | None) -> tuple:
    return tuple(sorted(set(values or ())))


@dataclass(frozen=True)
class AnalyticsFilter:
    """Immutable and hashable, so it can be part of a cache key.

    ``since``/``until`` are inclusive dates (None: open-ended). ``blocks`` and ``hubs`` narrow
    the hubs counted (both given: hubs of those blocks that are also chosen); empty means all.
    """

    since: dt.date | None = None
    until: dt.date | None = None
    blocks: tuple[str, ...] = field(default=())
    hubs: tuple[str, ...] = field(default=())
    category_ids: tuple[int, ...] = field(default=())
    engagements: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        # Normalise so that equal selections make equal cache keys.
        object.__setattr__(self, "blocks", _tuple(self.blocks))
        object.__setattr__(self, "hubs", _tuple(self.hubs))
        object.__setattr__(self, "category_ids", _tuple(int(c) for c in self.category_ids))
        object.__setattr__(self, "engagements", _tuple(self.engagements))
        errors: dict[str, str] = {}
        if self.since and self.until and self.since > self.until:
            errors["until"] = "終了日が開始日より前です"
        unknown_blocks = set(self.blocks) - set(BLOCKS)
        if unknown_blocks:
            errors["blocks"] = f"存在しない地域ブロックです: {'・'.join(sorted(unknown_blocks))}"
        unknown_hubs = set(self.hubs) - set(PREFECTURES)
        if unknown_hubs:
            errors["hubs"] = f"存在しない都道府県コードです: {', '.join(sorted(unknown_hubs))}"
        odd_categories = [c for c in self.category_ids if not 1 <= c <= MAX_ID]
        if odd_categories:
            shown = ", ".join(
                str(c) if len(str(c)) <= 20 else f"{str(c)[:20]}…" for c in odd_categories[:3]
            )
            errors["categories"] = f"人材区分IDは1〜{MAX_ID}の整数です（入力: {shown}）"
        elif len(self.category_ids) > MAX_CATEGORIES:
            errors["categories"] = f"人材区分は{MAX_CATEGORIES}件までにしてください"
        unknown_engagements = set(self.engagements) - {e.value for e in Engagement}
        if unknown_engagements:
            listed = ", ".join(sorted(unknown_engagements))
            errors["engagements"] = f"存在しない採用形態です: {listed}"
        if errors:
            raise ValidationError(errors)

    # --- constructors --------------------------------------------------------------------

    @classmethod
    def for_fiscal_year(cls, fy: int, **kwargs) -> "AnalyticsFilter":
        since, until = fiscal_year_bounds(fy)
        return cls(since=since, until=until, **kwargs)

    @classmethod
    def for_months(cls, first: str | None, last: str | None, **kwargs) -> "AnalyticsFilter":
        """From the first day of month ``first`` to the last day of month ``last``
        (``YYYY-MM``; either may be None for open-ended), read as ``requested_period`` does."""
        since = parse_month(first, "from") if first else None
        until = _month_end(parse_month(last, "until")) if last else None
        since, until = requested_period(since, until, names=("from", "until"))
        return cls(since=since, until=until, **kwargs)

    def with_period(self, since: dt.date | None, until: dt.date | None) -> "AnalyticsFilter":
        return replace(self, since=since, until=until)

    # --- what the SQL needs --------------------------------------------------------------

    @property
    def narrows_needs(self) -> bool:
        return bool(self.category_ids or self.engagements)

    def hub_selection(self) -> list[str] | None:
        """Hub codes chosen by blocks and hubs, or None when neither narrows the selection."""
        if not self.blocks and not self.hubs:
            return None
        chosen = set(self.hubs) if self.hubs else set(PREFECTURES)
        if self.blocks:
            chosen &= {code for block in self.blocks for code in hubs_in_block(block)}
        return sorted(chosen)

    def scope(self, actor: Actor) -> list[str] | None:
        """The hubs to count for this actor (None: every hub). A hub manager gets only their
        own hub; naming another hub raises PermissionDenied."""
        selection = self.hub_selection()
        readable = actor.readable_hubs()
        if readable is not None and selection is not None and self.blocks and not self.hubs:
            # A block filter is a narrowing, not a request for other hubs' numbers.
            selection = sorted(set(selection) & readable)
        return allowed_hubs(actor, selection)


def hubs_in_block(block: str) -> list[str]:
    first, last = BLOCKS[block]
    return [f"{number:02d}" for number in range(first, last + 1)]


def _month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def requested_period(
    since: dt.date | None,
    until: dt.date | None,
    today: dt.date | None = None,
    names: tuple[str, str] = ("since", "until"),
) -> tuple[dt.date | None, dt.date | None]:
    """A period asked for from outside (API parameters, ``crm report``), within the
    programme's range: from its first day (``EARLIEST_DATE``, the start of FY2015) to the
    latest date a record may carry (``latest_date``: ten years after today, Japan time).

    A start before the range or an end after it means no bound, as clients send 0001-01-01
    or 9999-12-31 for open-ended; a start after the range or an end before it can match no
    record and is refused (ValidationError naming the parameter, ``names``)."""
    first, last = EARLIEST_DATE, latest_date(today)
    errors: dict[str, str] = {}
    since = None if since is not None and since < first else since
    until = None if until is not None and until > last else until
    if since is not None and since > last:
        errors[names[0]] = f"開始日は{last:%Y-%m-%d}以前の日付にしてください（入力: {since}）"
    if until is not None and until < first:
        errors[names[1]] = f"終了日は{first:%Y-%m-%d}以降の日付にしてください（入力: {until}）"
    if errors:
        raise ValidationError(errors)
    return since, until


def parse_month(text: str, field_name: str = "month") -> dt.date:
    """``YYYY-MM`` to the first day of that month; ValidationError naming the field else."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValidationError(
            {field_name: f"年月は YYYY-MM の形式で入力してください（{text}）"}
        ) from None
