"""Read pipeline files in MOABB's format (``PIPELINE = {...}`` in ``.py``, or ``.yml``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sklearn.base import BaseEstimator

from .._validation import DataFileError

__all__ = ["KNOWN_PARADIGMS", "as_pipeline_dict", "load_pipeline_file", "load_pipelines"]

_REQUIRED = ("name", "paradigms", "pipeline")

#: Paradigm names a pipeline file may list: MOABB's paradigms (EEG), and neuropipe's
#: ``"fmri"`` and ``"decoding"`` families.
KNOWN_PARADIGMS = (
    "LeftRightImagery",
    "MotorImagery",
    "FilterBankLeftRightImagery",
    "FilterBankMotorImagery",
    "SSVEP",
    "FilterBankSSVEP",
    "P300",
    "CVEP",
    "FilterBankCVEP",
    "FixedIntervalWindowsProcessing",
    "FilterBankFixedIntervalWindowsProcessing",
    "RestingStateToP300Adapter",
    "SpeechImagery",
    "fmri",
    "decoding",
)


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

    :func:`load_pipeline_file`, :func:`load_pipelines` and
    :func:`neuropipe.evaluation.fmri.load_pipeline_files` all return this one shape, a list
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
