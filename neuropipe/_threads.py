"""BLAS / OpenMP threads per worker: one by default, so that ``n_jobs x threads <= cores``.

neuropipe's maths is many small matrices (64 x 64 covariances, LDAs on a few hundred
features, 36 training epochs), where a second BLAS thread gains little on an idle machine
and costs a great deal on a busy one: OpenBLAS threads spin while they wait for a core,
so with default threads and one other CPU-bound process on 2 cores the README's
``cross_val_score`` of TS+LR took 129 s instead of 14.5 s (issue 27; figures and command
in docs/performance.md). The parallelism neuropipe uses is across tasks (``--n-jobs``,
Dask workers), each worker with :func:`blas_threads` threads, applied with threadpoolctl
as scikit-learn and joblib's loky workers do.

An explicit ``OMP_NUM_THREADS`` (or ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``) set by
the user is respected; ``NEUROPIPE_THREADS`` or the CLI's ``--threads`` ask for more.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from ._validation import check_positive_int

__all__ = ["THREADS_ENV", "USER_THREAD_ENV", "available_cores", "blas_threads", "limit_threads"]

#: Environment variable that sets the threads per worker (as ``--threads``).
THREADS_ENV = "NEUROPIPE_THREADS"
#: The user's own thread settings, left alone when one of them is set.
USER_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1.

    Examples
    --------
    >>> available_cores() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no sched_getaffinity (macOS, Windows)
        return max(1, os.cpu_count() or 1)


def _workers(n_jobs: int) -> int:
    """joblib's count: ``n_jobs`` workers, or ``cores + 1 + n_jobs`` when negative."""
    return max(1, available_cores() + 1 + n_jobs if n_jobs < 0 else n_jobs)


def blas_threads(n_jobs: int = 1, threads=None) -> int | None:
    """BLAS / OpenMP threads for each of ``n_jobs`` workers, or None to leave them alone.

    Parameters
    ----------
    n_jobs : int
        Parallel workers (joblib's convention: -1 for every core).
    threads : int | None
        Threads asked for per worker; default ``$NEUROPIPE_THREADS``, else 1. It is capped
        so that ``workers x threads <= cores``.

    Returns
    -------
    threads : int | None
        None when nothing was asked for and the user set ``OMP_NUM_THREADS`` (or
        ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``): their setting is kept.

    Examples
    --------
    >>> blas_threads(1, threads=1)
    1
    >>> blas_threads(available_cores(), threads=64)
    1
    """
    if threads is None and os.environ.get(THREADS_ENV):
        threads = os.environ[THREADS_ENV]
        if not threads.strip().isdigit():
            raise ValueError(
                f"{THREADS_ENV}={threads!r} is not a number of threads; set it to an integer "
                f">= 1, or unset it."
            )
        threads = int(threads)
    if threads is None:
        if any(os.environ.get(name) for name in USER_THREAD_ENV):
            return None
        threads = 1
    threads = check_positive_int("threads", threads)
    return min(threads, max(1, available_cores() // _workers(n_jobs)))


@contextmanager
def limit_threads(threads):
    """Limit BLAS and OpenMP to ``threads`` threads in this process (None: no limit).

    Examples
    --------
    >>> with limit_threads(1) as n:
    ...     print(n)
    1
    """
    if threads is None:
        yield None
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield threads
