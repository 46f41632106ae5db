"""Save and load fitted pipelines safely, with :mod:`skops.io` (never :mod:`pickle`).

A skops file describes each object by its type and state; loading rebuilds only objects
of trusted types, so opening a model file cannot run code hidden in it. skops trusts
Python builtins, numpy arrays and scikit-learn estimators; :data:`TRUSTED_TYPES` adds the
neuropipe, pyRiemann, nilearn, MNE and MOABB estimators our pipeline files use. This list is
explicit and reviewed: a type is on it only if its fitted state is plain data (arrays,
numbers, strings, other trusted estimators), so rebuilding it runs no code of the file's
choosing. A file holding any other type is refused unless the caller names that type in
``trusted``.

Examples
--------
>>> import numpy as np, tempfile, os
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
>>> from neuropipe.features import PSD
>>> from neuropipe.selection import R2Selector
>>> X = np.random.default_rng(0).standard_normal((20, 3, 160))
>>> y = np.repeat([0, 1], 10)
>>> pipe = make_pipeline(PSD(160.0, method="welch", fmin=8, fmax=30), R2Selector(k=2),
...                      LinearDiscriminantAnalysis()).fit(X, y)
>>> path = os.path.join(tempfile.mkdtemp(), "model.skops")
>>> _ = save(pipe, path)
>>> bool((load(path).predict(X) == pipe.predict(X)).all())
True
"""

from __future__ import annotations

import inspect
import os
import warnings
import zipfile
from pathlib import Path

import skops.io as sio
from sklearn.feature_selection import f_classif, mutual_info_classif
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Product, Sum, WhiteKernel
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    get_scorer,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.utils import Bunch
from skops.io.exceptions import UNTRUSTED_TYPE_REASONS, UntrustedTypesFoundException

from ._validation import DataFileError, RecordingArray, error_naming_path
from .discovery import all_estimators, all_splitters
from .selection import fisher_scores, r2_scores

__all__ = [
    "LEGACY_TYPES",
    "TRUSTED_TYPES",
    "UntrustedTypesError",
    "check_output_file",
    "load",
    "save",
    "untrusted_types",
]


def _path(obj) -> str:
    """The name skops records for a class or function: ``obj.__module__`` + its name."""
    return f"{obj.__module__}.{obj.__qualname__}"


#: scikit-learn objects that fitted models keep, besides estimators (which skops trusts):
#: the splitters, scorers and metrics of a fitted search (GridSearchCV), the score
#: functions of selectors, the kernels of a fitted GaussianProcessRegressor (DKF-GP) and the
#: named sub-estimators of a fitted VotingClassifier / StackingClassifier (a ``Bunch``).
#: skops records ``obj.__class__.__module__``, scikit-learn's private module
#: (``sklearn.model_selection._split.KFold``), so the names are derived from the objects
#: imported by their public paths, and follow scikit-learn when it moves them.
_SKLEARN_OBJECTS = (
    KFold,
    StratifiedKFold,
    ShuffleSplit,
    StratifiedShuffleSplit,
    GroupKFold,
    LeaveOneGroupOut,
    type(get_scorer("accuracy")),
    roc_auc_score,
    accuracy_score,
    balanced_accuracy_score,
    r2_score,
    f_classif,
    mutual_info_classif,
    ConstantKernel,
    Product,
    RBF,
    Sum,
    WhiteKernel,
    Bunch,
)

#: Third-party estimators our pipelines use (skops records these module paths; pyRiemann's
#: are its public ones), and what has no public path.
_OTHER_TYPES = (
    # the trees of a fitted HistGradientBoostingRegressor (arrays only, no code; private
    # to scikit-learn, with no public path to derive the name from)
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "numpy.dtype",  # SimpleImputer keeps the dtype it was fitted on (fMRI covariates)
    # pyRiemann
    "pyriemann.estimation.Covariances",
    "pyriemann.estimation.ERPCovariances",
    "pyriemann.estimation.XdawnCovariances",
    "pyriemann.estimation.Shrinkage",
    "pyriemann.tangentspace.TangentSpace",
    "pyriemann.tangentspace.FGDA",
    "pyriemann.classification.MDM",
    "pyriemann.classification.FgMDM",
    "pyriemann.classification.TSClassifier",
    "pyriemann.spatialfilters.CSP",
    "pyriemann.spatialfilters.Xdawn",
    "pyriemann.preprocessing.Whitening",
    # nilearn (kept by ConnectivityGraph)
    "nilearn.connectome.connectivity_matrices.ConnectivityMeasure",
    # MNE-Python and MOABB
    "mne.decoding.csp.CSP",
    "mne.decoding.csp.SPoC",
    "mne.decoding.transformer.Vectorizer",
    "moabb.pipelines.features.AugmentedDataset",
    "moabb.pipelines.features.ExtendedSSVEPSignal",
    "moabb.pipelines.features.LogVariance",
)


