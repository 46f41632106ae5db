"""Executing tasks: one task in one process (:func:`execute_task`), and the backends that
run many (serially or with joblib workers, or on a Dask cluster: :func:`completed`,
:func:`dask_client`).

Every task seeds its own folds, so the results do not depend on the backend or on the order
in which tasks finish. Each worker limits BLAS threads so that workers x threads <= cores.
"""

from __future__ import annotations

import re
import traceback
from contextlib import contextmanager, nullcontext
from functools import partial

from joblib import Parallel, delayed, parallel_config

from .._logging import log_level_context
from .._threads import blas_threads, limit_threads
from ..evaluation.paradigms import get_protocol
from ..features._subject_cache import subject_cache
from .cache import load_epochs, share_transformer_fits
from .fingerprint import loaded_pipelines
from .tasks import BenchmarkTask, prepare_task

__all__ = ["check_scheduler_address", "completed", "dask_client", "execute_task"]


def _evaluate_task(task: BenchmarkTask, pipeline, artifacts):
    """The rows of a prepared task: its protocol loads the data from the task's data path
    (each dataset, paradigm, set of subjects and data path once per process) and evaluates
    the pipeline with the task's splitter."""
    protocol = get_protocol(task.protocol)
    if protocol.share_fits:  # transformer fits on the same data shared by grid settings
        pipeline = share_transformer_fits(pipeline)
    data = protocol.load_task(
        task.dataset,
        task.paradigm,
        task.subject,
        loader=partial(load_epochs, data_path=task.data_path),
        data_path=task.data_path,
    )
    return protocol.run(
        {task.pipeline: pipeline},
        data,
        task.dataset,
        subject=task.subject,
        cv=task.cv,
        random_state=task.random_state,
        artifacts=artifacts,
    )


def execute_task(task: BenchmarkTask, n_splits: int = 5, random_state=None, log_level=None):
    """Run one task and return ``(task, results DataFrame or None, error text or None)``.

    The task runs with its splitter and seed (:func:`~neuropipe.benchmark.tasks.prepare_task`);
    a task without them is prepared with ``n_splits`` and ``random_state`` (None: its
    paradigm's documented seed).

    The results hold the rows of :data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`,
    and in ``results.attrs["artifacts"]`` the report's arrays of every fitted fold
    (:func:`neuropipe.evaluation.artifacts.fold_artifacts`, plus ``row``: the row of the
    table, and ``test_index``). ``log_level`` is applied to neuropipe and MNE in the
    process that runs the task (a joblib or Dask worker does not inherit the caller's);
    default ``"WARNING"``. The per-subject cache of the fMRI stages is on while the task
    runs (:func:`neuropipe.features._subject_cache.subject_cache`; off for library users).
    """
    try:
        with log_level_context(log_level or "WARNING"), subject_cache():
            pipelines, _ = loaded_pipelines(task.source)
            if task.pipeline not in pipelines:
                raise ValueError(
                    f"{task.source!r} no longer defines a pipeline named {task.pipeline!r}"
                )
            if task.cv is None and task.random_state is None:
                task = prepare_task(task, n_splits, random_state)
            artifacts = []
            results = _evaluate_task(task, pipelines[task.pipeline], artifacts)
            results.attrs["artifacts"] = artifacts
        if results.empty:
            raise ValueError(
                f"the {task.protocol} protocol produced no result for subject {task.subject} "
                f"(cross-session needs two sessions, cross-subject two subjects)"
            )
        return task, results, None
    except Exception as exc:  # reported with the task; the other tasks go on
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return task, None, " ".join(detail.split())


def _execute_with_threads(threads, *args):
    """:func:`execute_task` with BLAS / OpenMP limited to ``threads`` (a Dask worker)."""
    with limit_threads(threads):
        return execute_task(*args)


def completed(tasks, n_splits, random_state, n_jobs, scheduler, log_level):
    """Yield task outcomes ``(task, results, error)`` as they complete, on the chosen backend, each worker with
    :func:`~neuropipe._threads.blas_threads` BLAS threads (workers x threads <= cores)."""
    if scheduler is not None:
        from dask.distributed import as_completed

        threads = blas_threads(1)  # each Dask worker runs one task at a time
        futures = [
            scheduler.submit(
                _execute_with_threads, threads, t, n_splits, random_state, log_level, pure=False
            )
            for t in tasks
        ]
        for future in as_completed(futures):
            yield future.result()
        return
    threads = blas_threads(n_jobs)
    jobs = (delayed(execute_task)(t, n_splits, random_state, log_level) for t in tasks)
    # loky workers start with the limit (joblib sets their thread variables); n_jobs=1 runs
    # here, under limit_threads
    workers = (
        parallel_config(backend="loky", inner_max_num_threads=threads)
        if threads is not None and n_jobs != 1
        else nullcontext()
    )
    with limit_threads(threads), workers:
        yield from Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs)


def check_scheduler_address(address):
    """Return ``address`` if it is None, ``"local"`` or ``protocol://host[:port]``.

    Examples
    --------
    >>> check_scheduler_address("tcp://127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    """
    if address in (None, "local"):
        return address
    if not isinstance(address, str) or not re.fullmatch(
        r"(tcp|tls|inproc|ucx|ws|wss)://[^\s/:]+(:\d{1,5})?/?", address
    ):
        raise ValueError(
            f"Invalid Dask scheduler address {address!r}; give 'local' or the address of a "
            f"running scheduler, e.g. tcp://127.0.0.1:8786."
        )
    return address


@contextmanager
def dask_client(address: str | None = None, n_workers: int = 2, timeout: float = 10):
    """A Dask client: on the scheduler at ``address``, or on a new local cluster.

    Parameters
    ----------
    address : str | None
        ``"tcp://host:port"`` of a running scheduler; ``None`` or ``"local"`` starts a
        ``dask.distributed.LocalCluster`` on loopback with ``n_workers`` single-threaded
        worker processes, closed on exit.
    n_workers : int
        Workers of the local cluster.
    timeout : float
        Seconds to wait for a remote scheduler before a ConnectionError.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError(
            "Dask execution needs dask.distributed: pip install 'neuropipe[dask]'."
        ) from exc
    check_scheduler_address(address)
    if address in (None, "local"):
        with (
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
    else:
        try:
            client = Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(
                f"Could not reach the Dask scheduler at {address} within {timeout} s "
                f"({type(exc).__name__}); start one ('dask scheduler') or check the address."
            ) from exc
        with client:
            yield client
