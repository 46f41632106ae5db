"""Fingerprints: what a task's result depends on, so that a stored result is reused only
when nothing it depends on changed.

A task's fingerprint (:func:`task_fingerprint`) holds the SHA-256 of its pipeline file and
of every file of the user's that the file loads or imports (:func:`pipeline_file_inputs`,
which records the files opened while the pipeline file runs through one audit hook), a
digest of the dataset's files, epoching and data path, the protocol, the folds and seed the task uses
and the neuropipe version. :func:`loaded_pipelines` loads a pipeline file once per process,
again when one of its inputs changed.
"""

from __future__ import annotations

import ast
import contextvars
import hashlib
import importlib.util
import os
import sys
from pathlib import Path

from .. import __version__
from ..datasets import get_dataset
from .pipeline_files import as_pipeline_dict, load_pipeline_file
from .tasks import BenchmarkTask, prepare_task

__all__ = ["loaded_pipelines", "pipeline_file_inputs", "task_fingerprint"]


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
    through :func:`~neuropipe.benchmark.pipeline_files.load_pipeline_file` or its own helpers,
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
    ...     "from neuropipe.benchmark.pipeline_files import load_pipeline_file\n"
    ...     "BASE = load_pipeline_file(Path(__file__).with_name('base.py'))[0]\n"
    ...     "PIPELINE = {**BASE, 'name': 'b'}\n")
    >>> configs, files = pipeline_file_inputs(folder / "derived.py")
    >>> [f.name for f in files]
    ['derived.py', 'base.py']
    """
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


def _dataset_digest(dataset: str, paradigm: str, data_path=None) -> str:
    """Cheap digest of a dataset's files (relative paths, sizes, modification times), of
    the epoching of ``paradigm`` and of the data path read when one is given (another data
    path is other data, even with the same files); a dataset without a folder is known by
    its name."""
    digest = hashlib.sha256()
    if data_path is not None:
        digest.update(f"data path {data_path}\n".encode())
    try:
        data = get_dataset(dataset, data_path=data_path)
        options = getattr(data, "paradigms", {})
        if isinstance(options, dict):
            digest.update(repr(sorted(options.get(paradigm, {}).items(), key=str)).encode())
        roots = getattr(data, "path", None)
    except Exception as exc:  # reported when the task runs; here only the key changes
        return f"unavailable: {type(exc).__name__}"
    for root in roots if isinstance(roots, (list, tuple)) else [roots]:
        if root is None or not Path(root).exists():
            continue
        root = Path(root)
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for file in files:
            stat = file.stat()
            digest.update(
                f"{file.relative_to(root.parent)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


def task_fingerprint(task: BenchmarkTask, n_splits: int = 5, random_state=None, cache=None) -> dict:
    """What the result of ``task`` depends on; a stored result is reused only if equal.

    Parameters
    ----------
    task : BenchmarkTask
        A task with its splitter and seed (:func:`~neuropipe.benchmark.tasks.prepare_task`);
        one without is prepared with ``n_splits`` and ``random_state``.
    n_splits : int
    random_state : int | None
        The run's options, for a task not prepared yet.
    cache : dict | None
        Digests of pipeline files and datasets already computed in this run.

    Returns
    -------
    fingerprint : dict
        ``pipeline_file`` (SHA-256 of the file's content), ``loads`` (only when the file
        loads other files of the user's: their SHA-256 by path relative to the file's
        folder, see :func:`pipeline_file_inputs`), ``data`` (digest of the dataset's file
        paths, sizes and modification times, of the paradigm's epoching and of the task's
        data path when it has one), ``protocol``,
        ``splitter`` (the repr of the task's splitter, with its folds and seed; None where
        the protocol builds none), ``random_state`` (the task's seed) and ``neuropipe``
        (version).
    """
    if task.cv is None and task.random_state is None:
        task = prepare_task(task, n_splits, random_state)
    cache = {} if cache is None else cache
    if task.source not in cache:
        try:
            _, files = loaded_pipelines(task.source)
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
    data_key = (task.dataset, task.paradigm, task.data_path)
    if data_key not in cache:
        cache[data_key] = _dataset_digest(task.dataset, task.paradigm, task.data_path)
    return {
        **cache[task.source],
        "data": cache[data_key],
        "protocol": task.protocol,
        "splitter": None if task.cv is None else repr(task.cv),
        "random_state": task.random_state,
        "neuropipe": __version__,
    }


#: ``{source: ({input file: SHA-256}, {name: estimator})}``: each pipeline file loaded once
#: per process, again when it or a file it loads changes.
_LOADED: dict = {}


def loaded_pipelines(source) -> tuple[dict, list[Path]]:
    """``({name: estimator}, input files)`` of a pipeline file, loaded again only when
    one of its inputs changed; a file that fails to load raises its error here."""
    entry = _LOADED.get(str(source))
    if entry is not None and _inputs_digest(entry[0]) != entry[0]:
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