def _defining_module(cls) -> str | None:
    """The module whose source defines ``cls`` (that of the functions of its body)."""
    modules = {f.__module__ for f in vars(cls).values() if inspect.isfunction(f)}
    return modules.pop() if len(modules) == 1 else None


#: neuropipe's public estimators and splitters, ``(public path, class)`` (one discovery).
_OURS = (*all_estimators(), *all_splitters())

#: Deprecated paths, to be removed in 0.2: neuropipe's estimators and splitters named by
#: the module that defines them (``neuropipe.features.spectral.BandPower``), as models saved
#: before the classes named their public module (0.1.0.dev0 until 2026-12-07) recorded
#: them; a model saved again records the public path (``neuropipe.features.BandPower``).
LEGACY_TYPES = tuple(
    sorted(
        {
            f"{module}.{cls.__qualname__}"
            for path, cls in _OURS
            if (module := _defining_module(cls)) and f"{module}.{cls.__qualname__}" != path
        }
    )
)


#: Types trusted on top of skops' own defaults (builtins, numpy, scikit-learn estimators).
#: Reviewed: each is an estimator whose state is plain data (arrays, numbers, strings,
#: other trusted estimators), or a function used as a parameter. neuropipe's are every
#: public estimator and splitter that :mod:`neuropipe.discovery` finds, by the public path
#: it records (``neuropipe.features.PSD``), with the arrays that carry the recording
#: (:class:`~neuropipe._validation.RecordingArray`) and the selectors' score functions.
#: ``tests/test_persistence.py`` checks that every name still imports.
TRUSTED_TYPES = (
    *(path for path, _ in _OURS),
    *LEGACY_TYPES,
    _path(RecordingArray),  # an ndarray with channel names and rate
    _path(r2_scores),  # score functions of ScoreSelector
    _path(fisher_scores),
    *(_path(obj) for obj in _SKLEARN_OBJECTS),
    *_OTHER_TYPES,
)


class UntrustedTypesError(UntrustedTypesFoundException):
    """A model file holds types that are not trusted; it is refused (a ``TypeError``).

    Attributes
    ----------
    types : list of str
        The untrusted types, fully qualified.
    """

    def __init__(self, message: str, types):
        TypeError.__init__(self, message)
        self.types = list(types)


def _type_name(item) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, type) or callable(item):
        return f"{item.__module__}.{item.__qualname__}"
    raise TypeError(
        f"'trusted' must be a list of type names (str) or types, got an item {item!r} of "
        f"type {type(item).__name__}."
    )


def _extra_trusted(trusted) -> list[str]:
    if trusted is None:
        return []
    if isinstance(trusted, bool):
        raise TypeError(
            "'trusted' must be a list of the type names to trust, not a bool: trusting "
            "every type in a file would let it run arbitrary code. List the types that "
            "untrusted_types(path) reports, after checking where the file comes from."
        )
    if isinstance(trusted, (str, type)):
        trusted = [trusted]
    if not hasattr(trusted, "__iter__"):
        raise TypeError(f"'trusted' must be a list of type names (str) or types, got {trusted!r}.")
    return [_type_name(item) for item in trusted]


def _check_path(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"'path' must be a file path (str or Path), got {type(path).__name__}.")
    return Path(path)


