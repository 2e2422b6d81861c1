"""Files the CRM writes: private to their owner, and never left half-written.

Every database file, backup, export, report and credentials file goes through here:

* ``private_file`` / ``private_dir``: created owner-only (0600 files, 0700 folders) from the
  first byte, whatever the umask; existing ones are narrowed to that mode.
* ``atomic_write`` (one file) and ``atomic_dir`` (a folder of files): written under a hidden
  temporary name beside the target and renamed into place only when complete and flushed to
  disk. A failure (a full disk, a size limit, an error while producing the content) removes
  the temporary and leaves no partial file; the error is a ``FileWriteFailed`` whose message
  says why in Japanese.
"""

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from crm.errors import CrmError

FILE_MODE = 0o600
DIR_MODE = 0o700


class FileWriteFailed(CrmError):
    """A file could not be written; nothing partial was left. The message is for the user."""


def reason(error: OSError) -> str:
    """Why a file operation failed, in Japanese."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "保存先の空き容量が足りません"
    if error.errno == errno.EFBIG:
        return "ファイルの大きさが上限を超えました"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "保存先に書き込む権限がありません"
    if error.errno == errno.EROFS:
        return "保存先が読み取り専用です"
    if error.errno == errno.ENOENT:
        return "保存先のフォルダがありません"
    return error.strerror or type(error).__name__


def write_failed(path: Path, error: OSError) -> FileWriteFailed:
    return FileWriteFailed(
        f"{path} を書き込めませんでした（{reason(error)}）。途中までのファイルは残していません。"
    )


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) as owner-only folders; an existing folder is kept as
    it is (it may be one the user chose, such as an export destination)."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)  # mkdir's mode is narrowed by the umask, never widened
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty and owner-only if it does not exist; narrow an existing file to
    owner-only. (SQLite then creates its -wal and -shm files with the same mode.)"""
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        # By name, never by opening it: closing any descriptor of a file drops every POSIX
        # lock this process holds on it, and SQLite's WAL mode relies on those locks (without
        # them another process's close checkpoints and deletes the -wal under our writers).
        os.chmod(path, FILE_MODE)
        return path
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return path


def narrow(path: Path) -> None:
    """Owner-only for an existing file (no error when it is missing)."""
    try:
        os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        pass


def _temporary_name(path: Path, kind: str) -> Path:
    return path.with_name(f".{path.name}.{kind}-{os.getpid()}")


def _fsync_dir(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@contextmanager
def atomic_write(path: Path, *, overwrite: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary file to write ``path``'s content into; on success it becomes ``path``
    (0600), on any error nothing is left. ``overwrite=False`` refuses to replace a file that
    appeared meanwhile (``FileExistsError``)."""
    path = Path(path)
    partial = _temporary_name(path, "partial")
    try:
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(descriptor, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            if overwrite:
                os.replace(partial, path)
            else:
                os.link(partial, path)  # fails rather than replace a file created meanwhile
                partial.unlink()
            _fsync_dir(path.parent)
        except OSError as error:
            if isinstance(error, FileExistsError) and not overwrite:
                raise
            raise write_failed(path, error) from error
    finally:
        partial.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> Path:
    """``path`` with ``data``, atomically and owner-only."""
    with atomic_write(path) as handle:
        handle.write(data)
    return Path(path)


@contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Yield an empty owner-only temporary folder to fill; on success it replaces ``path`` (an
    existing folder of that name is removed once the new one is in place), on any error it is
    removed and ``path`` is as it was."""
    path = Path(path)
    partial = _temporary_name(path, "partial")
    old = _temporary_name(path, "old")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        try:
            partial.mkdir(mode=DIR_MODE)
            os.chmod(partial, DIR_MODE)
            yield partial
            for child in partial.iterdir():
                with open(child, "rb+") as handle:
                    os.fsync(handle.fileno())
            _fsync_dir(partial)
            if path.exists():
                os.replace(path, old)
            os.replace(partial, path)
            _fsync_dir(path.parent)
        except OSError as error:
            if old.exists() and not path.exists():
                os.replace(old, path)  # put the previous folder back
            raise write_failed(path, error) from error
    finally:
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def open_private(path: Path) -> BinaryIO:
    """A new owner-only file to write, e.g. inside a folder made by ``atomic_dir``."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    return os.fdopen(descriptor, "wb")


def write_private(path: Path, data: bytes) -> None:
    """Write a file inside a folder made by ``atomic_dir`` (owner-only, not yet visible)."""
    with open_private(path) as handle:
        handle.write(data)
