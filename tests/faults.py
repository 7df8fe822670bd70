"""A function that fails on cue, for tests of what a crash half-way leaves behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CrashOnCall:
    """Calls `real`, except that call number `n` raises `error` instead."""

    def __init__(self, real: Callable[..., Any], n: int, error: Exception) -> None:
        self.real, self.n, self.error = real, n, error
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == self.n:
            raise self.error
        return self.real(*args, **kwargs)
