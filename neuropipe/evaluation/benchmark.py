"""The benchmark: every pipeline file on every bundled dataset of its paradigm.

Three families share one evaluation and one runner: EEG (pipeline files in the pipelines
folder, MOABB paradigms), fMRI (``<folder>/fmri``, the ABIDE subset under the quick
protocols) and continuous decoding (``<folder>/decoding``, time-ordered split of each
decoding dataset). The work is planned as independent tasks (one per dataset, paradigm,
protocol, subject and pipeline, see :mod:`neuropipe.evaluation.runner`) that run serially,
with joblib or on Dask, are stored as they finish, resume after an interruption, and give
one table (:data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`).
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pandas as pd

from .._validation import DataFileError, check_option
from ..datasets import EEG_DATASETS, get_dataset
from ..datasets.user import DatasetSpecError
from .pipelines import family_sources, load_pipelines
from .protocols import EVALUATIONS, RESULTS_SCHEMA
from .runner import BenchmarkTask, TaskStore, run_tasks

__all__ = [
    "FAMILIES",
    "dataset_family",
    "plan_benchmark",
    "plan_decoding",
    "plan_fmri",
    "run_benchmark",
    "summarize",
    "leakage_report",
    "check_scheduler_address",
    "dask_client",
]


def plan_benchmark(
    configs, datasets=None, subjects=None, protocol: str = "within-session"
) -> list[BenchmarkTask]:
    """List the tasks of a benchmark.

    Parameters
    ----------
    configs : list of dict
        Pipeline configs (see :func:`neuropipe.evaluation.pipelines.load_pipelines`).
    datasets : list of str | None
        Dataset names; default all bundled EEG datasets.
    subjects : list of int | None
        Restrict every dataset to these subjects (those it has).
    protocol : str
        A key of :data:`neuropipe.evaluation.protocols.EVALUATIONS`, or
        ``"pseudo-online"`` (:mod:`neuropipe.evaluation.pseudo_online`; filter-bank
        paradigms are not planned).

    Returns
    -------
    tasks : list of BenchmarkTask
    """
    check_option("protocol", protocol, [*EVALUATIONS, "pseudo-online"])
    names = list(EEG_DATASETS) if datasets is None else list(datasets)
    found = {}
    unknown = []
    for name in dict.fromkeys(names):
        if not isinstance(name, str):
            raise TypeError(f"Dataset names must be strings, got {name!r}.")
        try:
            found[name] = get_dataset(name)
        except (FileNotFoundError, DataFileError, DatasetSpecError):
            raise  # a known dataset whose files are not there, or a malformed spec: say where
        except (ValueError, TypeError) as exc:
            unknown.append((name, " ".join(str(exc).split())))
    if unknown:
        raise ValueError(
            f"Unknown datasets {[n for n, _ in unknown]} ({unknown[0][1]}); bundled EEG "
            f"datasets are {list(EEG_DATASETS)} (see 'neuropipe datasets')."
        )
    if subjects is not None:
        available = {n: list(d.subjects) for n, d in found.items()}
        if not any(s in subs for subs in available.values() for s in subjects):
            raise ValueError(
                f"Subjects {list(subjects)} are in none of the datasets asked for; they "
                f"hold subjects {available}."
            )
    tasks = []
    for name, dataset in found.items():
        # no subject named: a MOABB dataset offers those on disk (no download unasked)
        candidates = (
            dataset.subjects
            if subjects is not None
            else getattr(dataset, "default_subjects", dataset.subjects)
        )
        if protocol == "cross-subject" and len(candidates) < 2:
            continue
        for paradigm in dataset.paradigms:
            if protocol == "pseudo-online" and _filter_bank(dataset, paradigm):
                continue  # one causally filtered signal is decided on: no filter bank
            for config in configs:
                if paradigm not in config["paradigms"]:
                    continue
                for subject in candidates:
                    if subjects is None or subject in subjects:
                        tasks.append(
                            BenchmarkTask(
                                name,
                                paradigm,
                                protocol,
                                subject,
                                config["name"],
                                config["source"],
                            )
                        )
    return tasks


def _filter_bank(dataset, paradigm) -> bool:
    """Whether ``paradigm`` of ``dataset`` epochs through a filter bank."""
    options = getattr(dataset, "paradigms", {})
    options = options.get(paradigm) if isinstance(options, dict) else None
    return isinstance(options, dict) and options.get("filter_bank") is not None


#: The benchmark families, in the order their tasks are planned.
FAMILIES = ("eeg", "fmri", "decoding")


def dataset_family(name: str) -> str:
    """``"fmri"``, ``"decoding"`` or ``"eeg"`` (bundled EEG and user datasets).

    Examples
    --------
    >>> [dataset_family(n) for n in ("flint2012", "abide-pcp-cc200", "eegmmidb-leftright")]
    ['decoding', 'fmri', 'eeg']
    """
    from .decoding import DECODING_DATASETS
    from .fmri import FMRI_DATASET

    if name in DECODING_DATASETS:
        return "decoding"
    return "fmri" if name == FMRI_DATASET else "eeg"


def plan_fmri(configs, protocols=None) -> list[BenchmarkTask]:
    """One task per fMRI pipeline and protocol (all the protocol's folds, on ABIDE).

    Parameters
    ----------
    configs : list of dict
        Pipeline configs; those listing the ``"fmri"`` paradigm are planned.
    protocols : sequence of str | None
        Default :data:`neuropipe.evaluation.fmri.QUICK_PROTOCOLS`.

    Returns
    -------
    tasks : list of BenchmarkTask
    """
    from .fmri import FMRI_DATASET, QUICK_PROTOCOLS, is_fmri_protocol

    protocols = list(QUICK_PROTOCOLS if protocols is None else protocols)
    for protocol in protocols:
        if not is_fmri_protocol(protocol):
            check_option("fMRI protocol", protocol, ["leave-site-out", "stratified-10fold"])
    return [
        BenchmarkTask(FMRI_DATASET, "fmri", protocol, "all", c["name"], c["source"])
        for c in configs
        if "fmri" in c["paradigms"]
        for protocol in protocols
    ]


def plan_decoding(configs, datasets=None) -> list[BenchmarkTask]:
    """One task per decoding pipeline and decoding dataset (its time-ordered split).

    Parameters
    ----------
    configs : list of dict
        Pipeline configs; those listing the ``"decoding"`` paradigm are planned.
    datasets : list of str | None
        Decoding datasets (default all of ``DECODING_DATASETS``).

    Returns
    -------
    tasks : list of BenchmarkTask
    """
    from .decoding import DECODING_DATASETS

    names = list(DECODING_DATASETS) if datasets is None else list(datasets)
    unknown = [n for n in names if n not in DECODING_DATASETS]
    if unknown:
        raise ValueError(
            f"Unknown decoding datasets {unknown}; known are {list(DECODING_DATASETS)}."
        )
    return [
        BenchmarkTask(name, "decoding", "time-ordered", "all", c["name"], c["source"])
        for name in names
        for c in configs
        if "decoding" in c["paradigms"]
    ]


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


def plan_families(
    pipelines_dir="pipelines",
    datasets=None,
    subjects=None,
    *,
    families=("eeg",),
    protocol: str = "within-session",
    fmri_protocols=None,
    include_slow: bool = False,
) -> dict:
    """The tasks of each family asked for: ``{family: [BenchmarkTask, ...]}``.

    EEG pipelines are the files of ``pipelines_dir``; fMRI and decoding pipelines those of
    its folders' ``fmri/`` and ``decoding/`` sub-folders and the files given that list the
    family's paradigm (:func:`~neuropipe.evaluation.pipelines.family_sources`; a family
    with none plans no task). ``datasets`` may mix the families' datasets; each family
    takes its own (all of them when ``datasets`` is None).
    """
    for family in families:
        check_option("family", family, list(FAMILIES))
    by_family = {f: None for f in FAMILIES}
    if datasets is not None:
        for family in FAMILIES:
            by_family[family] = [d for d in datasets if dataset_family(d) == family]
    plans = {}
    for family in FAMILIES:
        if family not in families:
            continue
        if family == "eeg":
            configs = load_pipelines(pipelines_dir, include_slow=include_slow)
            eeg = by_family["eeg"]
            plans["eeg"] = [] if eeg == [] else plan_benchmark(configs, eeg, subjects, protocol)
            continue
        sources = family_sources(pipelines_dir, family)
        configs = (
            load_pipelines(sources, include_slow=include_slow, paradigm=family) if sources else []
        )
        if family == "fmri":
            plans["fmri"] = [] if by_family["fmri"] == [] else plan_fmri(configs, fmri_protocols)
        else:
            names = by_family["decoding"]
            plans["decoding"] = [] if names == [] else plan_decoding(configs, names)
    return plans


def run_benchmark(
    pipelines_dir="pipelines",
    datasets=None,
    subjects=None,
    *,
    protocol: str = "within-session",
    families=("eeg",),
    fmri_protocols=None,
    output=None,
    resume: bool = False,
    n_splits: int = 5,
    random_state: int = 42,
    n_jobs: int = 1,
    scheduler=None,
    include_slow: bool = False,
    progress: bool = True,
    log_level=None,
    plans: dict | None = None,
) -> pd.DataFrame:
    """Evaluate every pipeline file in ``pipelines_dir`` on the bundled datasets.

    Parameters
    ----------
    pipelines_dir : str | Path | list
        Folder(s) or file(s) of EEG pipelines: ours (``.py``) and MOABB's (``.yml``); the
        fMRI and decoding pipelines are read from the first folder's ``fmri/`` and
        ``decoding/``.
    datasets, subjects : list | None
        Restrictions (see :func:`plan_benchmark`); ``datasets`` may name datasets of any
        family (``"abide-pcp-cc200"``, ``"flint2012"``...); ``subjects`` restricts EEG.
    protocol : str
        EEG protocol: ``"within-session"`` (stratified k-fold per session, as MOABB),
        ``"cross-session"``, ``"cross-subject"`` or ``"pseudo-online"`` (leave one run
        out, a sliding window over the held-out run, see
        :mod:`neuropipe.evaluation.pseudo_online`).
    families : sequence of {"eeg", "fmri", "decoding"}
        The benchmark families to run, through the same runner.
    fmri_protocols : sequence of str | None
        fMRI protocols (default :data:`neuropipe.evaluation.fmri.QUICK_PROTOCOLS`: stratified
        5-fold by site and label, and leave-one-site-out, seed 0 as in ``docs/fmri.md``).
    output : str | Path | None
        Folder where each finished task is stored (``tasks/``) and failures logged; a
        temporary folder if None.
    resume : bool
        Reuse the tasks stored in ``output`` whose files are intact and whose fingerprint
        (pipeline file, data files, protocol, folds, seed, version) matches; recompute the
        others (what was found is in ``results.attrs["resume"]``).
    n_splits : int
        Folds of the EEG within-session cross-validation.
    random_state : int
        Seed of the EEG folds (same seed, same folds as MOABB).
    n_jobs : int
        Parallel tasks (joblib); results do not depend on it.
    scheduler : dask.distributed.Client | None
        Run the tasks on this Dask cluster (see :func:`dask_client`).
    include_slow : bool
        Also run pipelines marked ``"slow": True``.
    progress : bool
        Show a progress bar.
    log_level : str | None
        neuropipe's and MNE's log level while the tasks run (default ``"WARNING"``).
    plans : dict | None
        The tasks to run, as :func:`plan_families` returns them (then ``datasets``,
        ``subjects``, ``protocol``, ``families``, ``fmri_protocols`` and ``include_slow``
        are not used).

    Returns
    -------
    results : pandas.DataFrame
        Rows of :data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA` (``family`` tells
        them apart): EEG one per pipeline, subject and session; fMRI one per pipeline,
        protocol and fold; decoding one per pipeline and dataset (``state="all"``) plus one
        per state. The failed tasks, if any, are in ``results.attrs["failures"]``, the
        number of tasks planned in ``results.attrs["n_tasks"]`` (per family in
        ``results.attrs["planned"]``) and the :class:`~neuropipe.evaluation.runner.
        ResumeReport` (None without ``resume``) in ``results.attrs["resume"]``.
    """
    import tempfile

    if plans is None:
        plans = plan_families(
            pipelines_dir,
            datasets,
            subjects,
            families=families,
            protocol=protocol,
            fmri_protocols=fmri_protocols,
            include_slow=include_slow,
        )
    planned = {family: len(tasks) for family, tasks in plans.items()}
    tasks = [task for family_tasks in plans.values() for task in family_tasks]
    if not tasks:
        empty = pd.DataFrame(columns=RESULTS_SCHEMA)
        empty.attrs.update(failures=pd.DataFrame(), n_tasks=0, planned=planned, resume=None)
        return empty
    store = TaskStore(output if output is not None else tempfile.mkdtemp(prefix="neuropipe-"))
    results, failures = run_tasks(
        tasks,
        store,
        n_splits=n_splits,
        random_state=random_state,
        n_jobs=n_jobs,
        scheduler=scheduler,
        resume=resume,
        progress=progress,
        log_level=log_level,
    )
    results.attrs.update(failures=failures, n_tasks=len(tasks), planned=planned)
    return results


def _overall_rows(results: pd.DataFrame) -> pd.DataFrame:
    """Rows that score a whole pipeline: all but decoding's per-state rows."""
    if "state" not in results:
        return results
    return results[results["state"].isna() | (results["state"] == "all")]


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Dataset x evaluation x pipeline table: mean and std over subjects, chance level.

    Sessions are averaged within each subject first, so every subject weighs the same;
    fMRI rows (no subject: a fold pools many) count one unit per fold, so ``subjects`` is
    their number of folds; decoding's per-state rows are left out (``state="all"`` is the
    pipeline's score).
    """
    results = _overall_rows(results)
    unit = (
        results["subject"]
        .astype(object)
        .where(results["subject"].notna(), "fold " + results["session"].astype(str))
    )
    keys = ["dataset", "evaluation", "pipeline", "unit", "scoring"]
    per_subject = (
        results.assign(unit=unit.astype(str))
        .groupby(keys, as_index=False)[["score", "chance", "chance_p95", "time"]]
        .mean()
    )
    table = per_subject.groupby(["dataset", "evaluation", "pipeline", "scoring"]).agg(
        score=("score", "mean"),
        std=("score", "std"),
        chance=("chance", "mean"),
        chance_p95=("chance_p95", "mean"),
        subjects=("unit", "nunique"),
        fit_time=("time", "mean"),
    )
    return table.reset_index().sort_values(
        ["dataset", "evaluation", "score"], ascending=[True, True, False]
    )


def leakage_report(
    pipelines_dir="pipelines", datasets=None, subjects=None, *, n_splits=5, random_state=42
) -> pd.DataFrame:
    """Score each pipeline that selects features both leak-free and HappyFeat's way.

    For every default pipeline with a feature-selection step (a ``SelectorMixin``), and
    every opt-in one whose file sets ``"leakage": True`` (the HappyFeat reproductions), on every
    subject and session of the two-class datasets of its paradigm, the same folds as
    :func:`run_benchmark` score it with selection inside each training fold (leak-free)
    and with selection fitted once on all trials (optimistic), see
    :func:`neuropipe.evaluation.leakage.optimistic_vs_leakfree`.

    Returns
    -------
    report : pandas.DataFrame
        One row per dataset and pipeline: mean ``leak_free`` and ``optimistic`` scores
        over subjects, their ``gap`` and the number of subjects.
    """
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import LabelEncoder

    from ..preprocessing import with_recording_info
    from .leakage import has_selection_step, optimistic_vs_leakfree

    configs = [
        c
        for c in load_pipelines(pipelines_dir, include_slow=True)
        if has_selection_step(c["pipeline"]) and c.get("leakage", not c.get("slow", False))
    ]
    by_name = {c["name"]: c["pipeline"] for c in configs}
    rows = []
    for task in plan_benchmark(configs, datasets, subjects):
        data = get_dataset(task.dataset).load(subjects=[task.subject], paradigm=task.paradigm)
        for session, index in data.metadata.groupby("session").indices.items():
            y = LabelEncoder().fit_transform(data.y[index])
            if len(set(y)) != 2:
                continue
            cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
            pipeline = with_recording_info(by_name[task.pipeline], data)
            result = optimistic_vs_leakfree(pipeline, data.X[index], y, cv=cv)
            rows.append(
                {
                    "dataset": task.dataset,
                    "pipeline": task.pipeline,
                    "subject": task.subject,
                    "session": session,
                    "leak_free": result["leak_free"],
                    "optimistic": result["optimistic"],
                }
            )
    if not rows:
        return pd.DataFrame(columns=["dataset", "pipeline", "leak_free", "optimistic", "gap"])
    table = (
        pd.DataFrame(rows)
        .groupby(["dataset", "pipeline"])
        .agg(
            leak_free=("leak_free", "mean"),
            optimistic=("optimistic", "mean"),
            subjects=("subject", "nunique"),
        )
    )
    table["gap"] = table["optimistic"] - table["leak_free"]
    return table.reset_index()
