"""Fixed codes of the domain: prefectures, regional blocks, JSIC divisions and enumerations.

Which prefectures have an active hub, and which talent categories exist, are data (tables
``hub`` and ``talent_category``); this module only holds the codes those rows start from.
Every enumeration maps a stable English code (stored in the database) to its Japanese label.
"""

from enum import StrEnum

# JIS X 0401 code -> (Japanese name, English name)
PREFECTURES: dict[str, tuple[str, str]] = {
    "01": ("北海道", "Hokkaido"),
    "02": ("青森県", "Aomori"),
    "03": ("岩手県", "Iwate"),
    "04": ("宮城県", "Miyagi"),
    "05": ("秋田県", "Akita"),
    "06": ("山形県", "Yamagata"),
    "07": ("福島県", "Fukushima"),
    "08": ("茨城県", "Ibaraki"),
    "09": ("栃木県", "Tochigi"),
    "10": ("群馬県", "Gunma"),
    "11": ("埼玉県", "Saitama"),
    "12": ("千葉県", "Chiba"),
    "13": ("東京都", "Tokyo"),
    "14": ("神奈川県", "Kanagawa"),
    "15": ("新潟県", "Niigata"),
    "16": ("富山県", "Toyama"),
    "17": ("石川県", "Ishikawa"),
    "18": ("福井県", "Fukui"),
    "19": ("山梨県", "Yamanashi"),
    "20": ("長野県", "Nagano"),
    "21": ("岐阜県", "Gifu"),
    "22": ("静岡県", "Shizuoka"),
    "23": ("愛知県", "Aichi"),
    "24": ("三重県", "Mie"),
    "25": ("滋賀県", "Shiga"),
    "26": ("京都府", "Kyoto"),
    "27": ("大阪府", "Osaka"),
    "28": ("兵庫県", "Hyogo"),
    "29": ("奈良県", "Nara"),
    "30": ("和歌山県", "Wakayama"),
    "31": ("鳥取県", "Tottori"),
    "32": ("島根県", "Shimane"),
    "33": ("岡山県", "Okayama"),
    "34": ("広島県", "Hiroshima"),
    "35": ("山口県", "Yamaguchi"),
    "36": ("徳島県", "Tokushima"),
    "37": ("香川県", "Kagawa"),
    "38": ("愛媛県", "Ehime"),
    "39": ("高知県", "Kochi"),
    "40": ("福岡県", "Fukuoka"),
    "41": ("佐賀県", "Saga"),
    "42": ("長崎県", "Nagasaki"),
    "43": ("熊本県", "Kumamoto"),
    "44": ("大分県", "Oita"),
    "45": ("宮崎県", "Miyazaki"),
    "46": ("鹿児島県", "Kagoshima"),
    "47": ("沖縄県", "Okinawa"),
}

# Prefectures without a hub when the programme started (our seed: Tokyo only).
NO_HUB_AT_START = {"13"}

# Regional blocks (our convention): block -> (first code, last code)
BLOCKS: dict[str, tuple[int, int]] = {
    "北海道": (1, 1),
    "東北": (2, 7),
    "関東": (8, 14),
    "中部": (15, 23),
    "近畿": (24, 30),
    "中国": (31, 35),
    "四国": (36, 39),
    "九州・沖縄": (40, 47),
}


def block_of(pref_code: str) -> str:
    number = int(pref_code)
    for block, (first, last) in BLOCKS.items():
        if first <= number <= last:
            return block
    raise ValueError(f"unknown prefecture code {pref_code!r}")


# Japan Standard Industrial Classification, major divisions (大分類).
JSIC_DIVISIONS: dict[str, str] = {
    "A": "農業，林業",
    "B": "漁業",
    "C": "鉱業，採石業，砂利採取業",
    "D": "建設業",
    "E": "製造業",
    "F": "電気・ガス・熱供給・水道業",
    "G": "情報通信業",
    "H": "運輸業，郵便業",
    "I": "卸売業，小売業",
    "J": "金融業，保険業",
    "K": "不動産業，物品賃貸業",
    "L": "学術研究，専門・技術サービス業",
    "M": "宿泊業，飲食サービス業",
    "N": "生活関連サービス業，娯楽業",
    "O": "教育，学習支援業",
    "P": "医療，福祉",
    "Q": "複合サービス事業",
    "R": "サービス業（他に分類されないもの）",
    "S": "公務",
    "T": "分類不能の産業",
}

