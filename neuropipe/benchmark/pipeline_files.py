"""Read pipeline files in MOABB's format (``PIPELINE = {...}`` in ``.py``, or ``.yml``).

The pipeline files shipped with neuropipe (``pipelines/`` of a clone, or their copy
inside the installed package, see :func:`neuropipe.datasets.paths.default_pipelines_dir`)
are also reachable by name: the file's stem with ``-`` for ``_`` (``"ts-lr"`` for
``ts_lr.py``, ``"tangent-logreg"`` for ``fmri/tangent_logreg.py``) or the pipeline's
display name (``"TS+LR"``); :func:`list_pipelines` is the catalogue that
``neuropipe pipelines`` prints.

Examples
--------
>>> from neuropipe.benchmark.pipeline_files import load_pipeline
>>> load_pipeline("ts-lr").steps[-1][0]
'logisticregression'
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
from pathlib import Path

import pandas as pd
from sklearn.base import BaseEstimator

from .._validation import DataFileError
from ..datasets.base import PARADIGM_NAMES as KNOWN_PARADIGMS  # MOABB's, "fmri", "decoding"
from ..datasets.paths import default_pipelines_dir, installed_pipelines_dir
from ..evaluation.paradigms import get_paradigm, paradigm_names, pipeline_paradigm

__all__ = [
    "KNOWN_PARADIGMS",
    "as_pipeline_dict",
    "family_of",
    "family_sources",
    "find_pipeline",
    "list_pipelines",
    "load_pipeline",
    "load_pipeline_file",
    "load_pipelines",
    "pipeline_files",
]

_REQUIRED = ("name", "paradigms", "pipeline")


def _check_config(config, source):
    """Check one PIPELINE entry against the schema; the errors name the file and the fix."""
    where = f"{str(source)!r}: PIPELINE"
    if not isinstance(config, dict):
        raise ValueError(
            f"{where} must be a dict (or a list of dicts), got {type(config).__name__}; "
            f"write PIPELINE = {{'name': ..., 'paradigms': [...], 'pipeline': ...}}."
        )
    missing = [k for k in _REQUIRED if k not in config]
    if missing:
        raise ValueError(
            f"{where} is missing keys {missing}; it needs 'name', 'paradigms' "
            f"and 'pipeline', as in MOABB's pipeline files."
        )
    name = config["name"]
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}['name'] must be a non-empty string, got {name!r}.")
    paradigms = config["paradigms"]
    if isinstance(paradigms, str) or not isinstance(paradigms, (list, tuple)):
        raise ValueError(
            f"{where}['paradigms'] must be a list of paradigm names, e.g. "
            f"['LeftRightImagery'], got {paradigms!r} ({type(paradigms).__name__})."
        )
    unknown = [p for p in paradigms if not isinstance(p, str) or p not in KNOWN_PARADIGMS]
    if unknown or not paradigms:
        raise ValueError(
            f"{where}['paradigms'] lists unknown paradigms {unknown}; known are "
            f"{list(KNOWN_PARADIGMS)}."
            if unknown
            else f"{where}['paradigms'] is empty; list the paradigms the pipeline serves."
        )
    if not isinstance(config["pipeline"], BaseEstimator):
        raise ValueError(
            f"{where}['pipeline'] must be a scikit-learn estimator, got "
            f"{type(config['pipeline']).__name__}."
        )
    return {**config, "paradigms": list(paradigms), "source": str(source)}


def _load_error(path, exc) -> DataFileError:
    return DataFileError(
        f"{str(path)!r}: could not load the pipeline file: {type(exc).__name__}: {exc}"
    )


def load_pipeline_file(path) -> list[dict]:
    """Load the pipeline config(s) of one ``.py`` or ``.yml`` file.

    Parameters
    ----------
    path : str | Path
        A Python file defining ``PIPELINE`` (a dict, or a list of dicts), or a MOABB
        YAML pipeline file.

    Returns
    -------
    configs : list of dict
        Each with ``name``, ``paradigms``, ``pipeline`` and ``source``; optional keys
        (``slow``, ``param_grid``...) are kept.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataFileError
        If ``path`` is a folder, or the file fails to parse or run.
    ValueError
        If the extension is not ``.py`` / ``.yml`` or ``PIPELINE`` is malformed.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Pipeline file not found: {str(path)!r}.")
    if path.is_dir():
        raise DataFileError(
            f"{str(path)!r} is a directory, not a pipeline file; read a folder of pipeline "
            f"files with load_pipelines."
        )
    if path.suffix in (".yml", ".yaml"):
        from moabb.pipelines.utils import parse_pipelines_from_directory

        try:
            configs = parse_pipelines_from_directory(str(path))
        except Exception as exc:  # YAML syntax errors, missing keys, unknown estimators
            raise _load_error(path, exc) from exc
        return [_check_config(c, path) for c in configs]
    if path.suffix != ".py":
        raise ValueError(f"Pipeline files are .py or .yml, got {str(path)!r}.")
    spec = importlib.util.spec_from_file_location(f"neuropipe_pipeline_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:  # sys.exit() in the file must not end the caller silently
        raise DataFileError(
            f"{str(path)!r}: the pipeline file called sys.exit({exc.code!r}) while being "
            f"loaded; remove the exit call, a pipeline file only defines PIPELINE."
        ) from exc
    except ImportError as exc:
        raise DataFileError(
            f"{str(path)!r}: could not load the pipeline file: {type(exc).__name__}: {exc}; "
            f"install the missing package or fix the import."
        ) from exc
    except Exception as exc:  # whatever the file's own code raises (SyntaxError, NameError...)
        raise _load_error(path, exc) from exc
    if not hasattr(module, "PIPELINE"):
        raise ValueError(
            f"{str(path)!r} defines no PIPELINE dict; a pipeline file sets PIPELINE = "
            f"{{'name': ..., 'paradigms': [...], 'pipeline': ...}}."
        )
    configs = module.PIPELINE if isinstance(module.PIPELINE, list) else [module.PIPELINE]
    if not configs:
        raise ValueError(f"{str(path)!r}: PIPELINE is an empty list; define a pipeline in it.")
    return [_check_config(c, path) for c in configs]


def load_pipelines(paths, include_slow: bool = False, paradigm: str | None = None) -> list[dict]:
    """Load pipeline files: every file directly in a folder (sorted by name), or single files.

    :func:`load_pipeline_file` and :func:`load_pipelines` both return this one shape, a list
    of configs; :func:`as_pipeline_dict` turns it into ``{name: estimator}``.

    Parameters
    ----------
    paths : str | Path | list of (str | Path)
        Folders of pipeline files (sub-folders are not read, as in MOABB) or pipeline
        files; ours (``.py``) and MOABB's (``.yml``) can be mixed.
    include_slow : bool
        Keep pipelines marked ``"slow": True`` (opt-in reference pipelines).
    paradigm : str | None
        Keep only the pipelines whose ``paradigms`` list it (e.g. ``"fmri"``).

    Returns
    -------
    configs : list of dict
        Each with ``name``, ``paradigms``, ``pipeline`` and ``source`` (see
        :func:`load_pipeline_file`).
    """
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    configs = []
    for directory in map(Path, paths):
        if directory.is_file():
            configs.extend(load_pipeline_file(directory))
            continue
        if not directory.is_dir():
            raise FileNotFoundError(f"Pipeline folder not found: {str(directory)!r}.")
        for path in sorted(directory.iterdir()):
            if path.suffix in (".py", ".yml", ".yaml") and not path.name.startswith("_"):
                configs.extend(load_pipeline_file(path))
    if not include_slow:
        configs = [c for c in configs if not c.get("slow", False)]
    if paradigm is not None:
        configs = [c for c in configs if paradigm in c["paradigms"]]
    names = [c["name"] for c in configs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"Pipeline names must be unique; repeated: {duplicated}.")
    return configs


def as_pipeline_dict(configs) -> dict:
    """``{name: estimator}`` of a list of pipeline configs (as evaluations take them).

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> as_pipeline_dict([{"name": "chance", "pipeline": DummyClassifier()}])
    {'chance': DummyClassifier()}
    """
    return {c["name"]: c["pipeline"] for c in configs}


def family_of(paradigms) -> str:
    """The paradigm (family) of a pipeline from its ``paradigms`` list
    (:func:`~neuropipe.evaluation.paradigms.pipeline_paradigm`).

    Examples
    --------
    >>> family_of(["LeftRightImagery"]), family_of(["fmri"]), family_of(["decoding"])
    ('eeg', 'fmri', 'decoding')
    """
    return pipeline_paradigm(paradigms).name


def family_sources(paths, family: str) -> list[Path]:
    """The pipeline folders and files of ``paths`` that serve the paradigm ``family``.

    A folder serves a paradigm with its ``pipelines_folder`` sub-folder (when it has one;
    EEG: the folder itself, fMRI ``fmri/``, decoding ``decoding/``); a file serves the
    paradigms of the pipelines it defines, whatever its folder (``--pipelines
    pipelines/fmri/x.py``). A path that does not exist is kept, so that loading it names
    it.

    Parameters
    ----------
    paths : str | Path | list of (str | Path)
        As ``neuropipe benchmark --pipelines`` takes them.
    family : str
        A paradigm name (:func:`~neuropipe.evaluation.paradigms.paradigm_names`).

    Returns
    -------
    sources : list of Path
        For :func:`load_pipelines`.

    Examples
    --------
    >>> from neuropipe.datasets.paths import installed_pipelines_dir
    >>> root = installed_pipelines_dir()
    >>> family_sources([root], "fmri") == [root / "fmri"]
    True
    >>> family_sources([root / "fmri" / "tangent_logreg.py"], "eeg")
    []
    """
    paradigm = get_paradigm(family)
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    sources = []
    for path in map(Path, paths):
        if path.is_dir():
            folder = path / paradigm.pipelines_folder
            if folder.is_dir():
                sources.append(folder)
        elif not path.exists() or any(
            paradigm.serves(c["paradigms"]) for c in load_pipeline_file(path)
        ):
            sources.append(path)
    return sources


def pipeline_files(folder=None) -> list[Path]:
    """The pipeline files of a pipelines folder and of its ``fmri/`` and ``decoding/``.

    Parameters
    ----------
    folder : str | Path | None
        Default :func:`neuropipe.datasets.paths.default_pipelines_dir` (``./pipelines``
        when there is one, else the files installed with neuropipe).

    Returns
    -------
    files : list of Path
        ``.py`` / ``.yml`` files not starting with ``_``, EEG first, then fMRI, decoding.
    """
    if folder is None:
        folder = default_pipelines_dir()
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Pipeline folder not found: {str(folder)!r}.")
    files = []
    subfolders = (get_paradigm(name).pipelines_folder for name in paradigm_names())
    for sub in dict.fromkeys(folder / sub for sub in subfolders):
        if sub.is_dir():
            files.extend(
                p
                for p in sorted(sub.iterdir())
                if p.suffix in (".py", ".yml", ".yaml") and not p.name.startswith("_")
            )
    return files


def _slug(path: Path) -> str:
    return path.stem.replace("_", "-")


def _summary(path: Path) -> str:
    """First line of a ``.py`` pipeline file's docstring (read without running it)."""
    if path.suffix != ".py":
        return "MOABB YAML pipeline"
    try:
        doc = ast.get_docstring(ast.parse(path.read_text()))
    except (SyntaxError, UnicodeDecodeError):
        doc = None
    return doc.strip().splitlines()[0] if doc else ""


def list_pipelines(folder=None):
    """The catalogue of a pipelines folder: one row per pipeline, with what it is for.

    Parameters
    ----------
    folder : str | Path | None
        Default :func:`neuropipe.datasets.paths.default_pipelines_dir`.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``name`` (what :func:`load_pipeline` and ``neuropipe fit --pipeline``
        take: the file stem with ``-`` for ``_``), ``pipeline`` (the display name used in
        result tables), ``family`` (``eeg``, ``fmri``, ``decoding``), ``default``
        (``"default"``, or ``"opt-in"`` for files marked ``"slow": True``, run by
        ``--include-slow``), ``paradigms``, ``summary`` (the first line of the file's
        docstring) and ``file``.

    Examples
    --------
    >>> table = list_pipelines()
    >>> table.set_index("name").loc["ts-lr", ["pipeline", "family", "default"]].tolist()
    ['TS+LR', 'eeg', 'default']
    >>> sorted(set(table["family"]))
    ['decoding', 'eeg', 'fmri']
    """
    rows = []
    for path in pipeline_files(folder):
        configs = load_pipeline_file(path)
        for config in configs:
            rows.append(
                {
                    "name": _slug(path),
                    "pipeline": config["name"],
                    "family": family_of(config["paradigms"]),
                    "default": "opt-in" if config.get("slow", False) else "default",
                    "paradigms": ", ".join(config["paradigms"]),
                    "summary": _summary(path),
                    "file": str(path),
                }
            )
    return pd.DataFrame(
        rows, columns=["name", "pipeline", "family", "default", "paradigms", "summary", "file"]
    )


def _search_folders(folder) -> list[Path]:
    if folder is not None:
        return [Path(folder)]
    folders = [default_pipelines_dir(), installed_pipelines_dir()]
    return [
        f
        for i, f in enumerate(folders)
        if f.is_dir() and f.resolve() not in {g.resolve() for g in folders[:i]}
    ]


def _only_name(path: Path) -> str | None:
    """The display name of a file's pipeline; None when the file defines several."""
    configs = load_pipeline_file(path)
    return configs[0]["name"] if len(configs) == 1 else None


def find_pipeline(name, folder=None) -> tuple[Path, str | None]:
    """The pipeline file and display name of a pipeline given by name or path.

    Parameters
    ----------
    name : str | Path
        A pipeline file (``"pipelines/ts_lr.py"``, ``"my_pipeline.py"``); or a name: the
        file stem with ``-`` or ``_`` (``"ts-lr"``, ``"tangent-logreg"``), or a pipeline's
        display name (``"TS+LR"``), case-insensitive.
    folder : str | Path | None
        Pipelines folder to search; default ``./pipelines`` (when there is one), then the
        pipelines installed with neuropipe.

    Returns
    -------
    path : Path
    pipeline : str | None
        The display name of the pipeline: the one named, or the file's only one (None
        when a file given by path or stem defines several).

    Raises
    ------
    ValueError
        If no pipeline has that name; the message lists the closest names and points to
        ``neuropipe pipelines``.

    Examples
    --------
    >>> path, pipeline = find_pipeline("ts-lr")
    >>> path.name, pipeline
    ('ts_lr.py', 'TS+LR')
    >>> find_pipeline("TS+LR")[0] == path
    True
    """
    text = str(name)
    path = Path(text)
    if path.suffix in (".py", ".yml", ".yaml") or path.is_file():
        return path, _only_name(path)
    key = text.strip().lower().replace("_", "-")
    folders = _search_folders(folder)
    files = [f for d in folders for f in pipeline_files(d)]
    for file in files:  # file stems first: no pipeline file is run to find them
        if _slug(file).lower() == key:
            return file, _only_name(file)
    catalogue = [(file, config["name"]) for file in files for config in load_pipeline_file(file)]
    for file, display in catalogue:
        if display.lower() == text.strip().lower():
            return file, display
    known = list(dict.fromkeys([_slug(f) for f in files] + [d for _, d in catalogue]))
    close = difflib.get_close_matches(text, known, n=5, cutoff=0.4)
    where = ", ".join(repr(str(f)) for f in folders)
    raise ValueError(
        f"No pipeline named {text!r} in {where}"
        + (f"; did you mean {', '.join(map(repr, close))}?" if close else ".")
        + " `neuropipe pipelines` lists them all; a pipeline file's path works too."
    )


def load_pipeline(name, folder=None):
    """The (unfitted) estimator of a pipeline given by name or path.

    Parameters
    ----------
    name : str | Path
        As :func:`find_pipeline` takes it: ``"ts-lr"``, ``"TS+LR"``,
        ``"tangent-logreg"``, ``"pipelines/ts_lr.py"``...
    folder : str | Path | None
        Pipelines folder to search (see :func:`find_pipeline`).

    Returns
    -------
    pipeline : sklearn.base.BaseEstimator
        A new estimator at each call (the file is run again).

    Examples
    --------
    >>> from sklearn.base import is_classifier, is_regressor
    >>> is_classifier(load_pipeline("csp-lda")), is_regressor(load_pipeline("kalman"))
    (True, True)
    >>> load_pipeline("ts-lrr")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: No pipeline named 'ts-lrr' in ...; did you mean 'ts-lr', ...
    """
    path, display = find_pipeline(name, folder)
    configs = load_pipeline_file(path)
    if display is None:
        names = [c["name"] for c in configs]
        raise ValueError(
            f"{str(path)!r} defines {len(names)} pipelines, {names}; read them with "
            f"load_pipeline_file({str(path)!r}) and pick one by its 'name'."
        )
    return next(c["pipeline"] for c in configs if c["name"] == display)
