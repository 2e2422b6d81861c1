"""A semaphore that admits its waiters in the order they asked (first come, first served).

``threading.Lock`` lets the thread that releases it take it again at once, and wakes waiters
in no promised order; with 46 threads taking turns to write, some waited a few turns and
others forty, which is the spread between the median and the 99th percentile of a save
(BENCHMARKS.md, "46 concurrent writers"). Here ``release`` hands a free place straight to the
oldest waiter, so nobody can overtake a thread that is already waiting.
"""

import threading
from collections import deque


class FairSemaphore:
    """At most ``places`` holders at once; the others wait in a queue."""

    def __init__(self, places: int = 1) -> None:
        if places < 1:
            raise ValueError("a FairSemaphore needs at least one place")
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._places = self._free = places

    def acquire(self, timeout: float = -1) -> bool:
        """Take a place, waiting at most ``timeout`` seconds (forever if negative)."""
        with self._mutex:
            if self._free:
                self._free -= 1
                return True
            baton = threading.Lock()
            baton.acquire()
            self._waiters.append(baton)
        if baton.acquire(timeout=timeout):
            return True  # handed over by release(): the place is ours
        with self._mutex:
            try:
                self._waiters.remove(baton)
            except ValueError:
                return True  # handed over just as the wait ran out
        return False

    def release(self) -> None:
        with self._mutex:
            if self._free == self._places:
                raise RuntimeError("release of a FairSemaphore no one holds")
            if self._waiters:
                self._waiters.popleft().release()  # the place passes to the oldest waiter
            else:
                self._free += 1

    def held(self) -> int:
        """How many places are taken."""
        return self._places - self._free

    def waiting(self) -> int:
        """How many threads wait for a place."""
        return len(self._waiters)
