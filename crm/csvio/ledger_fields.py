"""What a column of a hub's own ledger can become: the fields of a consultation and of its firm,
and the words ledgers use for them.

A ledger kept in Excel before the product names its columns in its own words (会社名, 所在地,
相談日, 内容, 担当 …). Each field here says which of the import's files it feeds (the firm's
or the consultation's) and under which key; a header is matched first by the field's term in
the vocabulary (``crm.csvio.columns``: the same words the export writes, and the former
terms), then by the ledger words below. Some ledger columns have no field of their own (a
phone number, the staff member who took the consultation): they are appended to a text field
with their header (``APPEND_TO``), so nothing the ledger holds is silently dropped.
"""

import re
import unicodedata
from dataclasses import dataclass

from crm.csvio.columns import COMPANIES, CONSULTATIONS, Column
from crm.reference import JSIC_DIVISIONS, Channel, LabelledEnum, SalesBand, Stance

FIRM, CONSULTATION = "companies", "consultations"
# What a ledger can be imported as: consultations (each with its firm) or firms alone.
LEDGER_ENTITIES = {CONSULTATION: "相談（企業とともに）", FIRM: "企業"}
IGNORE = ""  # a column mapped to nothing


@dataclass(frozen=True)
class LedgerField:
    key: str  # the field's key in a mapping (and a template)
    label: str  # as the mapping step shows it
    entity: str  # the file it feeds: FIRM or CONSULTATION
    column: str | None  # the column key it fills in that file (None: handled on its own)
    enum: type[LabelledEnum] | None = None
    coded: bool = False  # its values are codes chosen from a list (value mapping)
    many: bool = False  # several ledger columns may feed it (appended)


def _from(spec_column: Column, entity: str, key: str | None = None) -> LedgerField:
    return LedgerField(
        key or spec_column.key,
        spec_column.ja,
        entity,
        spec_column.key,
        spec_column.enum,
        coded=spec_column.enum is not None,
    )


_FIRM_COLUMN = COMPANIES.column
_CONSULTATION_COLUMN = CONSULTATIONS.column
FIELDS: dict[str, LedgerField] = {
    f.key: f
    for f in (
        _from(_FIRM_COLUMN("name"), FIRM),
        _from(_FIRM_COLUMN("kana"), FIRM),
        _from(_FIRM_COLUMN("corporate_number"), FIRM),
        LedgerField("address", "所在地（都道府県・市区町村に分けます）", FIRM, None),
        LedgerField("prefecture_code", "都道府県", FIRM, "prefecture_code", coded=True),
        _from(_FIRM_COLUMN("city"), FIRM),
        LedgerField("industry", "業種", FIRM, "industry", coded=True),
        _from(_FIRM_COLUMN("employees"), FIRM),
        _from(_FIRM_COLUMN("capital_jpy"), FIRM),
        _from(_FIRM_COLUMN("sales_band"), FIRM),
        LedgerField("notes", "企業の備考に追記", FIRM, "notes", many=True),
        _from(_CONSULTATION_COLUMN("consulted_on"), CONSULTATION),
        _from(_CONSULTATION_COLUMN("channel"), CONSULTATION),
        _from(_CONSULTATION_COLUMN("stance"), CONSULTATION),
        LedgerField("summary", "相談内容", CONSULTATION, "summary", many=True),
        LedgerField(
            "summary_note", "相談内容に追記（見出しとともに）", CONSULTATION, "summary", many=True
        ),
        _from(_CONSULTATION_COLUMN("next_action"), CONSULTATION),
        _from(_CONSULTATION_COLUMN("next_action_on"), CONSULTATION),
    )
}
# Fields whose values the mapping step maps value by value (a ledger's own words to codes).
CODED = {key for key, f in FIELDS.items() if f.coded}
# Text appended with its header: to the summary for consultations, the firm's notes otherwise.
APPEND_TO = {CONSULTATION: "summary_note", FIRM: "notes"}
# Fields a ledger must give (or a default must fill), per what it is imported as.
REQUIRED = {
    CONSULTATION: ("name", "consulted_on", "channel", "summary"),
    FIRM: ("name",),
}
# Fields that may take one value for every row when the ledger has no column for them.
DEFAULTABLE = ("channel", "stance", "prefecture_code")


