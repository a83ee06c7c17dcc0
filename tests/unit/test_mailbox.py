"""The one "keep only the newest" mailbox behind live sources and the live page, and the buffering
policy that picks it: a file is read without drops, a live source keeps its newest frame."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fer_video.runtime.mailbox import BufferPolicy, Mailbox
from fer_video.types import SourceInfo


def test_a_new_item_replaces_one_not_yet_taken_and_is_counted_as_dropped():
    box: Mailbox[int] = Mailbox()
    assert box.newest is None and box.take(timeout=0.01) is None
    box.put(1)
    box.put(2)
    box.put(3)
    assert box.dropped == 2 and box.take() == 3
    assert box.take(timeout=0.01) is None, "a taken item is gone"
    assert box.newest == 3, "readers that do not take still see the newest"
    box.put(4)
    assert box.dropped == 2, "the slot was empty: nothing dropped"


def test_iterating_waits_for_items_and_ends_after_finish_with_the_last_one_taken():
    box: Mailbox[int] = Mailbox()
    got = []
    consumer = threading.Thread(target=lambda: got.extend(box))
    consumer.start()
    box.put(1)
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.005)
    box.put(2)
    box.finish()  # the item waiting is still handed over
    consumer.join(timeout=5)
    assert not consumer.is_alive() and got == [1, 2]


def test_a_slow_consumer_sees_only_the_newest_items_in_order_and_never_a_stale_one():
    box: Mailbox[int] = Mailbox()
    got = []

    def consume() -> None:
        for item in box:
            got.append(item)
            time.sleep(0.01)  # slower than the producer

    consumer = threading.Thread(target=consume)
    consumer.start()
    for item in range(200):
        box.put(item)
        time.sleep(0.0005)
    box.finish()
    consumer.join(timeout=10)
    assert got == sorted(got) and got[-1] == 199
    assert len(got) + box.dropped == 200 and box.dropped > 0


def test_take_gives_up_after_its_timeout_and_returns_at_once_when_finished():
    box: Mailbox[str] = Mailbox()
    started = time.monotonic()
    assert box.take(timeout=0.05) is None
    assert time.monotonic() - started >= 0.04
    box.finish()
    started = time.monotonic()
    assert box.take() is None and time.monotonic() - started < 1


def test_the_buffering_policy_follows_from_the_source():
    file = SourceInfo(path=Path("talk.mp4"), fps=30, width=640, height=360)
    played_live = SourceInfo(path=Path("talk.mp4"), fps=30, width=640, height=360, live=True)
    assert BufferPolicy.for_source(file) is BufferPolicy.EVERY_FRAME
    assert BufferPolicy.for_source(played_live) is BufferPolicy.NEWEST_FRAME
