"""A bounded cache the server's threads share: the least recently used entry goes first.

The playground caches two things per expression -- its `Structure` (names,
formulas) and its Graphviz layout -- because typing and dragging ask for the
same ones again and again. Both caches are this one class: bounded, so a
long session cannot grow without end, and locked, because the server answers
requests on several threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

# all internal: used by state.py and layout.py
__all__: list[str] = []


class BoundedCache:
    """At most `size` entries; `get` marks an entry as just used, `put` drops the oldest past `size`."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The entry under `key`, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
