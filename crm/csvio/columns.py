"""The documented CSV layout of every entity: column order, Japanese and English headers.

The order here IS the file's column order; changing it changes the published format, so add
new columns at the end. Exports write every column; imports read the columns marked
``importable`` (by either header) and ignore the rest (names, timestamps, the 区分 mark), so an
export can be imported again as it is.

Japanese headers are the fields' terms in ``crm.vocabulary`` (one vocabulary for pages, files
and reports); files with the former terms (雇用形態, 前住所地) still import.

Value conventions (both header languages):
- dates ``YYYY-MM-DD``; timestamps ``YYYY-MM-DD HH:MM:SS`` in Japan time;
- coded values (経路, 採用形態, …) as the Japanese label with Japanese headers and as the
  English code with English headers; imports accept either;
- 人材区分 as its Japanese name (ja) or code (en); 業種 as the JSIC division letter A–T;
- 区分 (weekly export only), from the audit trail: 当週 = dated in the week, 遅延入力 = entered
  during the week with an earlier date, 訂正 = a field of an earlier, already reported record
  that held a value was edited during the week, 状況変更 = only a pipeline step (a need's 状況,
  a referral's 結果) happened during the week; needs carry that step's date in 状況の日付.
"""

from dataclasses import dataclass, field

from crm.reference import (
    AgeBand,
    Channel,
    Engagement,
    LabelledEnum,
    NeedStatus,
    PartnerKind,
    ReferralOutcome,
    Residence,
    SalaryBand,
    Stance,
    TargetStatus,
)
from crm.vocabulary import FORMER_TERMS, term

INT, TEXT, DATE, STAMP, CODE, BOOL = "int", "text", "date", "timestamp", "code", "bool"


@dataclass(frozen=True)
class Column:
    key: str
    ja: str
    en: str
    kind: str = TEXT
    enum: type[LabelledEnum] | None = None
    importable: bool = True
    note: str = ""
    # Read only when an export is restored into an empty database (stamps, approval time).
    restored: bool = False


