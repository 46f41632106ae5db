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

import hashlib
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

__all__ = ["cached_per_subject", "clear_subject_cache", "subject_cache", "subject_cache_limit"]

#: Default size of the cache while a benchmark runs, in megabytes.
DEFAULT_MB = 1024

_CACHE: OrderedDict = OrderedDict()
_SIZE = [0]
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
    _LIMIT[0] = int(float(max_mb) * 2**20)
    try:
        yield
    finally:
        _LIMIT[0] = previous
        if previous:  # an outer block's smaller limit holds again
            _trim(previous)


def clear_subject_cache() -> None:
    """Empty the per-subject cache."""
    _CACHE.clear()
    _SIZE[0] = 0


def _trim(limit: int) -> None:
    while _SIZE[0] > limit and _CACHE:
        _, old = _CACHE.popitem(last=False)
        _SIZE[0] -= old.nbytes


def _digest(x: np.ndarray) -> str:
    x = np.ascontiguousarray(x)
    h = hashlib.blake2b(x.view(np.uint8).ravel(), digest_size=16)
    h.update(str((x.shape, x.dtype.str)).encode())
    return h.hexdigest()


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
    limit = _LIMIT[0]
    if limit <= 0:
        return np.asarray(compute(list(range(len(X)))))
    keys = [(key, _digest(x)) for x in X]
    missing = [i for i, k in enumerate(keys) if k not in _CACHE]
    fresh = {}
    if missing:
        values = np.asarray(compute(missing))
        for i, value in zip(missing, values):
            fresh[keys[i]] = value
    out = np.stack([fresh[k] if k in fresh else _CACHE[k] for k in keys])
    for k in keys:
        if k in _CACHE:
            _CACHE.move_to_end(k)
    for k, value in fresh.items():
        if k not in _CACHE and value.nbytes <= limit:
            _CACHE[k] = value
            _SIZE[0] += value.nbytes
    _trim(limit)
    return out
