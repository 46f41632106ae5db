"""In-memory cache of per-subject results (connectivity matrices, covariances, logarithms),
off unless a benchmark switches it on.

Cross-validation fits a pipeline once per fold, so every subject's connectivity matrix is
computed again in each fold although it depends on that subject's time series only. Stages
whose per-subject result depends on nothing learnt (correlation, partial correlation,
shrunk covariances) look them up here, keyed by the stage's settings and a digest of the
subject's array, so a benchmark computes each matrix once. Nothing learnt from other
subjects is ever cached (a tangent reference is fitted in every fold).

The cache is process-wide state, so it is off for library users: a plain
``cross_val_score`` of :class:`~neuropipe.features.graph.ConnectivityGraph` computes every
matrix and shares nothing with other calls. The benchmark runner switches it on around each
task with :func:`subject_cache` (``neuropipe benchmark``, ``benchmarks/bench_fmri.py``);
entries stay between tasks of one process (least recently used dropped first beyond
``max_mb``) and are used only while a :func:`subject_cache` block is open;
:func:`clear_subject_cache` empties it.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .._cache import LRUCache
from .._cache import array_digest as _digest

__all__ = ["cached_per_subject", "clear_subject_cache", "subject_cache", "subject_cache_limit"]

#: Default size of the cache while a benchmark runs, in megabytes.
DEFAULT_MB = 1024

#: The entries (the one :class:`~neuropipe._cache.LRUCache` of neuropipe's caches), keyed by
#: the stage's settings and :func:`~neuropipe._cache.array_digest` of the subject's array.
_CACHE = LRUCache(max_bytes=0)
_LIMIT = [0]  # bytes; 0: off (the default outside subject_cache blocks)


def subject_cache_limit() -> int:
    """Bytes the per-subject cache may hold now; 0 when it is off (the library default)."""
    return _LIMIT[0]


@contextmanager
def subject_cache(max_mb: float = DEFAULT_MB):
    """Use the per-subject cache, at most ``max_mb`` megabytes, inside the block.

    Parameters
    ----------
    max_mb : float
        Size limit in megabytes (0 keeps the cache off).

    Examples
    --------
    >>> with subject_cache(64):
    ...     subject_cache_limit() == 64 * 2**20
    True
    >>> subject_cache_limit()
    0
    """
    previous = _LIMIT[0]
    _set_limit(int(float(max_mb) * 2**20))
    try:
        yield
    finally:
        _set_limit(previous)  # an outer block's smaller limit holds again


def _set_limit(limit: int) -> None:
    """Use the cache up to ``limit`` bytes (0: off); a positive limit bounds the entries
    kept, which stay between blocks."""
    _LIMIT[0] = limit
    if limit > 0:
        _CACHE.max_bytes = limit
        _CACHE.trim()


def clear_subject_cache() -> None:
    """Empty the per-subject cache."""
    _CACHE.clear()


def cached_per_subject(X, key, compute):
    """Per-subject results of ``compute``, computed only for subjects not cached yet.

    Without an open :func:`subject_cache` block this is ``compute(all indices)``.

    Parameters
    ----------
    X : list of ndarray
        One array per subject.
    key : hashable
        Everything the per-subject result depends on besides the subject's array.
    compute : callable
        ``compute(indices) -> ndarray, shape (len(indices), ...)``: the results of
        ``X[i]`` for ``i`` in ``indices``, each depending on ``X[i]`` alone.

    Returns
    -------
    results : ndarray, shape (len(X), ...)
    """
    if _LIMIT[0] <= 0:
        return np.asarray(compute(list(range(len(X)))))
    keys = [(key, _digest(x)) for x in X]
    missing = [i for i, k in enumerate(keys) if k not in _CACHE]
    fresh = {}
    if missing:
        values = np.asarray(compute(missing))
        for i, value in zip(missing, values):
            fresh[keys[i]] = value
    out = np.stack([fresh[k] if k in fresh else _CACHE.peek(k) for k in keys])
    for k, value in fresh.items():  # kept while they fit in the limit, oldest use first out
        _CACHE.put(k, value)
    return out
