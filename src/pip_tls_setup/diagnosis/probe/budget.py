"""One time budget for every network step of a run (``Deadline``), and the failure a step ends in.

Each step (resolving, connecting, the ``CONNECT`` answer, a handshake) gets
``min(a share of the budget, what is left)``: a silent peer costs at most one
step, and the whole run never outlives the budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pip_tls_setup.diagnosis import classes as C

DEFAULT_TIMEOUT = 15.0  # seconds for every network step of one run, together
STEP_SHARE = 3  # one step (connect, CONNECT, handshake) may use at most a third of the budget
MAX_TIMEOUT = 3600.0


class BudgetSpent(Exception):
    pass


class ProbeFailure(Exception):
    """A network step that failed; ``classification`` is a name from ``classes``."""

    def __init__(self, classification: str, stage: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.classification = classification
        self.stage = stage
        self.message = message
        self.extra = extra


def check_timeout(value: float, what: str = "--timeout") -> float:
    """A usable time budget: finite, more than 0, at most an hour (InputError otherwise)."""
    import math

    from pip_tls_setup.errors import InputError

    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT:
        raise InputError(f"{what} {value:g}", "must be a number of seconds between 0 and 3600", "for example 15")
    return value


class Deadline:
    """One time budget for a run; each step gets ``min(step, what is left)``."""

    def __init__(
        self, total: float = DEFAULT_TIMEOUT, step: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total = total
        self.step = step if step is not None else total / STEP_SHARE
        self._clock = clock
        self.start = clock()

    def remaining(self) -> float:
        return self.total - (self._clock() - self.start)

    def elapsed(self) -> float:
        return self._clock() - self.start

    def next_step(self) -> float:
        left = self.remaining()
        if left <= 0.01:
            raise BudgetSpent
        return min(self.step, left)


class Step:
    """One network step: its own end time, never past the run's budget."""

    def __init__(self, deadline: Deadline, stage: str, what: str) -> None:
        self.stage = stage
        self.what = what
        try:
            self.limit = deadline.next_step()
        except BudgetSpent:
            raise ProbeFailure(C.TIMEOUT, stage, f"{what}: the time budget ({deadline.total:g}s) was spent") from None
        self.end = time.monotonic() + self.limit

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise self.expired()
        return left

    def expired(self, message: str | None = None) -> ProbeFailure:
        """The step's timeout failure (``message`` replaces the generic "no answer within ...")."""
        text = message or f"{self.what}: no answer within {self.limit:.1f}s"
        return ProbeFailure(C.TIMEOUT, self.stage, text, timeout=self.limit)


WORKERS = 4  # checks are subprocesses waiting on the network: a few at a time, within the one time budget
_T = TypeVar("_T")
_R = TypeVar("_R")


def concurrently(work: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """``[work(item) for item in items]``, in that order, with up to ``WORKERS`` running at once."""
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(work, items))