def fields_for(entity: str) -> list[LedgerField]:
    """The fields a ledger imported as ``entity`` can fill, firm fields first."""
    wanted = {FIRM} if entity == FIRM else {FIRM, CONSULTATION}
    return [f for f in FIELDS.values() if f.entity in wanted]


def norm(text: str | None) -> str:
    """A header or value as compared: NFKC, no spaces of any width, no brackets' content marks."""
    folded = unicodedata.normalize("NFKC", text or "").replace("\ufeff", "")
    return re.sub(r"\s+", "", folded).lower()


# Ledger words for each field, matched whole (after ``norm``) and then as the start or end of
# a longer header (「相談日（訪問日）」, 「企業名称」).
LEDGER_WORDS: dict[str, tuple[str, ...]] = {
    "name": (
        "会社名",
        "企業名",
        "事業者名",
        "事業所名",
        "法人名",
        "社名",
        "相談企業",
        "企業",
        "会社",
        "相談先",
        "名称",
    ),
    "kana": ("フリガナ", "ふりがな", "カナ", "企業名カナ", "会社名カナ"),
    "corporate_number": ("法人番号", "法人no", "法人番号(13桁)"),
    "address": ("所在地", "住所", "本社所在地", "企業所在地", "本社住所"),
    "prefecture_code": ("都道府県", "県名", "都道府県名"),
    "city": ("市区町村", "市町村", "市町村名", "市区町村名"),
    "industry": ("業種", "業種名", "業種区分", "産業分類"),
    "employees": ("従業員数", "従業員", "社員数", "従業者数"),
    "capital_jpy": ("資本金", "資本金(円)"),
    "notes": ("電話", "電話番号", "tel", "連絡先", "代表者", "代表者名", "url", "ホームページ"),
    "consulted_on": (
        "相談日",
        "日付",
        "年月日",
        "訪問日",
        "面談日",
        "実施日",
        "対応日",
        "相談年月日",
    ),
    "channel": ("相談経路", "経路", "きっかけ", "相談方法", "対応方法", "区分", "種別", "方法"),
    "stance": ("経営姿勢", "姿勢"),
    "summary": ("相談内容", "内容", "概要", "相談概要", "相談事項", "面談内容", "対応内容"),
    "summary_note": ("担当", "担当者", "対応者", "担当マネージャー", "記録者", "備考", "メモ"),
    "next_action": ("次のアクション", "今後の対応", "次回対応", "今後の予定"),
    "next_action_on": ("次回予定日", "次回日", "次回訪問日"),
}


def _vocabulary(entity: str) -> dict[str, str]:
    """Normalised word -> field key, the product's own terms before the ledger words."""
    index: dict[str, str] = {}
    allowed = {f.key for f in fields_for(entity)}
    for f in FIELDS.values():
        if f.key in allowed and f.column is not None and f.key not in ("notes", "summary_note"):
            index.setdefault(norm(f.label), f.key)
    for key, words in LEDGER_WORDS.items():
        target = key
        if key == "summary_note" and entity == FIRM:
            target = APPEND_TO[FIRM]
        if target in allowed:
            for word in words:
                index.setdefault(norm(word), target)
    return index


def suggest_field(header: str, entity: str = CONSULTATION) -> str | None:
    """The field a ledger header most likely names, or None (the column is then ignored)."""
    wanted = norm(header)
    if not wanted:
        return None
    index = _vocabulary(entity)
    if wanted in index:
        return index[wanted]
    # 「相談日（訪問日）」, 「会社名称」: the longest known word the header starts or ends with.
    stripped = re.sub(r"[(\[【（].*?[)\]】）]", "", wanted)
    if stripped in index:
        return index[stripped]
    best: tuple[int, str] | None = None
    for word, key in index.items():
        if len(word) >= 3 and (stripped.startswith(word) or stripped.endswith(word)):
            if best is None or len(word) > best[0]:
                best = (len(word), key)
    return best[1] if best else None


# --- values of coded fields ----------------------------------------------------------------------

