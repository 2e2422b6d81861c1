from crm.analytics.tilemap import TILE_POSITIONS, short_name, tiles
from crm.reference import PREFECTURES


def test_every_prefecture_has_its_own_square():
    assert set(TILE_POSITIONS) == set(PREFECTURES)
    assert len(set(TILE_POSITIONS.values())) == 47


def test_usual_places():
    column = {code: c for code, (c, _r) in TILE_POSITIONS.items()}
    row = {code: r for code, (_c, r) in TILE_POSITIONS.items()}
    assert row["01"] == 0 and column["01"] == max(column.values())  # 北海道 top right
    assert row["47"] == max(row.values()) and column["47"] == 0  # 沖縄 bottom left
    assert row["02"] < row["04"] < row["07"] < row["08"]  # Tohoku runs south to Ibaraki
    assert column["42"] < column["35"] < column["27"] < column["13"]  # west to east


def test_tiles_show_tokyo_without_hub():
    hub_codes = set(PREFECTURES) - {"13"}
    result = tiles(dict.fromkeys(hub_codes, 1) | {"13": 99}, hub_codes)
    assert len(result) == 47
    tokyo = next(t for t in result if t.code == "13")
    assert not tokyo.has_hub and tokyo.value is None and tokyo.label == "東京"
    assert short_name("01") == "北海道" and short_name("26") == "京都"
