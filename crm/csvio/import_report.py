"""What an import reports: per file, its counts and ignored columns; the errors and notices
(bounded); the refusals an import raises."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from crm.csvio.reading import (
    LANGUAGES,
    Capped,
    RowError,
)
from crm.errors import CrmError
from crm.writes import Key

Progress = Callable[[float, str], None]
ACTIONS = {"create": "新規", "update": "更新", "unchanged": "変更なし"}


@dataclass
class FileReport:
    name: str
    entity: str
    label: str
    encoding: str
    language: str
    rows: int
    counts: Counter = field(default_factory=Counter)
    ignored_columns: Capped[str] = field(default_factory=Capped)
    preview: list[dict] = field(default_factory=list)

    @property
    def language_label(self) -> str:
        return LANGUAGES[self.language]

    @property
    def ignored_notice(self) -> str:
        """「取り込まない列: …」 with the first columns and how many more ('' for none)."""
        if not self.ignored_columns:
            return ""
        more = self.ignored_columns.more
        return (
            "取り込まない列: "
            + "、".join(self.ignored_columns)
            + (f"（ほか {more:,} 列）" if more else "")
        )


def beyond(items: Capped, what: str) -> str:
    """「ほか N 件の…」 for what a report counted but did not list ('' when it listed all)."""
    if not items.more:
        return ""
    return (
        f"ほか {items.more:,} 件の{what}があります（最初の {len(items):,} 件だけを示しています）。"
    )


# What an import writes besides its files' rows (the workflow's follow-on writes).
EFFECTS = {"follow_ups": "成約後フォローアップを自動作成", "needs_status": "ニーズの状況を自動更新"}


@dataclass
class ImportReport:
    hub_code: str | None
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)
    errors: Capped[RowError] = field(default_factory=Capped)
    # Rows that look like a firm already registered (or an earlier row): shown, not refused.
    warnings: Capped[RowError] = field(default_factory=Capped)
    skipped: list[str] = field(default_factory=list)  # files not read, and why
    effects: Counter = field(default_factory=Counter)  # automatic follow-on writes
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def effects_text(self) -> str:
        """The follow-on writes as a message lists them: 「、ニーズの状況を自動更新 3 件」."""
        return "".join(
            f"、{EFFECTS.get(kind, kind)} {count:,} 件"
            for kind, count in self.effects.items()
            if count
        )

    def totals(self) -> Counter:
        total: Counter[str] = Counter()
        for file in self.files:
            total.update(file.counts)
        return total

    def summary_lines(self) -> list[str]:
        lines = []
        for f in self.files:
            counts = "・".join(f"{ACTIONS[k]} {f.counts.get(k, 0):,}" for k in ACTIONS)
            lines.append(
                f"{f.name}（{f.label}、{f.rows:,} 行、{f.encoding}、"
                f"見出し {f.language_label}）: {counts}"
            )
        return lines


class ImportConflict(CrmError):
    """Someone saved rows of this import after it was checked: the import wrote nothing that
    the caller may keep (roll the transaction back; ``session_scope`` does). ``report.errors``
    names each file, row and what changed."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(
            "取込を中止しました（何も書き込んでいません）: "
            "確認の後に他の利用者が更新した行があります。"
            + " ".join(f"{e.file} {e.row} 行目: {e.reason}" for e in report.errors)
            + (f" {beyond(report.errors, '誤り')}" if report.errors.more else "")
        )


class ImportRefused(CrmError):
    """Raised by callers that want an exception; the importer itself returns the report."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(
            f"取込できません: {report.errors.total:,} 件の誤りがあります"
            "（何も書き込んでいません）。"
        )


@dataclass
class Planned:
    row: int
    action: str  # create | update | unchanged
    id: int | None  # the record's id (None: a new row, until the database gives it one)
    values: dict
    before: dict | None = None
    local: int | None = None  # the file's id of a new row, as a key of this bundle only
    stamps: dict = field(default_factory=dict)  # a restore: the file's version and times
    key: Key | None = None  # a new row's Key in the write plan