@dataclass(frozen=True)
class EntitySpec:
    name: str  # also the file name stem: companies.csv …
    label: str  # Japanese name for messages
    columns: tuple[Column, ...]
    date_keys: tuple[str, ...] = ()  # business dates that place a row in a week
    importable: bool = True
    header_index: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for column in self.columns:
            for name in (column.ja, column.en, column.key):
                self.header_index.setdefault(name, column)
        # Headers of files written before the vocabulary was unified.
        for former, key in FORMER_TERMS.items():
            found = next((c for c in self.columns if c.key == key), None)
            if found is not None:
                self.header_index.setdefault(former, found)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def headers(self, language: str) -> list[str]:
        return [c.ja if language == "ja" else c.en for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _id(ja: str) -> Column:
    return Column(
        "id", ja, "id", INT, note="空欄なら新規。出力したIDのまま取り込むと同じ記録を更新"
    )


_HUB = Column("hub_code", "拠点コード", "hub_code", note="取込先の拠点と一致すること")
_VERSION = Column(
    "version", "版", "version", INT, note="更新の競合検出: 出力後に他の人が更新した行は取り込めない"
)
_CREATED = Column("created_at", "登録日時", "created_at", STAMP, importable=False, restored=True)
_UPDATED = Column("updated_at", "更新日時", "updated_at", STAMP, importable=False, restored=True)
_KIND = Column(
    "entry_kind",
    "区分",
    "entry_kind",
    importable=False,
    note="週次出力のみ: 当週／遅延入力／訂正／状況変更",
)
_COMPANY_ID = Column("company_id", "企業ID", "company_id", INT)
_COMPANY_NAME = Column("company_name", "企業名", "company_name", importable=False)
_NOTES = Column("notes", term("notes"), "notes")
_TRAILER = (_VERSION, _CREATED, _UPDATED, _KIND)

COMPANIES = EntitySpec(
    "companies",
    "企業",
    (
        _id("企業ID"),
        _HUB,
        Column("name", term("name"), "name"),
        Column("kana", term("kana"), "kana"),
        Column(
            "corporate_number",
            term("corporate_number"),
            "corporate_number",
            note="13桁。既存の企業とは法人番号で照合",
        ),
        Column(
            "prefecture_code", term("prefecture_code"), "prefecture_code", note="JIS X 0401 2桁"
        ),
        Column("city", term("city"), "city"),
        Column("industry", term("industry"), "industry", note="日本標準産業分類の大分類 A〜T"),
        Column("employees", term("employees"), "employees", INT),
        Column("capital_jpy", term("capital_jpy"), "capital_jpy", INT),
        _NOTES,
        _VERSION,
        _CREATED,
        _UPDATED,
    ),
)

CONSULTATIONS = EntitySpec(
    "consultations",
    "相談",
    (
        _id("相談ID"),
        _HUB,
        _COMPANY_ID,
        _COMPANY_NAME,
        Column("consulted_on", term("consulted_on"), "consulted_on", DATE),
        Column("channel", term("channel"), "channel", CODE, Channel),
        Column("stance", term("stance"), "stance", CODE, Stance),
        Column("summary", term("summary"), "summary"),
        Column("next_action", term("next_action"), "next_action"),
        Column("next_action_on", term("next_action_on"), "next_action_on", DATE),
        *_TRAILER,
    ),
    date_keys=("consulted_on",),
)

NEEDS = EntitySpec(
    "needs",
    "人材ニーズ",
    (
        _id("ニーズID"),
        _HUB,
        _COMPANY_ID,
        _COMPANY_NAME,
        Column("consultation_id", "相談ID", "consultation_id", INT),
        Column("category", term("category"), "category", note="区分名またはコード"),
        Column("engagement", term("engagement"), "engagement", CODE, Engagement),
        Column("role_title", term("role_title"), "role_title"),
        Column("headcount", term("headcount"), "headcount", INT),
        Column("salary_band", term("salary_band"), "salary_band", CODE, SalaryBand),
        Column("status", term("status"), "status", CODE, NeedStatus),
        Column("opened_on", term("opened_on"), "opened_on", DATE),
        _NOTES,
        *_TRAILER,
        Column(
            "status_changed_on",
            "状況の日付",
            "status_changed_on",
            DATE,
            importable=False,
            note="状況がその値になった日（経過の最新の日付）",
        ),
    ),
    date_keys=("opened_on",),
)

REFERRALS = EntitySpec(
    "referrals",
    "紹介",
    (
        _id("紹介ID"),
        _HUB,
        Column("need_id", "ニーズID", "need_id", INT),
        Column("company_id", "企業ID", "company_id", INT, importable=False),
        Column("partner_id", "パートナーID", "partner_id", INT),
        Column("partner_name", "パートナー名", "partner_name", importable=False),
        Column("referred_on", term("referred_on"), "referred_on", DATE),
        Column("outcome", term("outcome"), "outcome", CODE, ReferralOutcome),
        _NOTES,
        *_TRAILER,
    ),
    date_keys=("referred_on",),
)

PLACEMENTS = EntitySpec(
    "placements",
    "成約",
    (
        _id("成約ID"),
        _HUB,
        Column("need_id", "ニーズID", "need_id", INT),
        Column("company_id", "企業ID", "company_id", INT, importable=False),
        _COMPANY_NAME,
        Column("placed_on", term("placed_on"), "placed_on", DATE),
        Column("engagement", term("engagement"), "engagement", CODE, Engagement),
        Column("partner_id", "パートナーID", "partner_id", INT),
        Column("partner_name", "パートナー名", "partner_name", importable=False),
        Column("salary_band", term("salary_band"), "salary_band", CODE, SalaryBand),
        Column("age_band", term("age_band"), "age_band", CODE, AgeBand),
        Column(
            "previous_residence", term("previous_residence"), "previous_residence", CODE, Residence
        ),
        _NOTES,
        *_TRAILER,
        # Appended (the published order never changes): the prefecture lived in before.
        Column(
            "previous_prefecture",
            term("previous_prefecture"),
            "previous_prefecture",
            note="JIS X 0401 2桁（前居住地はここから導出）",
        ),
    ),
    date_keys=("placed_on",),
)

FOLLOW_UPS = EntitySpec(
    "follow_ups",
    "フォローアップ",
    (
        _id("フォローアップID"),
        _HUB,
        _COMPANY_ID,
        _COMPANY_NAME,
        Column("placement_id", "成約ID", "placement_id", INT),
        Column("due_on", term("due_on"), "due_on", DATE),
        Column("done_on", term("done_on"), "done_on", DATE),
        _NOTES,
        *_TRAILER,
    ),
    date_keys=("due_on", "done_on"),
)

PARTNERS = EntitySpec(
    "partners",
    "パートナー",
    (
        _id("パートナーID"),
        Column("kind", "種別", "kind", CODE, PartnerKind),
        Column("name", "名称", "name"),
        Column("prefecture_code", term("prefecture_code"), "prefecture_code"),
        Column("active", "有効", "active", BOOL, note="1=有効 0=無効"),
        _VERSION,
        _CREATED,
        _UPDATED,
    ),
)

CONTACTS = EntitySpec(
    "contacts",
    "企業の担当者",
    (
        _id("担当者ID"),
        _HUB,
        _COMPANY_ID,
        _COMPANY_NAME,
        Column("name", "担当者名", "name"),
        Column("title", "担当者の役職", "title"),
        Column("email", "メールアドレス", "email"),
        Column("phone", "電話番号", "phone"),
        _VERSION,
        _CREATED,
        _UPDATED,
    ),
)

# Restored only (see RESTORE_ONLY): written by the target and pipeline services, not by files.
TARGETS = EntitySpec(
    "targets",
    "年度目標",
    (
        _id("目標ID"),
        _HUB,
        Column("fiscal_year", "年度", "fiscal_year", INT, note="4月始まりの年度 例 2026"),
        Column("consultations", "相談件数の目標", "consultations", INT),
        Column("placements", "成約件数の目標", "placements", INT),
        Column("status", "承認", "status", enum=TargetStatus),
        Column("approved_at", "承認日時", "approved_at", STAMP, importable=False, restored=True),
        _VERSION,
        _CREATED,
        _UPDATED,
    ),
)

NEED_HISTORY = EntitySpec(
    "need_history",
    "ニーズの状況の履歴",
    (
        _id("履歴ID"),
        _HUB,
        Column("need_id", "ニーズID", "need_id", INT),
        Column("from_status", "変更前の状況", "from_status", enum=NeedStatus),
        Column("to_status", "変更後の状況", "to_status", enum=NeedStatus),
        Column("changed_on", "状況の日付", "changed_on", DATE),
        Column("changed_at", "記録日時", "changed_at", STAMP, importable=False, restored=True),
        Column("note", "備考", "note"),
    ),
)

SUMMARY = EntitySpec(
    "summary",
    "拠点別集計",
    (
        Column("hub_code", "拠点コード", "hub_code"),
        Column("hub_name", "拠点名", "hub_name"),
        Column("week", "週", "week", note="ISO週 例 2026-W47"),
        Column("consultations_week", "相談（週）", "consultations_week", INT),
        Column("needs_week", "人材ニーズ（週）", "needs_week", INT),
        Column("referrals_week", "紹介（週）", "referrals_week", INT),
        Column("placements_week", "成約（週）", "placements_week", INT),
        Column("follow_ups_done_week", "フォローアップ実施（週）", "follow_ups_done_week", INT),
        Column("late_entries_week", "遅延入力・訂正（週）", "late_entries_week", INT),
        Column("consultations_total", "相談（累計）", "consultations_total", INT),
        Column("needs_total", "人材ニーズ（累計）", "needs_total", INT),
        Column("referrals_total", "紹介（累計）", "referrals_total", INT),
        Column("placements_total", "成約（累計）", "placements_total", INT),
        Column("follow_ups_done_total", "フォローアップ実施（累計）", "follow_ups_done_total", INT),
        Column(
            "status_changes_week",
            "状況変更（週）",
            "status_changes_week",
            INT,
            note="週より前の日付の記録で、週の間に状況・結果だけが進んだ行の数",
        ),
    ),
    importable=False,
)

# Dependency order: a file may refer only to entities before it.
HUB_ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec for spec in (COMPANIES, CONSULTATIONS, NEEDS, REFERRALS, PLACEMENTS, FOLLOW_UPS)
}
# A full export: every table of hub work, in dependency order (the weekly one: HUB_ENTITIES).
FULL_ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        COMPANIES,
        CONTACTS,
        CONSULTATIONS,
        NEEDS,
        NEED_HISTORY,
        REFERRALS,
        PLACEMENTS,
        FOLLOW_UPS,
        TARGETS,
    )
}
# Files only a restore into an empty database reads: targets are proposed and approved on
# their page, and a need's history is written by the pipeline steps themselves.
RESTORE_ONLY = frozenset({TARGETS.name, NEED_HISTORY.name})
ENTITIES: dict[str, EntitySpec] = {"partners": PARTNERS, **FULL_ENTITIES}

