"""The public core-only queue double: receive, ack, nack back to the end, close."""

from __future__ import annotations

from headrace.sources.source_seam import Settlement, capabilities
from headrace.testing import CoreOnlyQueue

ARN = "arn:headrace:demo:jobs"


def test_it_declares_only_the_core() -> None:
    """The double offers the SourceCore and no capability (no visibility, depth or wait)."""
    assert capabilities(CoreOnlyQueue(ARN)) == {"core"}


async def test_a_nacked_message_comes_back_after_the_rest() -> None:
    """Successes are acked and gone; a failure is put back at the end and delivered again."""
    queue = CoreOnlyQueue(ARN)
    for body in ("a", "b", "c"):
        queue.send(body)
    first = await queue.receive_batch(2, wait_seconds=0)
    assert await queue.settle(Settlement(succeeded=first[:1], failed=first[1:])) == 1
    again = await queue.receive_batch(10, wait_seconds=0)
    assert [m.body for m in again] == ["c", "b"]
    assert (queue.acked, queue.nacked, queue.deliveries["b"]) == (["a"], ["b"], 2)
    assert len({m.message_id for m in (*first, *again)}) == 3
    assert not queue.pending


async def test_aclose_marks_it_closed() -> None:
    """aclose is recorded, so a test can check the run closed its source."""
    queue = CoreOnlyQueue(ARN)
    await queue.aclose()
    assert queue.closed
