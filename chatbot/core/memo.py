"""A bounded memo for values that depend on their key alone.

Replies and contact cards live on the `ServingIndex`, so they are dropped with the version they
were computed from; redacted questions live on the conversation log. When full, a memo simply
starts over, which bounds memory without bookkeeping on every hit.
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