def check_output_file(path) -> Path:
    """Check that a file can be written at ``path``, before any work is done.

    Parameters
    ----------
    path : str | Path
        Where a file (a model, a CSV table) will be written.

    Returns
    -------
    path : Path

    Raises
    ------
    IsADirectoryError
        If ``path`` is an existing folder.
    FileNotFoundError
        If its folder does not exist.
    NotADirectoryError
        If what should be its folder is a file.
    PermissionError
        If the folder (or an existing file at ``path``) is not writable.

    Examples
    --------
    >>> import tempfile
    >>> check_output_file(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    IsADirectoryError: Cannot write to '...': it is a folder; give a file name inside it, e.g. '.../model.skops'.
    """
    path = _check_path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"Cannot write to {str(path)!r}: it is a folder; give a file name inside it, "
            f"e.g. {str(path / 'model.skops')!r}."
        )
    folder = path.parent
    if not folder.exists():
        raise FileNotFoundError(
            f"Cannot write to {str(path)!r}: folder {str(folder)!r} does not exist; create "
            f"it first."
        )
    if not folder.is_dir():
        raise NotADirectoryError(
            f"Cannot write to {str(path)!r}: {str(folder)!r} is a file, not a folder."
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PermissionError(
            f"Cannot write to {str(path)!r}: permission denied; choose a folder you may write to."
        )
    return path


def untrusted_types(path, trusted=None) -> list[str]:
    """List the types in a model file that loading would refuse.

    Parameters
    ----------
    path : str | Path
        A file written by :func:`save` (or :func:`skops.io.dump`).
    trusted : list of (str | type) | None
        Extra types to consider trusted, besides :data:`TRUSTED_TYPES`.

    Returns
    -------
    names : list of str
        Fully qualified names of the untrusted types, sorted; empty if the file loads.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataFileError
        If the file is not a skops file, or is truncated or corrupt.
    """
    path = _check_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file not found: {str(path)!r}. Check the path.")
    allowed = set(TRUSTED_TYPES) | set(_extra_trusted(trusted))
    try:
        found = sio.get_untrusted_types(file=path)
    except Exception as exc:  # zipfile, JSON and schema errors of a damaged file
        raise DataFileError(
            f"{str(path)!r} is not a readable skops model file ({type(exc).__name__}: "
            f"{exc}); it is truncated or corrupt, or was not written by neuropipe.save. "
            f"Save the model again."
        ) from exc
    return sorted(set(found) - allowed)


def save(obj, path) -> Path:
    """Write a fitted pipeline (or any skops-serialisable object) to ``path``.

    The file is written next to ``path`` and moved into place, so an interrupted save
    never leaves a truncated model behind.

    Parameters
    ----------
    obj : estimator | dict | list
        What to save, typically a fitted :class:`sklearn.pipeline.Pipeline`.
    path : str | Path
        Destination, by convention ending in ``.skops``.

    Returns
    -------
    path : Path

    Raises
    ------
    OSError
        If ``path`` cannot be written (see :func:`check_output_file`), checked before
        serialising; no ``.part`` file is left behind on failure. An error while writing
        (a full disk) names ``path`` (``exc.filename``).

    Warns
    -----
    UserWarning
        If ``obj`` holds types outside :data:`TRUSTED_TYPES` and skops' defaults, which
        :func:`load` will refuse unless they are passed as ``trusted``.
    """
    path = check_output_file(path)
    try:
        data = sio.dumps(obj, compression=zipfile.ZIP_DEFLATED)
    except TypeError as exc:
        raise TypeError(
            f"{type(obj).__name__} cannot be saved with skops: {exc}. Only estimators and "
            f"containers of arrays, numbers and strings can be saved."
        ) from exc
    extra = sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
    if extra:
        warnings.warn(
            f"The saved object holds types that neuropipe.load refuses by default: {extra}. "
            f"Loading it will need load(path, trusted={extra!r}).",
            UserWarning,
            stacklevel=2,
        )
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:  # a full disk's error says only "No space left on device"
        raise error_naming_path(exc, path) from exc
    finally:  # nothing left behind if writing or moving failed
        tmp.unlink(missing_ok=True)
    return path


def load(path, trusted=None):
    """Load an object saved by :func:`save`, refusing files that hold untrusted types.

    Parameters
    ----------
    path : str | Path
        The model file.
    trusted : list of (str | type) | None
        Types to trust besides skops' defaults and :data:`TRUSTED_TYPES`, as fully
        qualified names (``"mypackage.module.MyEstimator"``) or the types themselves.
        Only add types whose code you trust and whose file comes from a source you trust.

    Returns
    -------
    obj : object
        The saved object (e.g. a fitted pipeline).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    UntrustedTypesError
        If the file holds types that are not trusted (a ``TypeError``); the message
        names them and how to trust them.
    DataFileError
        If the file is not a skops file, or is truncated or corrupt (a ``ValueError``).
    """
    extra = _extra_trusted(trusted)
    refused = untrusted_types(path, extra)
    if refused:
        notes = "".join(
            f" {name}: {UNTRUSTED_TYPE_REASONS[name]}"
            for name in refused
            if name in UNTRUSTED_TYPE_REASONS
        )
        raise UntrustedTypesError(
            f"Refusing to load {str(path)!r}: it holds types that are not trusted, "
            f"{refused}. Loading them could run code written by whoever made the file. If "
            f"you trust its source and these types, pass load(path, trusted={refused!r}) "
            f"(CLI: --trust {' --trust '.join(refused)}).{notes}",
            refused,
        )
    try:
        return sio.load(Path(path), trusted=[*TRUSTED_TYPES, *extra])
    except UntrustedTypesFoundException:
        raise
    except Exception as exc:  # a schema that lists trusted types but cannot be rebuilt
        raise DataFileError(
            f"{str(path)!r} could not be loaded ({type(exc).__name__}: {exc}); it is "
            f"corrupt or was saved with incompatible library versions. Save the model again."
        ) from exc