# Columns an import file must have (an export always has them); their cells may still be blank
# where the record allows it, e.g. 経営姿勢.
REQUIRED_COLUMNS = {
    "companies": ["name", "prefecture_code"],
    "consultations": ["company_id", "consulted_on", "channel", "summary"],
    "needs": ["company_id", "category", "engagement", "role_title", "opened_on"],
    "referrals": ["need_id", "partner_id", "referred_on"],
    "placements": ["need_id", "placed_on"],
    "follow_ups": ["due_on"],
    "partners": ["kind", "name"],
    "contacts": ["company_id", "name"],
    "targets": ["fiscal_year", "consultations", "placements", "status"],
    "need_history": ["need_id", "to_status", "changed_on"],
}

ENTRY_KINDS = {  # weekly export's 区分 in each header language
    "week": {"ja": "当週", "en": "week"},
    "late": {"ja": "遅延入力", "en": "late_entry"},
    "corrected": {"ja": "訂正", "en": "correction"},
    "status": {"ja": "状況変更", "en": "status_change"},
}


def layout_markdown() -> str:
    """The column layout of every file, as Markdown (for the README and `crm export columns`)."""
    parts = []
    for spec in (*ENTITIES.values(), SUMMARY):
        parts.append(f"### {spec.file_name}（{spec.label}）\n")
        parts.append(
            "| # | 日本語見出し | English header | 取込 | 説明 |"
        )  # 取込: 必須 / ○ / 復元 (a restore only) / — (ignored)
        parts.append("|---|---|---|---|---|")
        for number, column in enumerate(spec.columns, start=1):
            note = column.note
            if column.enum is not None:
                note = (note + " " if note else "") + "／".join(column.enum.labels().values())
            if column.restored or (column.importable and spec.name in RESTORE_ONLY):
                imported = "復元"  # read only by a restore into an empty database
            elif not (column.importable and spec.importable):
                imported = "—"
            else:
                imported = "必須" if column.key in REQUIRED_COLUMNS.get(spec.name, ()) else "○"
            parts.append(f"| {number} | {column.ja} | {column.en} | {imported} | {note} |")
        parts.append("")
    return "\n".join(parts)