# The seed's four talent categories (reference data; table talent_category starts from these).
DEFAULT_TALENT_CATEGORIES: list[tuple[str, str]] = [
    ("management", "経営人材"),
    ("management_support", "経営サポート人材"),
    ("specialist", "専門人材"),
    ("sales_channel", "販路開拓人材"),
]


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry a Japanese label in ``LABELS``."""

    @property
    def label(self) -> str:
        return type(self).labels()[self.value]

    @classmethod
    def labels(cls) -> dict[str, str]:
        return LABELS[cls.__name__]

    @classmethod
    def former_labels(cls) -> dict[str, str]:
        """Labels its values had before (former label -> code): read, never written."""
        return FORMER_LABELS.get(cls.__name__, {})

    @classmethod
    def from_label_or_code(cls, text: str) -> "LabelledEnum":
        text = text.strip()
        for code, label in cls.labels().items():
            if text in (code, label):
                return cls(code)
        if text in cls.former_labels():
            return cls(cls.former_labels()[text])
        raise ValueError(text)


class Role(LabelledEnum):
    HUB_MANAGER = "hub_manager"
    SECRETARIAT = "secretariat"
    ADMIN = "admin"
    PARTNER = "partner"  # a partner organisation's person: sees only its own referrals


class Channel(LabelledEnum):
    VISIT = "visit"
    SEMINAR = "seminar"
    FINANCIAL_INSTITUTION = "financial_institution"
    LARGE_FIRM = "large_firm"
    INBOUND = "inbound"
    OTHER = "other"


class Stance(LabelledEnum):
    """How ready the firm is to move from defensive to offensive management (攻めの経営)."""

    DEFENSIVE = "defensive"
    INTERESTED = "interested"
    CONSIDERING = "considering"
    READY = "ready"


class Engagement(LabelledEnum):
    MID_CAREER = "mid_career"
    SECONDMENT = "secondment"
    SIDE_JOB = "side_job"


class NeedStatus(LabelledEnum):
    OPEN = "open"
    REFERRED = "referred"
    PLACED = "placed"
    WITHDRAWN = "withdrawn"


class ReferralOutcome(LabelledEnum):
    PENDING = "pending"
    CANDIDATES = "candidates"
    PLACED = "placed"
    NO_MATCH = "no_match"
    WITHDRAWN = "withdrawn"


class ReferralStage(LabelledEnum):
    """Where a referral stands as its partner reports it (never who the candidates are)."""

    RECEIVED = "received"
    PRESENTING = "presenting"
    INTERVIEWING = "interviewing"
    OFFERED = "offered"
    PLACED = "placed"
    DECLINED = "declined"


class DeclineReason(LabelledEnum):
    """Why a partner stopped a referral (a code: partners write no free text)."""

    NO_CANDIDATES = "no_candidates"
    CONDITIONS = "conditions"
    FIRM_DECLINED = "firm_declined"
    CANDIDATE_DECLINED = "candidate_declined"
    OTHER = "other"


class EventKind(LabelledEnum):
    SEMINAR = "seminar"
    BRIEFING = "briefing"
    NETWORKING = "networking"
    OTHER = "other"


class PartnerKind(LabelledEnum):
    RECRUITMENT_AGENCY = "recruitment_agency"
    REGIONAL_BANK = "regional_bank"
    JHR = "jhr"
    EMPLOYMENT_STABILITY_CENTER = "employment_stability_center"
    LARGE_FIRM = "large_firm"
    HUB = "hub"  # the hub itself: a placement it made without a partner (直接紹介)
    OTHER = "other"


class SalaryBand(LabelledEnum):
    UNDER_4M = "under_4m"
    FROM_4M = "4m_6m"
    FROM_6M = "6m_8m"
    FROM_8M = "8m_10m"
    OVER_10M = "10m_plus"


class SalesBand(LabelledEnum):
    """A firm's yearly sales (売上高帯), as hubs publish their firms' size."""

    UNDER_100M = "under_100m"
    FROM_100M = "100m_1b"
    FROM_1B = "1b_5b"
    FROM_5B = "5b_10b"
    OVER_10B = "10b_plus"


class AgeBand(LabelledEnum):
    UNDER_30 = "under_30"
    THIRTIES = "30s"
    FORTIES = "40s"
    FIFTIES = "50s"
    SIXTY_PLUS = "60_plus"


class Residence(LabelledEnum):
    """Where the hired person lived before the placement (never who they are)."""

    SAME_PREFECTURE = "same_prefecture"
    TOKYO_AREA = "tokyo_area"
    OTHER_REGION = "other_region"


class TargetStatus(LabelledEnum):
    """A yearly target proposed by its hub, or set or approved by the secretariat."""

    PROPOSED = "proposed"
    APPROVED = "approved"


LABELS: dict[str, dict[str, str]] = {
    "TargetStatus": {"proposed": "提案中（承認待ち）", "approved": "承認済み"},
    "Role": {
        "hub_manager": "拠点マネージャー",
        "secretariat": "全国事務局",
        "admin": "管理者",
        "partner": "パートナー",
    },
    "ReferralStage": {
        "received": "受領",
        "presenting": "候補者紹介中",
        "interviewing": "面接中",
        "offered": "内定",
        "placed": "成約",
        "declined": "見送り",
    },
    "DeclineReason": {
        "no_candidates": "候補者が見つからない",
        "conditions": "条件が合わない",
        "firm_declined": "企業が見送り",
        "candidate_declined": "候補者が辞退",
        "other": "その他",
    },
    "EventKind": {
        "seminar": "セミナー",
        "briefing": "説明会",
        "networking": "交流会",
        "other": "その他",
    },
    "Channel": {
        "visit": "企業訪問",
        "seminar": "セミナー",
        "financial_institution": "金融機関からの紹介",
        "large_firm": "大企業連携",
        "inbound": "企業からの問い合わせ",
        "other": "その他",
    },
    "Stance": {
        "defensive": "守りの経営",
        "interested": "関心あり",
        "considering": "検討中",
        "ready": "攻めの経営に意欲",
    },
    "Engagement": {"mid_career": "中途採用", "secondment": "出向・研修", "side_job": "副業・兼業"},
    "NeedStatus": {"open": "受付", "referred": "紹介中", "placed": "成約", "withdrawn": "取り下げ"},
    "ReferralOutcome": {
        "pending": "結果待ち",
        "candidates": "候補者提示",
        "placed": "成約",
        "no_match": "不成立",
        "withdrawn": "取り下げ",
    },
    "PartnerKind": {
        "recruitment_agency": "人材ビジネス事業者",
        "regional_bank": "地域金融機関",
        "jhr": "日本人材機構",
        "employment_stability_center": "産業雇用安定センター",
        "large_firm": "大企業",
        "hub": "拠点（直接紹介）",
        "other": "その他",
    },
    "SalaryBand": {
        "under_4m": "400万円未満",
        "4m_6m": "400〜600万円",
        "6m_8m": "600〜800万円",
        "8m_10m": "800〜1,000万円",
        "10m_plus": "1,000万円以上",
    },
    "SalesBand": {
        "under_100m": "1億円未満",
        "100m_1b": "1億〜10億円",
        "1b_5b": "10億〜50億円",
        "5b_10b": "50億〜100億円",
        "10b_plus": "100億円以上",
    },
    "AgeBand": {
        "under_30": "30歳未満",
        "30s": "30代",
        "40s": "40代",
        "50s": "50代",
        "60_plus": "60歳以上",
    },
    "Residence": {
        "same_prefecture": "県内",
        "tokyo_area": "首都圏",
        "other_region": "その他の地域",
    },
}

# Files and forms written before a label changed still read (``former_labels``).
FORMER_LABELS: dict[str, dict[str, str]] = {
    # The Tokyo area (codes 11–14) is 首都圏 everywhere, as in the programme's documents and
    # the 人材還流 breakdown; this was 前居住地's label for it before.
    "Residence": {"東京圏": "tokyo_area"},
}

# Pipeline moves a hub manager may make by hand (placing happens by recording a placement).
NEED_TRANSITIONS: dict[NeedStatus, set[NeedStatus]] = {
    NeedStatus.OPEN: {NeedStatus.REFERRED, NeedStatus.WITHDRAWN, NeedStatus.PLACED},
    NeedStatus.REFERRED: {NeedStatus.OPEN, NeedStatus.PLACED, NeedStatus.WITHDRAWN},
    NeedStatus.PLACED: {NeedStatus.REFERRED},
    NeedStatus.WITHDRAWN: {NeedStatus.OPEN},
}
