"""In-process cache of loaded epochs, shared by every pipeline a benchmark runs on a subject.

``neuropipe benchmark`` plans one task per pipeline and subject, pipeline after pipeline, so a
subject's epochs are asked for once per pipeline. MOABB's ``WithinSessionEvaluation`` loads and
epochs each subject once for all pipelines; :func:`load_epochs` does the same here: the first
call reads, filters and epochs, later calls with the same dataset, paradigm and subjects return
the same :class:`~neuropipe.io.EpochsData` (not a copy: evaluations read it, never write it).
The cache is bounded in bytes and forgets the least recently used subjects first. Each process
(a joblib or Dask worker) has its own; results never depend on it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["EpochCache", "load_epochs", "clear_epoch_cache", "epoch_cache"]


def _nbytes(data):
    return int(getattr(getattr(data, "X", None), "nbytes", 0))


class EpochCache:
    """Least-recently-used store of loaded epochs, bounded by the bytes of their ``X``.

    Parameters
    ----------
    max_bytes : int, default=2 GiB
        Entries are dropped, oldest use first, while the cached arrays hold more than this;
        an entry larger than ``max_bytes`` is returned but not kept.

    Attributes
    ----------
    hits, misses : int
        Calls of :meth:`get` answered from the cache, and calls that loaded.

    Examples
    --------
    >>> cache = EpochCache(max_bytes=10**9)
    >>> calls = []
    >>> loader = lambda: calls.append(1) or "epochs"
    >>> cache.get(("eegmmidb-leftright", None, (1,)), loader), cache.get(
    ...     ("eegmmidb-leftright", None, (1,)), loader)
    ('epochs', 'epochs')
    >>> len(calls), cache.hits, cache.misses
    (1, 1, 1)
    """

    def __init__(self, max_bytes=2 * 1024**3):
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, load):
        """The value stored under ``key``, from ``load()`` on the first call."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
        value = load()
        with self._lock:
            self.misses += 1
            if _nbytes(value) <= self.max_bytes:
                self._entries[key] = value
                while sum(map(_nbytes, self._entries.values())) > self.max_bytes:
                    self._entries.popitem(last=False)
        return value

    def clear(self):
        """Forget every entry and reset the counters."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self):
        return len(self._entries)


epoch_cache = EpochCache()


def load_epochs(dataset, paradigm, subjects):
    """``get_dataset(dataset).load(subjects, paradigm)``, loaded once per process.

    Parameters
    ----------
    dataset : str
        Registered dataset name (see :func:`neuropipe.datasets.get_dataset`).
    paradigm : str | None
        MOABB paradigm name, whose epoching the dataset applies.
    subjects : iterable of int
        Subjects, loaded together.

    Returns
    -------
    data : EpochsData
        Shared with every later call with the same arguments: do not modify it.
    """
    from ..datasets import get_dataset

    subjects = tuple(subjects)
    return epoch_cache.get(
        (dataset, paradigm, subjects),
        lambda: get_dataset(dataset).load(subjects=list(subjects), paradigm=paradigm),
    )


def clear_epoch_cache():
    """Empty this process's epoch cache (e.g. between timed repeats)."""
    epoch_cache.clear()
