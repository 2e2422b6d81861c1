"""FairSemaphore: places go to waiters in the order they asked, and a wait that runs out
leaves nothing behind."""

import threading
import time

import pytest

from crm.fair_semaphore import FairSemaphore
from tests.utils.waiting import wait_until


def test_waiters_are_admitted_in_the_order_they_came():
    turns = FairSemaphore()
    assert turns.acquire()
    admitted: list[int] = []

    def waiter(i: int) -> None:
        assert turns.acquire(timeout=10)
        admitted.append(i)
        turns.release()

    threads = []
    for i in range(12):
        thread = threading.Thread(target=waiter, args=(i,))
        thread.start()
        wait_until(lambda n=i + 1: turns.waiting() == n)  # queued before the next one starts
        threads.append(thread)
    turns.release()
    for thread in threads:
        thread.join(timeout=10)
    assert admitted == list(range(12))
    assert turns.held() == 0


def test_a_release_hands_the_place_over_before_the_releaser_can_take_it_back():
    turns = FairSemaphore()
    assert turns.acquire()
    got = threading.Event()
    proceed = threading.Event()

    def waiter() -> None:
        turns.acquire()
        got.set()
        proceed.wait(10)
        turns.release()

    thread = threading.Thread(target=waiter)
    thread.start()
    wait_until(lambda: turns.waiting() == 1)
    turns.release()
    assert not turns.acquire(timeout=0.05)  # the place already belongs to the waiter
    assert got.wait(5)
    assert turns.held() == 1 and turns.waiting() == 0
    proceed.set()
    thread.join(timeout=10)
    assert turns.acquire(timeout=1)
    turns.release()


def test_a_wait_that_runs_out_leaves_the_queue_and_loses_no_place():
    turns = FairSemaphore()
    assert turns.acquire()
    started = time.monotonic()
    assert not turns.acquire(timeout=0.05)
    assert time.monotonic() - started >= 0.05
    assert turns.waiting() == 0
    turns.release()
    assert turns.held() == 0
    assert turns.acquire(timeout=0)
    turns.release()


def test_several_places_admit_that_many_at_once():
    turns = FairSemaphore(places=3)
    assert all(turns.acquire(timeout=0) for _ in range(3))
    assert turns.held() == 3
    assert not turns.acquire(timeout=0.01)
    turns.release()
    assert turns.acquire(timeout=0)
    for _ in range(3):
        turns.release()
    assert turns.held() == 0


def test_a_semaphore_needs_a_place_and_a_holder_to_release():
    with pytest.raises(ValueError):
        FairSemaphore(places=0)
    turns = FairSemaphore()
    with pytest.raises(RuntimeError):
        turns.release()  # as threading.Lock: a second release is a bug, not an extra place
    assert turns.acquire(timeout=0)
    assert not turns.acquire(timeout=0.01)
