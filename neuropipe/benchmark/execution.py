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

from joblib import Parallel, delayed, parallel_config

from .._logging import log_level_context
from .._threads import blas_threads, limit_threads
from .._validation import check_option
from ..datasets import get_dataset
from ..datasets.abide import load_abide
from ..evaluation.decoding import DECODING_DATASETS
from ..evaluation.fmri import FMRI_DATASET
from ..evaluation.protocols import evaluate
from ..evaluation.pseudo_online import load_pseudo_online
from ..features._subject_cache import subject_cache
from .cache import epoch_cache, load_epochs, share_transformer_fits
from .fingerprint import loaded_pipelines
from .tasks import BenchmarkTask, task_family, task_options

__all__ = ["check_scheduler_address", "completed", "dask_client", "execute_task"]


def _load(dataset: str, paradigm: str, subjects: tuple):
    return load_epochs(dataset, paradigm, subjects)


def _load_family(dataset: str, paradigm: str):
    """The fMRI or decoding dataset of a task, loaded once per process."""
    if paradigm == "fmri":
        if dataset != FMRI_DATASET:
            raise ValueError(
                f"Unknown fMRI dataset {dataset!r}; the bundled one is {FMRI_DATASET!r}."
            )
        return epoch_cache.get((dataset, paradigm, ()), load_abide)
    check_option("dataset", dataset, list(DECODING_DATASETS))
    return epoch_cache.get((dataset, paradigm, ()), lambda: DECODING_DATASETS[dataset](None))


def _evaluate_task(task, pipeline, n_splits, random_state, artifacts):
    options = task_options(task, n_splits, random_state)
    if task_family(task) == "fmri":
        data = _load_family(task.dataset, task.paradigm)
        kwargs = {"random_state": options["random_state"]}
    elif task_family(task) == "decoding":
        data, kwargs = _load_family(task.dataset, task.paradigm), {}
    elif task.protocol == "pseudo-online":  # continuous runs, decided window by window
        data = load_pseudo_online(task.dataset, task.paradigm, task.subject)
        kwargs = {"random_state": random_state}
    else:
        # transformer fits on the same data shared by grid settings and pipelines
        pipeline = share_transformer_fits(pipeline)
        kwargs = {"random_state": random_state}
        if task.protocol == "cross-subject":
            subjects = tuple(get_dataset(task.dataset).subjects)
            data = _load(task.dataset, task.paradigm, subjects)
            kwargs["subjects"] = [task.subject]
        else:
            data = _load(task.dataset, task.paradigm, (task.subject,))
        if task.protocol == "within-session":
            kwargs["n_splits"] = n_splits
    kwargs["artifacts"] = artifacts
    return evaluate(task.protocol, {task.pipeline: pipeline}, data, task.dataset, **kwargs)


def execute_task(task: BenchmarkTask, n_splits: int = 5, random_state: int = 42, log_level=None):
    """Run one task and return ``(task, results DataFrame or None, error text or None)``.

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
            artifacts = []
            results = _evaluate_task(
                task, pipelines[task.pipeline], n_splits, random_state, artifacts
            )
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
