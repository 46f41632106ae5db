"""The one least-recently-used store and the one array digest of neuropipe's caches.

The benchmark's per-process caches (loaded epochs and per-epoch outputs,
:mod:`neuropipe.benchmark.cache`) and the per-subject cache of the fMRI stages
(:mod:`neuropipe.features._subject_cache`) keep their entries in an :class:`LRUCache`
bounded in bytes, and key arrays by :func:`array_digest`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

__all__ = ["LRUCache", "array_digest", "nbytes"]


def array_digest(x) -> str:
    """BLAKE2b digest of an array's bytes, shape and dtype (equal arrays, equal digests).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.arange(6.0)
    >>> array_digest(a) == array_digest(a.copy()), array_digest(a) == array_digest(a.reshape(2, 3))
    (True, False)
    """
    x = np.ascontiguousarray(x)
    digest = hashlib.blake2b(f"{x.dtype.str}{x.shape}".encode(), digest_size=20)
    digest.update(x.view(np.uint8).reshape(-1))
    return digest.hexdigest()


def nbytes(value) -> int:
    """Bytes of an array, or of the ``X`` array of a data object (``EpochsData``); 0 else."""
    return int(getattr(getattr(value, "X", value), "nbytes", 0))


class LRUCache:
    """Least-recently-used store bounded by the bytes of its values.

    Parameters
    ----------
    max_bytes : int
        Entries are dropped, oldest use first, while the values hold more than this; a value
        larger than ``max_bytes`` is returned but not kept. It may be changed later (then
        :meth:`trim`).

    Attributes
    ----------
    hits, misses : int
        Look-ups answered from the store, and calls of :meth:`get` that loaded.

    Examples
    --------
    >>> cache = LRUCache(max_bytes=10**9)
    >>> calls = []
    >>> loader = lambda: calls.append(1) or "epochs"
    >>> cache.get("a", loader), cache.get("a", loader)
    ('epochs', 'epochs')
    >>> len(calls), cache.hits, cache.misses
    (1, 1, 1)
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def peek(self, key):
        """The value stored under ``key`` (counted as a hit, made the most recent), or None."""
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return self._entries[key]

    def get(self, key, load):
        """The value stored under ``key``, from ``load()`` (then stored) on the first call."""
        value = self.peek(key)
        if value is not None:
            return value
        value = load()
        with self._lock:
            self.misses += 1
        self.put(key, value)
        return value

    def put(self, key, value) -> None:
        """Store ``value`` under ``key`` (unless it alone exceeds ``max_bytes``), then trim."""
        size = nbytes(value)
        with self._lock:
            if size <= self.max_bytes and key not in self._entries:
                self._entries[key] = value
                self._bytes += size
        self.trim()

    def trim(self) -> None:
        """Drop the least recently used entries until the values hold at most ``max_bytes``."""
        with self._lock:
            while self._bytes > self.max_bytes and self._entries:
                self._bytes -= nbytes(self._entries.popitem(last=False)[1])

    def clear(self) -> None:
        """Forget every entry and reset the counters."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __contains__(self, key) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)
