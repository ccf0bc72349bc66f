"""Property tests of the stream policy: nothing is silently dropped, order per key holds (§4.2).

A model lane feeds batches to a model function through :func:`decide`, the way the real lane
does, and checks that every record is either processed by a successful invocation or
discarded to the destination, exactly once, in order.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from headrace.esm.outcome import OutcomeKind
from headrace.esm.streams.policy import Attempt, Invoked, RetryPolicy, decide

# Bound on model invocations: a finite policy always ends well within it.
MAX_INVOCATIONS = 5000


@dataclass
class Model:
    """A lane over records 0..n-1 with the given keys; ``poison`` records always fail."""

    keys: list[int]
    poison: set[int]
    policy: RetryPolicy
    batch_size: int
    partial: bool  # the function reports failures instead of raising
    flaky: deque[bool]  # per invocation: a transient failure of the first record
    processed: list[int] = field(default_factory=list)
    discarded: list[int] = field(default_factory=list)
    settled: list[int] = field(default_factory=list)  # processed or discarded, in that order
    invocations: int = 0

    def function(self, batch: list[int]) -> Invoked:
        failing = [i for i, record in enumerate(batch) if record in self.poison]
        if self.flaky and self.flaky.popleft():
            failing = [0, *failing]
        if not failing:
            return Invoked(OutcomeKind.SUCCESS)
        if self.partial:
            return Invoked(OutcomeKind.PARTIAL, first_failed=min(failing))
        return Invoked(OutcomeKind.FAILURE, function_error="Unhandled")

    def run(self) -> None:
        pending = deque(range(len(self.keys)))
        retries: deque[tuple[list[int], Attempt]] = deque()
        while pending or retries:
            if retries:
                batch, attempt = retries.popleft()
            else:
                size = min(self.batch_size, len(pending))
                batch, attempt = [pending.popleft() for _ in range(size)], Attempt()
            self.invocations += 1
            assert self.invocations < MAX_INVOCATIONS, "the policy never gave up"
            attempt = attempt.invoked(f"req-{self.invocations}")
            decision = decide(self.policy, len(batch), self.function(batch), attempt)
            self.processed += batch[: decision.processed]
            self.settled += batch[: decision.processed]
            if decision.discard is not None:
                gone = batch[decision.discard.start : decision.discard.stop]
                self.discarded += gone
                self.settled += gone
            for span in reversed(decision.retry):
                retries.appendleft((batch[span.start : span.stop], span.attempt))


policies = st.builds(
    RetryPolicy,
    maximum_retry_attempts=st.integers(0, 3),
    bisect_batch_on_function_error=st.booleans(),
)


@st.composite
def models(draw: st.DrawFn) -> Model:
    n = draw(st.integers(1, 60))
    keys = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    poison = set(draw(st.lists(st.integers(0, n - 1), max_size=4)))
    flaky = deque(draw(st.lists(st.booleans(), max_size=40)))
    return Model(
        keys=keys,
        poison=poison,
        policy=draw(policies),
        batch_size=draw(st.integers(1, 12)),
        partial=draw(st.booleans()),
        flaky=flaky,
    )


@settings(max_examples=300, deadline=None)
@given(models())
def test_every_record_is_processed_or_discarded_exactly_once(model: Model) -> None:
    """§4.2.7: each record is processed or reported to the destination, never dropped."""
    model.run()
    assert sorted(model.processed + model.discarded) == list(range(len(model.keys)))


@settings(max_examples=300, deadline=None)
@given(models())
def test_order_per_key_is_never_broken(model: Model) -> None:
    """§5.1-5.2: records of one key are settled in sequence order."""
    model.run()
    for key in set(model.keys):
        order = [record for record in model.settled if model.keys[record] == key]
        assert order == sorted(order)


@settings(max_examples=300, deadline=None)
@given(models())
def test_poison_records_are_never_processed(model: Model) -> None:
    """§4.2.3: a record whose invocations always fail ends at the destination."""
    model.run()
    assert not model.poison & set(model.processed)


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(1, 100),
    poison=st.data(),
    retries=st.integers(0, 3),
)
def test_bisect_isolates_one_poison_record(size: int, poison: st.DataObject, retries: int) -> None:
    """§4.2.6: with bisect, only the poison record of a batch is discarded."""
    bad = poison.draw(st.integers(0, size - 1))
    model = Model(
        keys=[0] * size,
        poison={bad},
        policy=RetryPolicy(bisect_batch_on_function_error=True, maximum_retry_attempts=retries),
        batch_size=size,
        partial=False,
        flaky=deque(),
    )
    model.run()
    assert model.discarded == [bad]
    assert model.processed == [i for i in range(size) if i != bad]


@settings(max_examples=300, deadline=None)
@given(
    size=st.integers(1, 50),
    kind=st.sampled_from(list(OutcomeKind)),
    first_failed=st.data(),
    policy=policies,
    invocations=st.integers(1, 5),
    retries=st.integers(0, 5),
)
def test_a_decision_covers_every_record_once_in_order(
    size: int,
    kind: OutcomeKind,
    first_failed: st.DataObject,
    policy: RetryPolicy,
    invocations: int,
    retries: int,
) -> None:
    """§3.5.6, §4.2.6-4.2.7: processed, retried and discarded records tile the batch."""
    failed = first_failed.draw(st.integers(0, size - 1)) if kind is OutcomeKind.PARTIAL else None
    invoked = Invoked(kind, first_failed=failed)
    decision = decide(policy, size, invoked, Attempt(invocations, retries))
    pieces = [(0, decision.processed)] + [(s.start, s.stop) for s in decision.retry]
    if decision.discard is not None:
        pieces.append((decision.discard.start, decision.discard.stop))
    pieces = [p for p in pieces if p[0] != p[1]]
    assert pieces[0][0] == 0
    for (_, stop), (start, _) in itertools.pairwise(pieces):
        assert stop == start
    assert pieces[-1][1] == size
