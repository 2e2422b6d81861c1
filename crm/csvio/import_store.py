"""The checked rows of one file, kept until the import writes them: the first chunk in memory,
the rest in a temporary file, so that the memory an import takes does not grow with its rows
(100,000 planned rows would hold about 100 MB of dictionaries).

Nothing is written to the database while the rows are checked: the write (and on SQLite its
lock) begins only when every row of every file has passed, as before."""

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO

from crm.csvio.import_report import Planned


class PlanStore:
    """Chunks of planned rows, read back in the order they were added."""

    def __init__(self) -> None:
        self._held: list[list[Planned]] = []
        self._file: IO[bytes] | None = None
        self._spilled = 0  # chunks in the file
        self.rows = 0

    def add(self, chunk: list[Planned]) -> None:
        self.rows += len(chunk)
        if not self._held and self._file is None:
            self._held.append(chunk)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="crm-import-")
            for held in self._held:
                self._spill(held)
            self._held.clear()
        self._spill(chunk)

    def _spill(self, chunk: list[Planned]) -> None:
        assert self._file is not None
        rows = [(p.row, p.action, p.id, p.values, p.before, p.local, p.stamps) for p in chunk]
        pickle.dump(rows, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._spilled += 1

    def __iter__(self) -> Iterator[list[Planned]]:
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self._spilled):
                rows = pickle.load(self._file)  # noqa: S301 (written by this process)
                yield [Planned(*row) for row in rows]
        yield from self._held

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
