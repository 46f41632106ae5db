"""In-memory cache of per-subject results (connectivity matrices, covariances, logarithms).

Cross-validation fits a pipeline once per fold, so every subject's connectivity matrix is
computed again in each fold although it depends on that subject's time series only. Stages
whose per-subject result depends on nothing learnt (correlation, partial correlation,
shrunk covariances) look them up here, keyed by the stage's settings and a digest of the
subject's array, so a benchmark computes each matrix once. Nothing learnt from other
subjects is ever cached (a tangent reference is fitted in every fold).

The cache holds at most ``NEUROPIPE_CACHE_MB`` megabytes (default 1024; 0 disables it),
dropping the least recently used entries first; :func:`clear_subject_cache` empties it.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict

import numpy as np

__all__ = ["cached_per_subject", "clear_subject_cache"]

_CACHE: OrderedDict = OrderedDict()
_SIZE = [0]


def _limit_bytes() -> int:
    return int(float(os.environ.get("NEUROPIPE_CACHE_MB", 1024)) * 2**20)


def clear_subject_cache() -> None:
    """Empty the per-subject cache."""
    _CACHE.clear()
    _SIZE[0] = 0


def _digest(x: np.ndarray) -> str:
    x = np.ascontiguousarray(x)
    h = hashlib.blake2b(x.view(np.uint8).ravel(), digest_size=16)
    h.update(str((x.shape, x.dtype.str)).encode())
    return h.hexdigest()


def cached_per_subject(X, key, compute):
    """Per-subject results of ``compute``, computed only for subjects not cached yet.

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
    limit = _limit_bytes()
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
    while _SIZE[0] > limit and _CACHE:
        _, old = _CACHE.popitem(last=False)
        _SIZE[0] -= old.nbytes
    return out
