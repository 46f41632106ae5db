"""Run independent benchmark tasks serially, with joblib, or on a Dask cluster.

A task is one (dataset, paradigm, protocol, subject, pipeline), for the three families:
EEG (a MOABB paradigm, one subject, protocol ``within-session``, ``cross-session`` or
``cross-subject``), fMRI (paradigm ``"fmri"``, subject ``"all"``, protocol
``leave-site-out`` or ``stratified-<k>fold``) and decoding (paradigm ``"decoding"``, subject
``"all"``, protocol ``time-ordered``). Every task runs through
:func:`neuropipe.evaluation.protocols.evaluate` and gives rows of the one schema
:data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`. Its result is written to
``<store>/tasks/<key>.csv`` as soon as it completes, with the report's per-fold arrays in
``<key>.npz`` (:func:`neuropipe.evaluation.artifacts.save_task_artifacts`) and a
``<key>.json`` beside them that records the task's *fingerprint* (what the result depends
on: the pipeline file's content, the dataset's files, the protocol, the folds, the seed and
the neuropipe version) and checksums of the CSV and the arrays. An interrupted run resumes without redoing finished tasks, but a task
is reused only when its files are intact, its table has the expected columns and its
fingerprint matches the one of the run; the others are recomputed, and the run says how
many of each. A task that fails is recorded with its error and the others go on. Every
task seeds its own folds, so the results do not depend on the backend or on the order in
which tasks finish.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import re
import tempfile
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .._validation import error_naming_path

__all__ = [
    "BenchmarkTask",
    "ResumeReport",
    "TaskStore",
    "execute_task",
    "read_results",
    "task_family",
    "run_tasks",
    "task_fingerprint",
    "write_csv_atomic",
]

#: Version of the task files' layout (CSV + NPZ + JSON sidecar, rows of RESULTS_SCHEMA);
#: other versions are recomputed.
TASK_SCHEMA = 3

#: Text columns of a results table: read as strings, so "NA" or "None" stay names.
TEXT_COLUMNS = ("session", "dataset", "pipeline", "evaluation", "scoring", "family", "state")

#: Paradigm of the fMRI and decoding tasks (the others are MOABB paradigms: EEG).
FAMILY_PARADIGMS = ("fmri", "decoding")

_NAN_TEXT = ["", "nan", "NaN"]


@dataclass(frozen=True)
class BenchmarkTask:
    """One unit of work.

    Attributes
    ----------
    dataset, paradigm : str
        EEG: a dataset (a name or description accepted by
        :func:`neuropipe.datasets.get_dataset`) and the MOABB paradigm whose epoching to use;
        fMRI: ``"abide-pcp-cc200"`` and ``"fmri"``; decoding: a bundled decoding dataset
        (``"flint2012"``...) and ``"decoding"``.
    protocol : str
        EEG ``"within-session"``, ``"cross-session"`` or ``"cross-subject"``; fMRI
        ``"leave-site-out"`` or ``"stratified-<k>fold"``; decoding ``"time-ordered"``.
    subject : int | str
        The subject evaluated (held out, for cross-subject); ``"all"`` for fMRI and
        decoding tasks (every fold of the protocol, or the one recording).
    pipeline : str
        Pipeline name, as in its file.
    source : str
        Path of the pipeline file, loaded by the worker that runs the task.
    """

    dataset: str
    paradigm: str
    protocol: str
    subject: int
    pipeline: str
    source: str

    @property
    def key(self) -> str:
        """File-name-safe identifier of the task, unique for every distinct task.

        A readable part (characters outside ``[A-Za-z0-9_.-]`` replaced) followed by a hash
        of the exact fields, so ``"CSP+LDA"`` and ``"CSP LDA"`` never share a file, even on
        a case-insensitive file system.
        """
        subject = (
            f"S{self.subject:03d}"
            if isinstance(self.subject, (int, np.integer))
            else f"S{self.subject}"
        )
        raw = f"{self.dataset}__{self.paradigm}__{self.protocol}__{subject}__{self.pipeline}"
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).lstrip(".-")[:120]
        identity = json.dumps(
            [self.dataset, self.paradigm, self.protocol, str(self.subject), self.pipeline]
        )
        return f"{slug}__{hashlib.sha256(identity.encode()).hexdigest()[:12]}"


# --------------------------------------------------------------------------------------
# Files: atomic writes and results tables that keep their names
# --------------------------------------------------------------------------------------


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)  # mkstemp makes the file private; give it the usual mode
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise error_naming_path(exc, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv_atomic(table: pd.DataFrame, path) -> Path:
    """Write ``table`` as CSV (no index) atomically: a kill never leaves half a file.

    Parameters
    ----------
    table : pandas.DataFrame
    path : str | Path

    Returns
    -------
    path : Path
    """
    path = Path(path)
    _atomic_write_bytes(path, table.to_csv(index=False).encode())
    return path


def read_results(path) -> pd.DataFrame:
    """Read a results CSV so that names such as ``"NA"`` or ``"None"`` stay strings.

    Text columns (:data:`TEXT_COLUMNS`) are read as strings with no missing-value
    conversion; in the other columns only an empty cell or ``nan`` is missing. Any
    neuropipe table (``results.csv``, ``summary.csv``, ``failures.csv``...) reads this way.

    Parameters
    ----------
    path : str | Path
        A ``results.csv`` or task file.

    Returns
    -------
    table : pandas.DataFrame
    """
    header = pd.read_csv(path, nrows=0).columns
    table = pd.read_csv(
        path,
        keep_default_na=False,
        na_values={c: _NAN_TEXT for c in header if c not in TEXT_COLUMNS},
        dtype={c: str for c in TEXT_COLUMNS if c in header},
    )
    for column in ("family", "state"):  # optional columns: empty where a family has none
        if column in table:
            table[column] = table[column].replace("", np.nan)
    return integer_subjects(table)


def integer_subjects(table: pd.DataFrame) -> pd.DataFrame:
    """Subjects as integers (``Int64``, empty for fMRI rows) when EEG or decoding subjects
    share a table with fMRI folds, instead of floats; other tables are returned as they are.
    """
    subject = table.get("subject")
    if subject is not None and pd.api.types.is_float_dtype(subject):
        known = subject.dropna()
        if len(known) and (known == np.round(known)).all():
            table["subject"] = subject.astype("Int64")
    return table


def check_results_table(table: pd.DataFrame, source: str = "the results table", columns=None):
    """Raise ValueError unless ``table`` has the results columns, rows and numeric scores.

    Parameters
    ----------
    table : pandas.DataFrame
    source : str
        Named in the error.
    columns : list of str | None
        The columns required; default all of :data:`RESULT_COLUMNS`.
    """
    from .protocols import RESULT_COLUMNS

    columns = RESULT_COLUMNS if columns is None else list(columns)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{source} lacks the columns {missing} (has {list(table.columns)[:8]}); it is "
            f"not a neuropipe results table"
        )
    if table.empty:
        raise ValueError(f"{source} has a header but no result rows")
    for column in ("score", "time", "samples", "subject", "chance", "chance_p95"):
        if column in columns and not pd.api.types.is_numeric_dtype(table[column]):
            raise ValueError(f"{source}: column {column!r} holds text where numbers belong")


# --------------------------------------------------------------------------------------
# Fingerprints
# --------------------------------------------------------------------------------------


def _file_digest(path) -> str:
    path = Path(path)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        return f"unreadable: {type(exc).__name__}"


#: The files opened while a pipeline file loads are recorded here (one list per context,
#: so other threads' reads are not counted): see :func:`pipeline_file_inputs`.
_RECORDING: contextvars.ContextVar = contextvars.ContextVar("neuropipe_recording", default=None)
_AUDIT_HOOK_ADDED = False


def _record_open(event, args):
    if event == "open":
        files = _RECORDING.get()
        if files is not None and isinstance(args[0], (str, bytes, os.PathLike)):
            files.append(os.fsdecode(args[0]))


def _installed_roots() -> tuple:
    """Folders whose files are not the user's own: Python's, site-packages' and neuropipe's
    (its code is covered by the version in the fingerprint)."""
    import sys

    package = Path(__file__).resolve().parents[1]
    return tuple({Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}) + (
        package,
    )


def _is_users_file(path: Path, roots) -> bool:
    return (
        path.is_file()
        and "__pycache__" not in path.parts
        and not any(path.is_relative_to(root) for root in roots)
    )


def _local_imports(path: Path, roots, seen: set) -> None:
    """Add to ``seen`` the user's modules that ``path`` imports, recursively (read from
    the source, so modules already imported by another pipeline file are found too)."""
    import ast
    import importlib.util

    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError, AttributeError):  # not a module (a name in one)
            continue
        if spec is None or not spec.has_location or not spec.origin:
            continue
        origin = Path(spec.origin).resolve()
        if origin not in seen and _is_users_file(origin, roots):
            seen.add(origin)
            if origin.suffix == ".py":
                _local_imports(origin, roots, seen)


def pipeline_file_inputs(path) -> tuple[list[dict] | None, list[Path]]:
    r"""Load a pipeline file and list every file of the user's that it depends on.

    Those are the file itself, the files it opens while it runs (other pipeline files read
    through :func:`~neuropipe.evaluation.pipelines.load_pipeline_file` or its own helpers,
    templates, ...) and the local modules it imports, recursively; files of Python, of
    installed packages and of neuropipe itself are left out.

    Parameters
    ----------
    path : str | Path
        A pipeline file.

    Returns
    -------
    configs : list of dict | None
        The file's pipeline configs, or None when it fails to load (the task reports why).
    files : list of Path
        Resolved paths, the pipeline file first.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "base.py").write_text(
    ...     "from sklearn.dummy import DummyClassifier\n"
    ...     "PIPELINE = {'name': 'a', 'paradigms': ['fmri'], 'pipeline': DummyClassifier()}\n")
    >>> _ = (folder / "derived.py").write_text(
    ...     "from pathlib import Path\n"
    ...     "from neuropipe.evaluation.pipelines import load_pipeline_file\n"
    ...     "BASE = load_pipeline_file(Path(__file__).with_name('base.py'))[0]\n"
    ...     "PIPELINE = {**BASE, 'name': 'b'}\n")
    >>> configs, files = pipeline_file_inputs(folder / "derived.py")
    >>> [f.name for f in files]
    ['derived.py', 'base.py']
    """
    import sys

    from .pipelines import load_pipeline_file

    global _AUDIT_HOOK_ADDED
    if not _AUDIT_HOOK_ADDED:  # audit hooks cannot be removed: one, idle unless recording
        sys.addaudithook(_record_open)
        _AUDIT_HOOK_ADDED = True
    path = Path(path).resolve()
    opened: list[str] = []
    token = _RECORDING.set(opened)
    try:
        configs = load_pipeline_file(path)
    except Exception:  # the task itself reports the error when it runs
        configs = None
    finally:
        _RECORDING.reset(token)
    roots = _installed_roots()
    files = {path}
    for name in opened:
        file = Path(name).resolve()
        if _is_users_file(file, roots):
            files.add(file)
    if path.suffix == ".py":
        _local_imports(path, roots, files)
    return configs, [path] + sorted(files - {path})


def _inputs_digest(files) -> dict:
    return {str(file): _file_digest(file) for file in files}


def task_family(task: BenchmarkTask) -> str:
    """``"fmri"``, ``"decoding"`` or ``"eeg"``: the family of a task, from its paradigm."""
    return task.paradigm if task.paradigm in FAMILY_PARADIGMS else "eeg"


def _task_options(task: BenchmarkTask, n_splits, random_state) -> dict:
    """The folds and seed a task actually uses: the run's for EEG; fMRI's stratified folds
    are in the protocol's name, with fMRI's own seed (docs/fmri.md); decoding has none."""
    family = task_family(task)
    if family == "fmri":
        from .fmri import RANDOM_STATE

        return {"n_splits": None, "random_state": RANDOM_STATE}
    if family == "decoding":
        return {"n_splits": None, "random_state": None}
    return {
        "n_splits": int(n_splits),
        "random_state": None if random_state is None else int(random_state),
    }


def _family_data_root(dataset: str, paradigm: str):
    if paradigm == "fmri":
        from ..datasets.abide import abide_path

        return abide_path()
    from ..datasets.eeg import bundled_path

    return bundled_path(dataset)


def _dataset_digest(dataset: str, paradigm: str) -> str:
    """Cheap digest of a dataset's files (relative paths, sizes, modification times) and
    of the epoching of ``paradigm``; a dataset without a folder is known by its name."""
    from ..datasets import get_dataset

    digest = hashlib.sha256()
    try:
        if paradigm in FAMILY_PARADIGMS:  # ABIDE, or a decoding dataset's .mat/.csv files
            root = _family_data_root(dataset, paradigm)
        else:
            data = get_dataset(dataset)
            options = getattr(data, "paradigms", {})
            if isinstance(options, dict):
                digest.update(repr(sorted(options.get(paradigm, {}).items(), key=str)).encode())
            root = getattr(data, "path", None)
    except Exception as exc:  # reported when the task runs; here only the key changes
        return f"unavailable: {type(exc).__name__}"
    if root is not None and Path(root).exists():
        root = Path(root)
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for file in files:
            stat = file.stat()
            digest.update(
                f"{file.relative_to(root.parent)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


def task_fingerprint(task: BenchmarkTask, n_splits: int, random_state, _cache=None) -> dict:
    """What the result of ``task`` depends on; a stored result is reused only if equal.

    Parameters
    ----------
    task : BenchmarkTask
    n_splits, random_state : int
        Folds and seed of the run.

    Returns
    -------
    fingerprint : dict
        ``pipeline_file`` (SHA-256 of the file's content), ``loads`` (only when the file
        loads other files of the user's: their SHA-256 by path relative to the file's
        folder, see :func:`pipeline_file_inputs`), ``data`` (digest of the dataset's file
        paths, sizes and modification times and of the paradigm's epoching), ``protocol``,
        ``n_splits``, ``random_state`` (those the task uses: None where its protocol has
        none) and ``neuropipe`` (version).
    """
    from .. import __version__

    cache = {} if _cache is None else _cache
    if task.source not in cache:
        try:
            _, files = _load_pipelines(task.source)
        except Exception:  # the task reports the file's error when it runs
            files = [Path(task.source).resolve()]
        folder = files[0].parent
        cache[task.source] = {
            "pipeline_file": _file_digest(files[0]),
            **(
                {"loads": {os.path.relpath(f, folder): _file_digest(f) for f in files[1:]}}
                if len(files) > 1
                else {}
            ),
        }
    data_key = (task.dataset, task.paradigm)
    if data_key not in cache:
        cache[data_key] = _dataset_digest(task.dataset, task.paradigm)
    return {
        **cache[task.source],
        "data": cache[data_key],
        "protocol": task.protocol,
        **_task_options(task, n_splits, random_state),
        "neuropipe": __version__,
    }


# --------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------


#: ``{source: ({input file: SHA-256}, {name: estimator})}``: each pipeline file loaded once
#: per process, again when it or a file it loads changes.
_LOADED: dict = {}


def _load_pipelines(source) -> tuple[dict, list[Path]]:
    """``({name: estimator}, input files)`` of a pipeline file, loaded again only when
    one of its inputs changed; a file that fails to load raises its error here."""
    from .pipelines import as_pipeline_dict, load_pipeline_file

    entry = _LOADED.get(str(source))
    if entry is not None and _inputs_digest(entry[0]) != entry[0]:
        import sys

        # the user's modules that changed are imported again, not taken from sys.modules
        changed = {f for f, digest in entry[0].items() if _file_digest(f) != digest}
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if file and str(Path(file).resolve()) in changed:
                del sys.modules[name]
        entry = None
    if entry is None:
        configs, files = pipeline_file_inputs(source)
        if configs is None:
            load_pipeline_file(source)  # raises the file's own error
        entry = _LOADED[str(source)] = (_inputs_digest(files), as_pipeline_dict(configs))
    return entry[1], [Path(f) for f in entry[0]]


def _load(dataset: str, paradigm: str, subjects: tuple):
    from .cache import load_epochs  # each subject loaded once per process, for all pipelines

    return load_epochs(dataset, paradigm, subjects)


def _load_family(dataset: str, paradigm: str):
    """The fMRI or decoding dataset of a task, loaded once per process."""
    from .cache import epoch_cache

    if paradigm == "fmri":
        from ..datasets.abide import load_abide
        from .fmri import FMRI_DATASET

        if dataset != FMRI_DATASET:
            raise ValueError(
                f"Unknown fMRI dataset {dataset!r}; the bundled one is {FMRI_DATASET!r}."
            )
        return epoch_cache.get((dataset, paradigm, ()), load_abide)
    from .._validation import check_option
    from .decoding import DECODING_DATASETS

    check_option("dataset", dataset, list(DECODING_DATASETS))
    return epoch_cache.get((dataset, paradigm, ()), lambda: DECODING_DATASETS[dataset](None))


def _evaluate_task(task, pipeline, n_splits, random_state, artifacts):
    from ..datasets import get_dataset
    from .cache import share_transformer_fits
    from .protocols import evaluate

    options = _task_options(task, n_splits, random_state)
    if task_family(task) == "fmri":
        data = _load_family(task.dataset, task.paradigm)
        kwargs = {"random_state": options["random_state"]}
    elif task_family(task) == "decoding":
        data, kwargs = _load_family(task.dataset, task.paradigm), {}
    elif task.protocol == "pseudo-online":  # continuous runs, decided window by window
        from .pseudo_online import load_pseudo_online

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
    from .._logging import log_level_context
    from ..features._subject_cache import subject_cache

    try:
        with log_level_context(log_level or "WARNING"), subject_cache():
            pipelines, _ = _load_pipelines(task.source)
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


# --------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------


@dataclass
class ResumeReport:
    """What ``--resume`` found in the task store.

    Attributes
    ----------
    reused : int
        Valid stored results whose fingerprint matches: not recomputed.
    stale : list of str
        Valid results computed under another fingerprint (``"key: what changed"``).
    invalid : list of str
        Damaged or foreign task files (``"key: why"``): recomputed.
    new : int
        Tasks with no stored result.
    """

    reused: int = 0
    stale: list = field(default_factory=list)
    invalid: list = field(default_factory=list)
    new: int = 0

    @property
    def recomputed(self) -> int:
        return len(self.stale) + len(self.invalid) + self.new

    def summary(self) -> str:
        """One line, e.g. ``"Resume: 4 task(s) reused, 2 recomputed (1 stale (n_splits changed), 1 new)"``."""
        parts = []
        if self.stale:
            changed = sorted({s.split(": ", 1)[1] for s in self.stale})
            parts.append(f"{len(self.stale)} stale ({'; '.join(changed)} changed)")
        if self.invalid:
            parts.append(f"{len(self.invalid)} invalid (damaged or foreign files)")
        if self.new:
            parts.append(f"{self.new} new")
        detail = f" ({', '.join(parts)})" if parts else ""
        return f"Resume: {self.reused} task(s) reused, {self.recomputed} recomputed{detail}"


class TaskStore:
    """Folder of finished task results (one CSV and one JSON each) and a log of failures.

    Parameters
    ----------
    folder : str | Path
        Output folder; results go to ``folder/tasks/``.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.tasks_dir = self.folder / "tasks"
        self.tasks_dir.mkdir(parents=True, exist_ok=True)
        for pattern in (".*.tmp", ".*.tmp.npz"):  # from a run killed mid-write
            for leftover in self.tasks_dir.glob(pattern):
                leftover.unlink(missing_ok=True)

    def path(self, task: BenchmarkTask) -> Path:
        return self.tasks_dir / f"{task.key}.csv"

    def meta_path(self, task: BenchmarkTask) -> Path:
        return self.tasks_dir / f"{task.key}.json"

    def artifacts_path(self, task: BenchmarkTask) -> Path:
        """``tasks/<key>.npz``: the report's per-fold arrays of the task (read them with
        :func:`neuropipe.evaluation.artifacts.load_artifacts`)."""
        return self.tasks_dir / f"{task.key}.npz"

    def files(self, task: BenchmarkTask) -> tuple:
        """The task's files: CSV, JSON record and arrays."""
        return self.path(task), self.meta_path(task), self.artifacts_path(task)

    def check(self, task: BenchmarkTask, fingerprint: dict | None = None):
        """Why the stored result of ``task`` cannot be reused, or None if it can.

        Returns
        -------
        problem : tuple of (str, str) | None
            ``("missing" | "invalid" | "stale", reason)``.
        """
        csv, meta_path = self.path(task), self.meta_path(task)
        if not csv.exists() and not meta_path.exists():
            return "missing", "no stored result"
        try:
            meta = json.loads(meta_path.read_text())
            if not isinstance(meta, dict) or meta.get("schema") != TASK_SCHEMA:
                return "invalid", "written by another version of the task store"
            content = csv.read_bytes()
            if hashlib.sha256(content).hexdigest() != meta.get("csv_sha256"):
                return "invalid", "the CSV does not match its checksum (truncated or edited)"
            table = read_results(csv)
            check_results_table(table, csv.name)
            if meta.get("artifacts_sha256") is not None:
                arrays = self.artifacts_path(task).read_bytes()
                if hashlib.sha256(arrays).hexdigest() != meta["artifacts_sha256"]:
                    return "invalid", "the fold arrays (.npz) do not match their checksum"
        except FileNotFoundError as exc:
            return "invalid", f"{Path(exc.filename or '').name or 'a file'} is missing"
        except (OSError, ValueError) as exc:  # unreadable, bad JSON, bad table
            return "invalid", " ".join(str(exc).split())
        if meta.get("task") != _task_fields(task):
            return "invalid", "the files belong to another task"
        if fingerprint is not None and meta.get("fingerprint") != fingerprint:
            stored = meta.get("fingerprint") or {}
            changed = [k for k in fingerprint if stored.get(k) != fingerprint[k]]
            return "stale", ", ".join(changed) or "fingerprint"
        return None

    def done(self, task: BenchmarkTask, fingerprint: dict | None = None) -> bool:
        """Whether a valid result of ``task`` is stored (with this fingerprint, if given)."""
        return self.check(task, fingerprint) is None

    def write(
        self, task: BenchmarkTask, results: pd.DataFrame, fingerprint=None, artifacts=None
    ) -> None:
        """Write the CSV, the fold arrays (``artifacts``, a list of dicts, if given), then
        the JSON record, each atomically (temporary file, rename)."""
        content = results.to_csv(index=False).encode()
        self.meta_path(task).unlink(missing_ok=True)  # never a record beside a new CSV
        _atomic_write_bytes(self.path(task), content)
        arrays_sha256 = None
        if artifacts is None:
            self.artifacts_path(task).unlink(missing_ok=True)
        else:
            arrays_sha256 = _atomic_write_artifacts(
                self.artifacts_path(task), artifacts, _task_fields(task)
            )
        meta = {
            "schema": TASK_SCHEMA,
            "task": _task_fields(task),
            "fingerprint": fingerprint,
            "csv_sha256": hashlib.sha256(content).hexdigest(),
            "artifacts_sha256": arrays_sha256,
            "rows": len(results),
        }
        _atomic_write_bytes(self.meta_path(task), json.dumps(meta, indent=1).encode())

    def read(self, tasks) -> pd.DataFrame:
        """The stored results of ``tasks`` that are valid, concatenated."""
        frames = [read_results(self.path(t)) for t in tasks if self.done(t)]
        if not frames:
            return pd.DataFrame()
        return integer_subjects(pd.concat(frames, ignore_index=True))

    def write_failures(self, failures: pd.DataFrame) -> None:
        """``failures.csv`` holds this run's failed tasks; removed when there are none."""
        path = self.folder / "failures.csv"
        if failures.empty:
            path.unlink(missing_ok=True)
        else:
            write_csv_atomic(failures, path)


def _atomic_write_artifacts(path: Path, folds: list, meta: dict) -> str:
    """:func:`~neuropipe.evaluation.artifacts.save_task_artifacts` to a temporary file
    beside ``path``, renamed over it; returns the SHA-256 of the file."""
    from .artifacts import save_task_artifacts

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp.npz")
    os.close(fd)
    try:
        save_task_artifacts(tmp, folds, meta=meta)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        digest = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise error_naming_path(exc, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def _task_fields(task: BenchmarkTask) -> dict:
    fields = asdict(task)
    fields["subject"] = str(fields["subject"])
    return fields


def _execute_with_threads(threads, *args):
    """:func:`execute_task` with BLAS / OpenMP limited to ``threads`` (a Dask worker)."""
    from .._threads import limit_threads

    with limit_threads(threads):
        return execute_task(*args)


def _completed(tasks, n_splits, random_state, n_jobs, scheduler, log_level):
    """Yield task outcomes as they complete, on the chosen backend, each worker with
    :func:`~neuropipe._threads.blas_threads` BLAS threads (workers x threads <= cores)."""
    from .._threads import blas_threads, limit_threads

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
    from contextlib import nullcontext

    from joblib import Parallel, delayed, parallel_config

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


def run_tasks(
    tasks,
    store: TaskStore,
    *,
    n_splits: int = 5,
    random_state: int = 42,
    n_jobs: int = 1,
    scheduler=None,
    resume: bool = False,
    progress: bool = True,
    log_level=None,
):
    """Run tasks, storing each result as it completes.

    Parameters
    ----------
    tasks : list of BenchmarkTask
    store : TaskStore
    n_splits, random_state : int
        Folds and their seed (identical on every backend).
    n_jobs : int
        joblib workers when no ``scheduler`` is given.
    scheduler : dask.distributed.Client | None
        Run the tasks on this Dask cluster instead.
    resume : bool
        Reuse the tasks whose result is stored, intact and computed with the same
        fingerprint (:func:`task_fingerprint`); recompute the others. Otherwise every
        task is recomputed.
    progress : bool
        Show a progress bar.
    log_level : str | int | None
        neuropipe's and MNE's log level in the workers (default ``"WARNING"``).

    Returns
    -------
    results : pandas.DataFrame
        All tasks' rows (sorted), including those reused from a previous run;
        ``results.attrs["resume"]`` is the :class:`ResumeReport` (None without resume).
    failures : pandas.DataFrame
        One row per failed task: its fields and the error (also in ``failures.csv``,
        which is removed when no task failed).
    """
    tasks = list(tasks)
    cache = {}
    fingerprints = {t: task_fingerprint(t, n_splits, random_state, cache) for t in tasks}
    report = ResumeReport() if resume else None
    todo = []
    for task in tasks:
        if not resume:
            todo.append(task)
            continue
        problem = store.check(task, fingerprints[task])
        if problem is None:
            report.reused += 1
            continue
        todo.append(task)
        kind, reason = problem
        if kind == "missing":
            report.new += 1
        else:
            getattr(report, kind).append(f"{task.key}: {reason}")
    failures = []
    bar = tqdm(
        total=len(tasks),
        initial=len(tasks) - len(todo),
        desc="benchmark",
        unit="task",
        disable=not progress,
    )
    with bar:
        outcomes = _completed(todo, n_splits, random_state, n_jobs, scheduler, log_level)
        for task, results, error in outcomes:
            if error is None:
                store.write(task, results, fingerprints[task], results.attrs.get("artifacts"))
            else:
                for stale in store.files(task):
                    stale.unlink(missing_ok=True)  # an old result must not pass for this run's
                failures.append({**asdict(task), "error": error})
                bar.write(f"FAILED {task.key}: {error}")
            bar.update(1)
    failures = pd.DataFrame(failures, columns=[*asdict(tasks[0]), "error"] if tasks else None)
    store.write_failures(failures)
    results = store.read(tasks)
    if not results.empty:
        results = results.sort_values(
            ["dataset", "evaluation", "subject", "session", "pipeline"], kind="stable"
        ).reset_index(drop=True)
    results.attrs["resume"] = report
    return results, failures
