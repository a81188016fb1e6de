"""A bounded memo for values derived from one index version alone (plus the clock's minute).

It lives on the `ServingIndex`, so it is dropped with the version it was computed from; when
full it simply starts over, which bounds memory without bookkeeping on every hit.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class BoundedMemo(Generic[V]):
    def __init__(self, limit: int):
        self.limit = limit
        self._values: dict[Hashable, V] = {}

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value for ``key``, made (and kept) on first use; safe to call from several threads."""
        value = self._values.get(key)
        if value is None:
            if len(self._values) >= self.limit:
                self._values.clear()
            value = self._values[key] = make()
        return value
