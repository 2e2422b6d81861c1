"""Reading a workbook in a child process, so that a hostile file costs only its own upload.

The native reader (calamine) runs in ``python -m crm.csvio.workbook_child``, started afresh
for each workbook (spawned, never forked from the threaded app server), which limits its own
memory (``CRM_WORKBOOK_READER_MEMORY_MB``) and is killed when it runs longer than
``CRM_WORKBOOK_READER_SECONDS``. The workbook goes in on stdin; the rows come back as JSON.
Whatever goes wrong in the child — a refusal, memory exhausted, a crash or abort, the time
limit — becomes an ``UnreadableFile`` with a Japanese message here, and the app server and the
CLI never import calamine themselves.
"""

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from crm.config import get_settings
from crm.csvio.excel import UnreadableFile
from crm.csvio.workbook_child import KINDS, MEMORY_EXHAUSTED
from crm.csvio.workbook_scan import SAVE_AGAIN

log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# What Rust prints when an allocation fails under the memory limit, just before it aborts.
_RUST_OUT_OF_MEMORY = b"memory allocation of"

Rows = list[tuple[int, list[str]]]


def _child_environment() -> dict[str, str]:
    """The parent's environment, with this checkout importable after whatever PYTHONPATH
    already names."""
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(PROJECT_ROOT)])
    return env


def read_workbook(data: bytes, book: str) -> dict[str, Rows]:
    """Every sheet of the workbook ``data`` (named ``book`` in messages), in workbook order,
    as its non-blank rows with their row numbers. Raises UnreadableFile (WorkbookTooLarge,
    DamagedWorkbook) with the reason when the workbook cannot be read."""
    settings = get_settings()
    memory_mb, seconds = settings.workbook_reader_memory_mb, settings.workbook_reader_seconds
    label = book.replace("\0", "")
    command = [sys.executable, "-m", "crm.csvio.workbook_child", label, str(memory_mb)]
    try:
        done = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=seconds,
            env=_child_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.warning("workbook reader for %r killed after %s s", label, seconds)
        raise UnreadableFile(
            f"{label}: Excel ファイルの読み取りが制限時間（{seconds} 秒）内に終わらなかったため、"
            "中止しました。シートの行や列が多すぎないか確かめ、ファイルを分けるか CSV で"
            "保存して取り込んでください。"
        ) from None
    except OSError as error:
        log.warning("workbook reader for %r could not start: %s", label, error)
        raise UnreadableFile(
            f"{label}: Excel ファイルを読む処理を開始できませんでした（{error.strerror}）。"
            "しばらくしてからもう一度取り込んでください。"
        ) from None
    return _answer(done, label, memory_mb)


def _answer(done: subprocess.CompletedProcess[bytes], book: str, memory_mb: int) -> dict[str, Rows]:
    sheets: dict[str, Rows] = {}
    finished = False
    if done.returncode == 0:
        for line in done.stdout.splitlines():
            try:
                answer = json.loads(line)
            except ValueError:
                break
            if "refused" in answer:
                raise KINDS.get(answer.get("kind"), UnreadableFile)(str(answer["refused"]))
            if answer.get("done") is True:
                finished = True
                break
            sheets[str(answer["sheet"])] = [
                (int(number), [str(cell) for cell in cells]) for number, cells in answer["rows"]
            ]
    if finished:
        return sheets
    stderr = done.stderr[-2000:]
    log.warning(
        "workbook reader for %r failed (exit %s): %s",
        book,
        done.returncode,
        stderr.decode(errors="replace").strip()[-500:],
    )
    if done.returncode == MEMORY_EXHAUSTED or _RUST_OUT_OF_MEMORY in stderr:
        raise UnreadableFile(
            f"{book}: Excel ファイルの読み取りが使えるメモリ（{memory_mb:,} MB）を超えたため、"
            "中止しました。シートの行や列が多すぎないか確かめ、ファイルを分けるか CSV で"
            "保存して取り込んでください。"
        )
    raise UnreadableFile(
        f"{book}: Excel ファイルを読み取る処理が異常終了しました（{_how(done.returncode)}）。"
        f"ファイルが壊れているか、読み取りに対応していない内容を含んでいます。{SAVE_AGAIN}"
    )


def _how(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"シグナル {signal.Signals(-returncode).name}"
        except ValueError:
            return f"シグナル {-returncode}"
    return f"終了コード {returncode}"