# Words offices write for a consultation's channel, matched as part of the value.
CHANNEL_WORDS: tuple[tuple[str, str], ...] = (
    ("金融", Channel.FINANCIAL_INSTITUTION.value),
    ("銀行", Channel.FINANCIAL_INSTITUTION.value),
    ("信金", Channel.FINANCIAL_INSTITUTION.value),
    ("信用金庫", Channel.FINANCIAL_INSTITUTION.value),
    ("信組", Channel.FINANCIAL_INSTITUTION.value),
    ("大企業", Channel.LARGE_FIRM.value),
    ("セミナー", Channel.SEMINAR.value),
    ("説明会", Channel.SEMINAR.value),
    ("イベント", Channel.SEMINAR.value),
    ("訪問", Channel.VISIT.value),
    ("往訪", Channel.VISIT.value),
    ("問い合わせ", Channel.INBOUND.value),
    ("問合せ", Channel.INBOUND.value),
    ("問合", Channel.INBOUND.value),
    ("来所", Channel.INBOUND.value),
    ("来訪", Channel.INBOUND.value),
    ("電話", Channel.INBOUND.value),
    ("メール", Channel.INBOUND.value),
    ("その他", Channel.OTHER.value),
)
STANCE_WORDS: tuple[tuple[str, str], ...] = (
    ("守り", Stance.DEFENSIVE.value),
    ("攻め", Stance.READY.value),
    ("意欲", Stance.READY.value),
    ("検討", Stance.CONSIDERING.value),
    ("関心", Stance.INTERESTED.value),
    ("興味", Stance.INTERESTED.value),
)
# Short words for JSIC divisions as ledgers write them (製造, 小売, IT …).
INDUSTRY_WORDS: tuple[tuple[str, str], ...] = (
    ("農業", "A"),
    ("林業", "A"),
    ("漁業", "B"),
    ("建設", "D"),
    ("工事", "D"),
    ("製造", "E"),
    ("電気", "F"),
    ("ガス", "F"),
    ("情報", "G"),
    ("it", "G"),
    ("ソフトウェア", "G"),
    ("通信", "G"),
    ("運輸", "H"),
    ("物流", "H"),
    ("運送", "H"),
    ("卸売", "I"),
    ("小売", "I"),
    ("商社", "I"),
    ("金融", "J"),
    ("保険", "J"),
    ("不動産", "K"),
    ("宿泊", "M"),
    ("旅館", "M"),
    ("ホテル", "M"),
    ("飲食", "M"),
    ("教育", "O"),
    ("医療", "P"),
    ("福祉", "P"),
    ("介護", "P"),
    ("サービス", "R"),
)


def choices_of(key: str) -> dict[str, str]:
    """Code -> label of a coded field (what a value may be mapped to)."""
    from crm.reference import PREFECTURES

    if key == "industry":
        return {code: f"{code} {name}" for code, name in JSIC_DIVISIONS.items()}
    if key == "prefecture_code":
        return {code: names[0] for code, names in PREFECTURES.items()}
    enum = {"channel": Channel, "stance": Stance, "sales_band": SalesBand}[key]
    return dict(enum.labels())


def suggest_value(key: str, text: str) -> str | None:
    """The code a ledger value most likely means for coded field ``key``, or None."""
    wanted = norm(text)
    if not wanted:
        return None
    choices = choices_of(key)
    for code, label in choices.items():
        if wanted in (norm(code), norm(label)):
            return code
    if key == "industry":
        for code, name in JSIC_DIVISIONS.items():
            if wanted == norm(name) or wanted in {norm(p) for p in re.split("[，、・,]", name)}:
                return code
        words: tuple[tuple[str, str], ...] = INDUSTRY_WORDS
    elif key == "prefecture_code":
        for code, label in choices.items():
            if wanted == norm(label[:-1]) and len(label) > 2:  # 山形 for 山形県
                return code
        return None
    elif key == "channel":
        words = CHANNEL_WORDS
    elif key == "stance":
        words = STANCE_WORDS
    else:
        return None
    for word, code in words:
        if norm(word) in wanted:
            return code
    return None
