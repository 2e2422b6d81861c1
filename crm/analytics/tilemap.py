"""The Japan tile map: one square per prefecture at its usual place in a 13 × 9 grid.

The layout follows the common Japanese tile-map convention (Hokkaido top right, Tohoku down
the east edge, Kyushu and Okinawa bottom left, Shikoku under Chugoku); exact positions are our
convention.

    x:  0    1    2    3    4    5    6    7    8    9    10   11   12
    0                                                             北海道
    1                                                             青森
    2                                                        秋田 岩手
    3                                     石川 富山 新潟      山形 宮城
    4                  島根 鳥取 兵庫 京都 福井 岐阜 長野 群馬      福島
    5        佐賀 福岡 山口 広島 岡山 大阪 滋賀 愛知 山梨 埼玉 栃木 茨城
    6   長崎 熊本 大分      愛媛 香川 和歌山 奈良 三重 静岡 神奈川 東京 千葉
    7        鹿児島 宮崎    高知 徳島
    8   沖縄
"""

from dataclasses import dataclass

from crm.reference import PREFECTURES, block_of

# JIS X 0401 code -> (column, row), row 0 at the top.
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "01": (12, 0),
    "02": (12, 1),
    "05": (11, 2),
    "03": (12, 2),
    "17": (7, 3),
    "16": (8, 3),
    "15": (9, 3),
    "06": (11, 3),
    "04": (12, 3),
    "32": (3, 4),
    "31": (4, 4),
    "28": (5, 4),
    "26": (6, 4),
    "18": (7, 4),
    "21": (8, 4),
    "20": (9, 4),
    "10": (10, 4),
    "07": (12, 4),
    "41": (1, 5),
    "40": (2, 5),
    "35": (3, 5),
    "34": (4, 5),
    "33": (5, 5),
    "27": (6, 5),
    "25": (7, 5),
    "23": (8, 5),
    "19": (9, 5),
    "11": (10, 5),
    "09": (11, 5),
    "08": (12, 5),
    "42": (0, 6),
    "43": (1, 6),
    "44": (2, 6),
    "38": (4, 6),
    "37": (5, 6),
    "30": (6, 6),
    "29": (7, 6),
    "24": (8, 6),
    "22": (9, 6),
    "14": (10, 6),
    "13": (11, 6),
    "12": (12, 6),
    "46": (1, 7),
    "45": (2, 7),
    "39": (4, 7),
    "36": (5, 7),
    "47": (0, 8),
}


def short_name(code: str) -> str:
    """北海道, 青森, 東京, 京都, 大阪…: the name without 都・府・県, as tile maps print it."""
    name = PREFECTURES[code][0]
    return name if code == "01" else name[:-1]


@dataclass(frozen=True)
class Tile:
    code: str
    name: str  # full Japanese name
    label: str  # short name printed on the tile
    block: str
    column: int
    row: int
    has_hub: bool
    value: float | None  # the chosen measure; None for a prefecture without a hub


def tiles(values: dict[str, float | None], hub_codes: set[str]) -> list[Tile]:
    """All 47 prefectures, each with the measure for its hub (``values``) or none when the
    prefecture has no active hub (Tokyo in the seed)."""
    return [
        Tile(
            code=code,
            name=PREFECTURES[code][0],
            label=short_name(code),
            block=block_of(code),
            column=column,
            row=row,
            has_hub=code in hub_codes,
            value=values.get(code) if code in hub_codes else None,
        )
        for code, (column, row) in sorted(TILE_POSITIONS.items())
    ]
