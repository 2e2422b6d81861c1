"""Units of work admitted a few at a time, in the order they came (PostgreSQL).

One app process serves every session from one interpreter. With 46 managers saving at once on
PostgreSQL all 46 threads competed for it at every step of their saves, and the unlucky ones
waited several hundred milliseconds (p99 383 ms, BENCHMARKS.md "46 concurrent writers"). Letting
a few units of work (``session_scope``) run at once and queueing the rest first come first
served keeps the database busy and gives every save about the same wait.

The queue orders; it never refuses. A unit that has waited ``wait`` seconds goes ahead without
a place (so long imports or exports holding every place delay a save by at most that, and a
unit never waits for one that waits for it). A unit opened inside another on the same thread
runs on its place.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from crm.fair_semaphore import FairSemaphore


class Admission:
    def __init__(self, places: int, wait: float) -> None:
        self._places = FairSemaphore(places)
        self._wait = wait
        self._mutex = threading.Lock()
        # Thread id -> units it has open. A dict, not threading.local: the API's request
        # dependency may leave its unit on another worker thread than the one it entered on.
        self._depth: dict[int, int] = {}

    @contextmanager
    def admitted(self) -> Iterator[None]:
        thread = threading.get_ident()
        with self._mutex:
            nested = self._depth.get(thread, 0) > 0
            self._depth[thread] = self._depth.get(thread, 0) + 1
        placed = False
        try:
            placed = not nested and self._places.acquire(timeout=self._wait)
            yield
        finally:
            if placed:
                self._places.release()
            with self._mutex:
                left = self._depth[thread] - 1
                if left:
                    self._depth[thread] = left
                else:
                    del self._depth[thread]

    def running(self) -> int:
        """Units holding a place."""
        return self._places.held()

    def waiting(self) -> int:
        return self._places.waiting()
