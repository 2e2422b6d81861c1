"""Archives and uploads: a small file that expands to gigabytes is refused while it streams,
with a Japanese message, and the process stays under 500 MB (measured in a fresh subprocess
reading its own ``VmHWM``)."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from crm.csvio.reading import MAX_MEMBERS, ArchiveTooLarge, files_in

GIB = 1024**3
MIB = 1024**2
ZEROS = b"0" * MIB


def _bomb(path: Path, member: str, size: int) -> Path:
    """A zip whose one member is ``size`` bytes of the same character (a few MB compressed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(member, "w", force_zip64=True) as stream:
            stream.write("企業名,都道府県コード\r\n".encode())
            for _ in range(size // MIB):
                stream.write(ZEROS)
    return path


def _workbook_bomb(path: Path, size: int) -> Path:
    """An .xlsx whose sheet part expands to ``size`` bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            for _ in range(size // MIB):
                stream.write(b" " * MIB)
    return path


# The child's own peak resident size: VmHWM belongs to the process image and starts afresh at
# exec, whereas getrusage's ru_maxrss keeps the high-water mark of the (possibly large) test
# process the child was forked from.
CHILD = """
import json, sys
from crm.csvio.reading import files_in
from crm.errors import CrmError
try:
    files_in(sys.argv[1])
    outcome = "accepted"
except CrmError as error:
    outcome = str(error)
with open("/proc/self/status") as status:
    hwm_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
peak_mib = hwm_kib / 1024
print(json.dumps({"outcome": outcome, "peak_mib": peak_mib}))
"""


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "zip of a 2 GiB CSV": _bomb(folder / "bomb.zip", "companies.csv", 2 * GIB),
        "2 GiB workbook": _workbook_bomb(folder / "bomb.xlsx", 2 * GIB),
    }


@pytest.mark.parametrize("kind", ["zip of a 2 GiB CSV", "2 GiB workbook"])
def test_an_archive_that_expands_to_gigabytes_is_refused_under_500_mb(bombs, kind):
    path = bombs[kind]
    assert path.stat().st_size < 10 * MIB  # small on disk
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert "MB" in found["outcome"] and "分けて取り込んでください" in found["outcome"], found
    assert found["peak_mib"] < 500, found


def test_the_cli_refuses_the_bomb_in_one_line(bombs, tmp_path):
    env_url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    crm = Path(sys.executable).with_name("crm")
    subprocess.run([crm, "db", "upgrade"], env={"CRM_DATABASE_URL": env_url}, check=True)
    result = subprocess.run(
        [crm, "import", "all", str(bombs["zip of a 2 GiB CSV"]), "--hub", "01", "--dry-run"],
        env={"CRM_DATABASE_URL": env_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("エラー:"), lines
    assert "Traceback" not in result.stderr


def test_too_many_members_and_a_high_ratio_are_refused(tmp_path):
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as archive:
        for number in range(MAX_MEMBERS + 1):
            archive.writestr(f"f{number}.csv", "企業名\r\nA\r\n")
    with pytest.raises(ArchiveTooLarge, match="多すぎます"):
        files_in(many)
    dense = _bomb(tmp_path / "dense.zip", "companies.csv", 20 * MIB)  # 20 MiB, ratio > 100
    with pytest.raises(ArchiveTooLarge, match="圧縮率"):
        files_in(dense)


def test_an_ordinary_export_zip_still_reads(tmp_path):
    path = tmp_path / "export.zip"
    rows = "".join(f"株式会社テスト{n},01\r\n" for n in range(20_000))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("companies.csv", ("企業名,都道府県コード\r\n" + rows).encode("utf-8-sig"))
    [(name, data)] = files_in(path)
    assert name == "companies.csv" and data.count(b"\r\n") == 20_001
