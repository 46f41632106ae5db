"""Input checks shared by every neuropipe estimator and loader.

One place, one wording: each error names the argument, what was expected, what was
given and, where there is one, the fix.  Estimators call these in ``fit`` /
``transform``; loaders call them on what they read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "DataFileError",
    "error_naming_path",
    "check_option",
    "numeric_columns",
    "check_epochs",
    "check_sfreq",
    "data_sfreq",
    "RecordingArray",
    "recording_info",
    "check_freq_range",
    "check_labels",
    "check_spd",
    "SPD_RTOL",
    "check_n_channels",
    "FITTED_COUNTS",
    "check_ch_names",
    "check_positive_int",
    "check_timeseries",
    "check_magnitude",
    "check_matrix",
    "check_array_input",
    "as_epochs_array",
    "epochs_parts",
    "EPOCHS_SCALE",
    "MemoryBudgetError",
    "memory_budget",
    "check_output_size",
]

#: Largest absolute value accepted in numeric input: squares and products of larger values
#: overflow float64 (EEG arrays hold microvolts, far below it).
MAX_ABS_VALUE = 1e100


class DataFileError(ValueError):
    """A data file is missing what was asked of it, or is truncated or corrupt."""


class MemoryBudgetError(ValueError):
    """An array that a step would allocate is larger than :func:`memory_budget`."""


#: Default of :func:`memory_budget`, in bytes.
MEMORY_BUDGET = 4 * 2**30


def _format_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024


def memory_budget() -> int:
    """Largest array, in bytes, a step allocates before refusing (:func:`check_output_size`).

    ``NEUROPIPE_MEMORY_BUDGET`` (bytes, or with a ``K``, ``M``, ``G`` or ``T`` suffix:
    ``"16G"``) overrides the default :data:`MEMORY_BUDGET` (4 GB).

    Examples
    --------
    >>> import os
    >>> os.environ["NEUROPIPE_MEMORY_BUDGET"] = "16G"
    >>> memory_budget() == 16 * 2**30
    True
    >>> del os.environ["NEUROPIPE_MEMORY_BUDGET"]
    """
    text = os.environ.get("NEUROPIPE_MEMORY_BUDGET", "").strip().upper()
    if not text:
        return MEMORY_BUDGET
    factor = 1024 ** ("KMGT".index(text[-1]) + 1) if text[-1] in "KMGT" else 1
    try:
        value = float(text.rstrip("KMGTB")) * factor
    except ValueError:
        value = -1
    if not value > 0:
        raise ValueError(
            f"NEUROPIPE_MEMORY_BUDGET must be a size in bytes such as 8000000000 or '8G', got "
            f"{os.environ['NEUROPIPE_MEMORY_BUDGET']!r}."
        )
    return int(value)


def check_output_size(shape, what: str, fix: str, *, itemsize: int = 8) -> None:
    """Refuse, before allocating it, an array larger than :func:`memory_budget`.

    Parameters
    ----------
    shape : tuple of int
        Shape of the array the step would allocate.
    what : str
        What the array is, e.g. ``"AugmentedCovariances' output"``.
    fix : str
        How to make it smaller (a parameter, or chunking).
    itemsize : int
        Bytes per value (8 for float64).

    Raises
    ------
    MemoryBudgetError
        Naming the size, the budget and the fix.

    Examples
    --------
    >>> check_output_size((10, 64, 64), "the covariances", "use a lower order")
    >>> check_output_size((100, 10**4, 10**4), "the covariances", "use a lower order")
    Traceback (most recent call last):
    ...
    neuropipe._validation.MemoryBudgetError: the covariances would take 74.5 GB ...
    """
    n_bytes = float(itemsize) * float(np.prod([float(n) for n in shape]))
    budget = memory_budget()
    if n_bytes > budget:
        dims = " x ".join(str(int(n)) for n in shape)
        raise MemoryBudgetError(
            f"{what} would take {_format_bytes(n_bytes)} ({dims} values), more than the memory "
            f"budget of {_format_bytes(budget)}; {fix} (or raise the budget with "
            f"NEUROPIPE_MEMORY_BUDGET, e.g. '16G', where the machine has the memory)."
        )


def _join_allowed(allowed: Sequence) -> str:
    items = [repr(a) for a in allowed]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def check_option(name: str, value, allowed: Iterable):
    """Return ``value`` if it is one of ``allowed``, else raise a ValueError naming both.

    Examples
    --------
    >>> check_option("method", "welch", ["welch", "burg"])
    'welch'
    """
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(
            f"Invalid value for the {name!r} parameter. Allowed values are "
            f"{_join_allowed(allowed)}, but got {value!r} instead."
        )
    return value


def numeric_columns(table, columns, *, what: str, fix: str, where=None) -> np.ndarray:
    """``columns`` of a DataFrame as float64 (NaN where missing); text where a number
    belongs is refused naming the column, the value, its row and the fix.

    Parameters
    ----------
    table : pandas.DataFrame
        The table (a phenotype table, ``X`` of the fMRI pipelines).
    columns : list of str
        Columns that must hold numbers; missing values (NaN, empty fields) are kept.
    what : str
        What the columns are, starting the message (``"Covariate"``).
    fix : str
        The fix the message ends with.
    where : callable | None
        Says where a row is from its index label (default ``"row <label>"``).

    Returns
    -------
    values : ndarray of float64, shape (n_rows, len(columns))

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"AGE": ["12.5", None, "twelve"]})
    >>> numeric_columns(table.iloc[:2], ["AGE"], what="Covariate", fix="fix it.").ravel()
    array([12.5,  nan])
    >>> numeric_columns(table, ["AGE"], what="Covariate", fix="fix it.")
    Traceback (most recent call last):
    ...
    ValueError: Covariate column 'AGE' holds text where numbers belong ('twelve' in row 2, 1 row(s) in all); fix it.
    """
    import pandas as pd

    cells = table[list(columns)]
    numeric = cells.apply(pd.to_numeric, errors="coerce")
    text = numeric.isna() & cells.notna()
    if text.to_numpy().any():
        column = text.any().idxmax()
        rows = cells.index[text[column]]
        place = f"row {rows[0]!r}" if where is None else where(rows[0])
        raise ValueError(
            f"{what} column {column!r} holds text where numbers belong "
            f"({cells.at[rows[0], column]!r} in {place}, {len(rows)} row(s) in all); {fix}"
        )
    return numeric.to_numpy(dtype=np.float64)


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name!r} must be an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name!r} must be an integer >= {minimum}, got {value}.")
    return int(value)


def _as_float_array(X, name: str) -> np.ndarray:
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got a {type(X).__name__}.")
    try:
        X = np.asarray(X)
    except Exception as exc:  # ragged lists, objects numpy cannot stack
        raise ValueError(f"{name} could not be converted to a numeric array: {exc}") from exc
    if X.dtype.kind == "c":
        raise ValueError(f"{name} must be real-valued, got complex dtype {X.dtype}.")
    if X.dtype.kind not in "biuf":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a numeric array, got dtype {X.dtype}.") from exc
    return X.astype(np.float64, copy=False)


#: The one unit convention of neuropipe's EEG estimators: arrays hold microvolts (as
#: ``EpochsData.X`` and MOABB's ``get_data``); an ``mne.Epochs`` (volts, as MNE stores
#: them) is multiplied by this factor on the way in, so both give the same features.
EPOCHS_SCALE = 1e6


def epochs_parts(X):
    """The ``mne.Epochs`` that ``X`` is: ``[X]``, the list cross-validation makes, or [].

    Parameters
    ----------
    X : object
        An ``mne.Epochs``, a non-empty list or tuple of them (scikit-learn's indexing of an
        ``mne.Epochs``), or anything else.

    Returns
    -------
    parts : list of mne.BaseEpochs
        Empty when ``X`` is not made of ``mne.Epochs`` (always when mne was never imported).

    Examples
    --------
    >>> epochs_parts([[1.0, 2.0]])
    []
    """
    mne = sys.modules.get("mne")  # no mne imported: X cannot be an mne object
    if mne is None:
        return []
    if isinstance(X, mne.BaseEpochs):
        return [X]
    if isinstance(X, (list, tuple)) and X and all(isinstance(p, mne.BaseEpochs) for p in X):
        return list(X)
    return []


def _refuse_bad_channels(names, bads) -> None:
    """Refuse epochs whose channels ``names`` (those a step would use) include ``bads``.

    Neither dropped nor kept silently: dropping them would fit a montage the recordings
    given to ``predict`` may not share, keeping them would fit on what the user marked as
    unusable; the choice (drop or interpolate) is the user's, made once on the epochs.

    Examples
    --------
    >>> _refuse_bad_channels(["C3", "C4"], ["EOG"])
    >>> _refuse_bad_channels(["C3", "C4"], ["C4"])
    Traceback (most recent call last):
    ...
    ValueError: Channel(s) ['C4'] of the mne.Epochs are marked bad (info['bads']) and would be used; drop them (epochs.drop_channels(epochs.info['bads'])) or interpolate them (epochs.interpolate_bads()) before fitting, and do the same to the epochs given to predict.
    """
    used = [c for c in names if c in set(bads)]
    if used:
        raise ValueError(
            f"Channel(s) {used} of the mne.Epochs are marked bad (info['bads']) and would be "
            f"used; drop them (epochs.drop_channels(epochs.info['bads'])) or interpolate them "
            f"(epochs.interpolate_bads()) before fitting, and do the same to the epochs given "
            f"to predict."
        )


def as_epochs_array(X, scale=None, sfreq=None):
    """Return the data of ``mne.Epochs`` as a microvolt array; anything else unchanged.

    Parameters
    ----------
    X : mne.BaseEpochs | list of mne.BaseEpochs | array-like
        Epochs; a list of ``mne.Epochs`` (same channels and length) is concatenated along
        the epochs, as scikit-learn's cross-validation indexes an ``mne.Epochs`` (a list
        of one-epoch ``Epochs``).
    scale : float | None
        Factor applied to MNE's volts; default :data:`EPOCHS_SCALE` (to microvolts).
    sfreq : float | None
        Sampling rate the caller expects; a mismatch with ``X.info["sfreq"]`` is an error.

    Returns
    -------
    X : ndarray | array-like
        The EEG channels (all channels when there is none) of the epochs times ``scale``.

    Raises
    ------
    ValueError
        If some of those channels are marked bad in ``info['bads']``, naming them and the
        fix (drop or interpolate them first): they are never used silently.

    Examples
    --------
    >>> import mne, numpy as np
    >>> info = mne.create_info(["C3", "C4"], 100.0, "eeg")
    >>> epochs = mne.EpochsArray(np.full((1, 2, 5), 2e-6), info, verbose="ERROR")
    >>> as_epochs_array(epochs)[0, :, 0].tolist()
    [2.0, 2.0]
    """
    parts = epochs_parts(X)
    if not parts:
        return X
    import mne

    arrays = []
    for part in parts:
        if sfreq is not None and not np.isclose(part.info["sfreq"], float(sfreq)):
            raise ValueError(
                f"The epochs are sampled at {part.info['sfreq']:g} Hz but the estimator was "
                f"given sfreq={sfreq}; resample the epochs or set sfreq to match."
            )
        picks = mne.pick_types(part.info, eeg=True, meg=False, exclude=[])
        if len(picks) == 0:
            picks = np.arange(len(part.ch_names))
        _refuse_bad_channels([part.ch_names[i] for i in picks], part.info["bads"])
        arrays.append(part.get_data(picks=picks))
    factor = EPOCHS_SCALE if scale is None else float(scale)
    data = arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=0)
    return data * factor


class RecordingArray(np.ndarray):
    """Epochs in microvolts that carry their channel names and sampling rate.

    What :class:`~neuropipe.preprocessing.EpochsToArray` returns for ``mne.Epochs`` (or
    when told the recording), so that the steps after it in a pipeline, which see arrays,
    still know the rate (``BandPower``, ``CCACorrelations``...) and the channels
    (``PickChannels``) of the data. Slices along the epochs and element-wise results of
    the same shape keep them; anything that changes the channels or samples drops them
    (back to a plain array, as does ``np.asarray``).

    Examples
    --------
    >>> import numpy as np
    >>> X = RecordingArray(np.zeros((4, 2, 10)), ch_names=["C3", "C4"], sfreq=100.0)
    >>> X[:2].sfreq, (X - 1.0).ch_names, X[:, :1].ch_names
    (100.0, ['C3', 'C4'], None)
    """

    def __new__(cls, X, ch_names=None, sfreq=None):
        out = np.asarray(X).view(cls)
        out.ch_names = None if ch_names is None else list(ch_names)
        out.sfreq = None if sfreq is None else float(sfreq)
        return out

    def __array_finalize__(self, obj):
        same = isinstance(obj, RecordingArray) and np.shape(obj)[1:] == self.shape[1:]
        self.ch_names = getattr(obj, "ch_names", None) if same else None
        self.sfreq = getattr(obj, "sfreq", None) if same else None

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """Results of another shape (means, reductions) are plain arrays."""
        out = super().__array_wrap__(array, context, return_scalar)
        if isinstance(out, RecordingArray) and out.shape[1:] != self.shape[1:]:
            return out.view(np.ndarray)
        return out


def recording_info(X):
    """``(channel names, rate)`` that ``X`` carries: ``mne.Epochs`` (their EEG channels) or a
    :class:`RecordingArray`; ``(None, None)`` for anything else.

    Examples
    --------
    >>> import numpy as np
    >>> recording_info(np.zeros((1, 2, 3)))
    (None, None)
    """
    parts = epochs_parts(X)
    if parts:
        import mne

        info = parts[0].info
        picks = mne.pick_types(info, eeg=True, meg=False, exclude=[])
        names = [info["ch_names"][i] for i in picks] if len(picks) else list(info["ch_names"])
        return names, float(info["sfreq"])
    if isinstance(X, RecordingArray):
        return X.ch_names, X.sfreq
    return None, None


def data_sfreq(sfreq, X, owner: str) -> float:
    """The sampling rate of ``X``: that of ``mne.Epochs`` or of a :class:`RecordingArray`,
    else ``sfreq``; else an error.

    Parameters
    ----------
    sfreq : float | None
        The estimator's ``sfreq`` parameter (None: take it from the data).
    X : mne.Epochs | list of mne.Epochs | array-like
        The input of ``fit``.
    owner : str
        The estimator's name, for the message.

    Examples
    --------
    >>> import numpy as np
    >>> data_sfreq(160, np.zeros((1, 2, 3)), "PSD")
    160.0
    >>> data_sfreq(None, np.zeros((1, 2, 3)), "PSD")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: PSD needs the sampling rate of array input: pass sfreq=..., fit it on mne.Epochs ...
    """
    _, rate = recording_info(X)
    if rate is not None:
        if sfreq is not None and not np.isclose(rate, float(sfreq)):
            raise ValueError(
                f"The epochs are sampled at {rate:g} Hz but the estimator was given "
                f"sfreq={sfreq}; resample the epochs or set sfreq to match (or to None)."
            )
        return rate
    if sfreq is None:
        raise ValueError(
            f"{owner} needs the sampling rate of array input: pass sfreq=..., fit it on "
            f"mne.Epochs (they carry theirs), or give a whole pipeline the recording's rate "
            f"with neuropipe.preprocessing.with_recording_info(pipeline, epochs)."
        )
    return check_sfreq(sfreq)


def check_epochs(
    X,
    *,
    name: str = "X",
    ndim: int = 3,
    min_times: int = 1,
    allow_nan: bool = False,
) -> np.ndarray:
    """Validate an array of epochs and return it as float64.

    Parameters
    ----------
    X : array-like, shape (n_epochs, n_channels, n_times)
        Epochs (or any array of rank ``ndim``).
    name : str
        Name of the argument, used in error messages.
    ndim : int
        Expected rank (3 for epochs, 4 for filter-bank epochs or connectivity).
    min_times : int
        Minimum length of the last axis.
    allow_nan : bool
        Whether NaN / inf are accepted.

    Returns
    -------
    X : ndarray of float64

    Examples
    --------
    >>> import numpy as np
    >>> check_epochs(np.zeros((2, 3, 10))).shape
    (2, 3, 10)
    """
    X = _as_float_array(as_epochs_array(X), name)
    if X.ndim != ndim:
        shapes = {
            2: "(n_samples, n_features)",
            3: "(n_epochs, n_channels, n_times)",
            4: "(n_epochs, n_channels, n_times, n_bands)",
        }
        hint = ""
        if ndim == 3 and X.ndim == 2:
            hint = " For a single epoch use X[np.newaxis]."
        raise ValueError(
            f"{name} must be a {ndim}-D array of shape {shapes.get(ndim, '')}, got "
            f"a {X.ndim}-D array of shape {X.shape}.{hint}"
        )
    if X.size == 0 or 0 in X.shape:
        raise ValueError(f"{name} is empty (shape {X.shape}); at least one epoch is required.")
    if X.shape[-1] < min_times:
        raise ValueError(
            f"{name} has {X.shape[-1]} samples per epoch, fewer than the {min_times} "
            f"required; use longer epochs (tmin/tmax) or shorter windows."
        )
    if not allow_nan and not np.all(np.isfinite(X)):
        n_bad = int(np.sum(~np.isfinite(X)))
        raise ValueError(
            f"{name} contains {n_bad} NaN or infinite value(s); remove or interpolate "
            f"bad segments before this step."
        )
    if not allow_nan:
        check_magnitude(X, name)
    return X


def check_magnitude(X, name: str = "X", bound: float = MAX_ABS_VALUE) -> np.ndarray:
    """Raise a ValueError when finite values of ``X`` exceed ``bound`` in magnitude.

    Squares and products of values above about 1e150 overflow float64, so spectra,
    covariances and scores would come out infinite or NaN without an error.

    Examples
    --------
    >>> import numpy as np
    >>> check_magnitude(np.ones(3)).shape
    (3,)
    >>> check_magnitude(np.array([1.0, -2e200, np.inf]))  # the largest finite magnitude
    Traceback (most recent call last):
    ...
    ValueError: X holds values up to 2e+200 in magnitude (more than 1e+100): wrong units or corrupt data; EEG arrays hold microvolts, rescale the data.
    """
    X = np.asarray(X)
    if X.size:
        if X.dtype.kind in "biuf":  # max |x| from the extremes: no copy of X (6x faster)
            finite = np.isfinite(X)
            values = X if finite.all() else X[finite]
            largest = max(float(values.max(initial=0)), -float(values.min(initial=0)))
        else:
            largest = float(np.max(np.abs(X[np.isfinite(X)]), initial=0.0))
        if largest > bound:
            raise ValueError(
                f"{name} holds values up to {largest:.3g} in magnitude (more than {bound:.0e}): "
                f"wrong units or corrupt data; EEG arrays hold microvolts, rescale the data."
            )
    return X


def check_matrix(X, name: str = "X", *, ndim: int = 2, allow_nan: bool = False) -> np.ndarray:
    """Convert ``X`` to a float64 array of rank ``ndim`` with a clear error.

    Call it before :func:`sklearn.utils.validation.validate_data`, which lets numpy's own
    conversion errors through for strings and ragged lists.

    Examples
    --------
    >>> check_matrix([[1, 2], [3, 4]]).dtype
    dtype('float64')
    """
    X = _as_float_array(X, name)
    if X.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array, got a {X.ndim}-D array of shape {X.shape}."
        )
    if not allow_nan and X.size and not np.all(np.isfinite(X)):
        raise ValueError(
            f"{name} contains {int(np.sum(~np.isfinite(X)))} NaN or infinite value(s); "
            f"remove or impute them before this step."
        )
    check_magnitude(X, name)
    return X


def check_sfreq(sfreq) -> float:
    """Return ``sfreq`` as a positive finite float."""
    try:
        value = float(sfreq)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"'sfreq' must be a number in Hz, got {sfreq!r}.") from exc
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"'sfreq' must be a positive sampling rate in Hz, got {sfreq!r}.")
    return value


def check_freq_range(fmin, fmax, sfreq) -> tuple[float, float]:
    """Check ``0 <= fmin < fmax <= sfreq / 2`` and return ``(fmin, fmax)``.

    ``fmax=None`` means the Nyquist frequency.
    """
    sfreq = check_sfreq(sfreq)
    nyquist = sfreq / 2.0
    fmin = 0.0 if fmin is None else _as_hz(fmin, "fmin")
    fmax = nyquist if fmax is None else _as_hz(fmax, "fmax")
    if fmin < 0:
        raise ValueError(f"'fmin' must be >= 0 Hz, got {fmin}.")
    if fmax > nyquist:
        raise ValueError(
            f"'fmax' ({fmax} Hz) is above the Nyquist frequency ({nyquist} Hz) for "
            f"sfreq={sfreq} Hz; lower fmax to at most {nyquist}."
        )
    if fmin >= fmax:
        raise ValueError(f"'fmin' ({fmin} Hz) must be lower than 'fmax' ({fmax} Hz).")
    return fmin, fmax


def check_labels(y, n_samples: int | None = None, *, min_per_class: int = 1, name: str = "y"):
    """Validate class labels: 1-D, matching length, at least two classes.

    Parameters
    ----------
    y : array-like, shape (n_samples,)
    n_samples : int | None
        Expected length (the number of epochs in X).
    min_per_class : int
        Minimum number of samples in every class (e.g. the number of CV folds).
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (n_samples,), got shape {y.shape}.")
    if n_samples is not None and y.shape[0] != n_samples:
        raise ValueError(
            f"X and {name} have different numbers of samples: {n_samples} and {y.shape[0]}."
        )
    try:
        classes, counts = np.unique(y, return_counts=True)
    except TypeError as exc:  # labels numpy cannot sort, e.g. a mix of str and int
        kinds = sorted({type(v).__name__ for v in y.ravel().tolist()})
        raise TypeError(
            f"{name} mixes label types {kinds} that cannot be compared; use labels of one "
            f"type (e.g. all str: np.asarray({name}).astype(str))."
        ) from exc
    if classes.size < 2:
        raise ValueError(
            f"{name} has a single class ({classes.tolist()}); classification needs at least "
            f"two classes."
        )
    small = {c: int(n) for c, n in zip(classes.tolist(), counts) if n < min_per_class}
    if small:
        raise ValueError(
            f"Classes {small} have fewer than {min_per_class} samples each; use fewer folds "
            f"or more trials."
        )
    return y


#: Relative tolerance of :func:`check_spd`: a matrix whose smallest eigenvalue is at most
#: this times its largest counts as singular.
SPD_RTOL = 1e-12


def check_spd(C, *, name: str = "C", tol: float = SPD_RTOL, reference=None, fix=None):
    """Check a symmetric positive definite matrix, or a stack of them.

    Parameters
    ----------
    C : array-like, shape (d, d) | (n_matrices, d, d)
        One matrix or a stack of matrices.
    name : str
        What ``C`` is, used in error messages (e.g. ``"The state covariance S"``).
    tol : float
        Relative tolerance: a matrix whose smallest eigenvalue is at most ``tol`` times its
        largest one (or the largest one of ``reference``, if that is larger) is singular.
        Asymmetry above ``1e-7`` of the largest entry is an error.
    reference : array-like, shape (e, e) | None
        The covariance of the data that ``C`` is a part of (e.g. of the states, for a
        process noise covariance): a ``C`` that vanishes next to it counts as singular,
        a 1 x 1 one included.
    fix : str | None
        The fix the errors suggest; by default a shrinkage covariance estimator.

    Returns
    -------
    C : ndarray of float64
        ``C``, same shape.

    Examples
    --------
    >>> import numpy as np
    >>> check_spd(np.eye(2)).shape
    (2, 2)
    >>> check_spd([[1.0, 2.0], [2.0, 1.0]], name="S", fix="drop collinear columns.")
    Traceback (most recent call last):
    ...
    ValueError: S is singular or not positive definite (eigenvalues from -1 to 3); drop collinear columns.
    """
    if fix is None:
        fix = "use a shrinkage estimator such as 'oas' or 'lwf', or regularise."
    C = _as_float_array(C, name)
    if C.ndim not in (2, 3) or C.shape[-1] != C.shape[-2]:
        raise ValueError(
            f"{name} must be a square matrix of shape (d, d) or a stack of shape "
            f"(n_matrices, d, d), got shape {C.shape}."
        )
    if C.size == 0:
        raise ValueError(f"{name} is empty (shape {C.shape}); it must hold at least one matrix.")
    if not np.all(np.isfinite(C)):
        raise ValueError(
            f"{name} contains {int(np.sum(~np.isfinite(C)))} NaN or infinite value(s); {fix}"
        )
    check_magnitude(C, name)
    stack = C.reshape((-1,) + C.shape[-2:])
    largest = np.max(np.abs(stack), axis=(1, 2))
    asym = np.max(np.abs(stack - np.swapaxes(stack, 1, 2)), axis=(1, 2))
    if np.any(asym > 1e-7 * largest):
        worst = float(np.max(asym / np.where(largest > 0, largest, 1.0)))
        raise ValueError(
            f"{name} is not symmetric (max relative asymmetry {worst:.2e}); symmetrise it, "
            f"e.g. (C + C.T) / 2."
        )
    eig = np.linalg.eigvalsh(stack)
    scale = eig[:, -1]
    against = ""
    if reference is not None:
        ref_max = float(np.linalg.eigvalsh(np.atleast_2d(reference))[-1])
        scale = np.maximum(scale, ref_max)
    bad = np.flatnonzero((eig[:, 0] <= tol * np.maximum(scale, 0.0)) | (eig[:, -1] <= 0))
    if bad.size:
        first = bad[0]
        if reference is not None:
            against = f", against a data variance of {scale[first]:.3g}"
        values = f"eigenvalues from {eig[first, 0]:.3g} to {eig[first, -1]:.3g}{against}"
        if C.ndim == 2:
            raise ValueError(f"{name} is singular or not positive definite ({values}); {fix}")
        raise ValueError(
            f"{name} is singular or not positive definite in {bad.size} of its {len(stack)} "
            f"matrices (first: index {first}, {values}); {fix}"
        )
    return C


#: What :func:`check_n_channels` counts, by the noun of its error: the fitted attribute
#: that holds the count seen in ``fit``, and the fix the error suggests.
FITTED_COUNTS = {
    "channels": ("n_channels_", "pick the same channels as at fit time"),
    "ROIs": ("n_rois_", "extract every subject with the same atlas as at fit time"),
    "frequencies": ("n_freqs_", "use the same frequencies as at fit time"),
    "samples per epoch": (
        "n_times_",
        "cut the same epoch window at the same sampling rate as at fit time",
    ),
}


def check_n_channels(estimator, X, *, axis: int = 1, unit: str = "channels"):
    """Raise if ``X`` has another number of channels than ``estimator`` was fitted on.

    The one check (and wording) of every neuropipe estimator whose input must keep the
    channels, ROIs, frequencies or epoch length seen in ``fit``.

    Parameters
    ----------
    estimator : estimator instance
        A fitted estimator holding the count seen in ``fit`` in the attribute named in
        :data:`FITTED_COUNTS` for ``unit``: ``n_channels_`` (EEG channels), ``n_rois_``
        (fMRI ROIs, graph nodes), ``n_freqs_`` or ``n_times_``.
    X : ndarray
        The input of ``transform`` / ``predict`` (for a list of subjects, its first one).
    axis : int
        The axis of ``X`` that counts ``unit``.
    unit : {"channels", "ROIs", "frequencies", "samples per epoch"}
        What the axis counts.

    Returns
    -------
    X : ndarray
        ``X`` itself.

    Examples
    --------
    >>> import numpy as np
    >>> class Fitted:
    ...     n_channels_ = 2
    >>> check_n_channels(Fitted(), np.zeros((1, 2, 10))).shape
    (1, 2, 10)
    >>> check_n_channels(Fitted(), np.zeros((1, 3, 10)))
    Traceback (most recent call last):
    ...
    ValueError: X has 3 channels but Fitted was fitted on 2; pick the same channels as at fit time.
    """
    attribute, fix = FITTED_COUNTS[unit]
    expected, got = getattr(estimator, attribute), np.shape(X)[axis]
    if got != expected:
        raise ValueError(
            f"X has {got} {unit} but {type(estimator).__name__} was fitted on {expected}; {fix}."
        )
    return X


def check_ch_names(expected: Sequence[str], got: Sequence[str], *, context: str = "") -> None:
    """Raise if channel lists differ, naming what is missing or extra and the fix."""
    expected, got = list(expected), list(got)
    if expected == got:
        return
    missing = [c for c in expected if c not in got]
    extra = [c for c in got if c not in expected]
    where = f" {context}" if context else ""
    if not missing and not extra:
        raise ValueError(
            f"Channels{where} are in a different order than at fit time; reorder them "
            f"(e.g. raw.reorder_channels({expected!r}))."
        )
    raise ValueError(
        f"Channels{where} do not match those used at fit time: missing {missing}, "
        f"unexpected {extra}. Pick the same channels (picks={expected!r})."
    )


def check_timeseries(X, *, name: str = "X", min_timepoints: int = 2) -> list[np.ndarray]:
    """Validate fMRI subjects: a list of ``(n_timepoints, n_rois)`` arrays, same ``n_rois``.

    Parameters
    ----------
    X : list of array-like, each shape (n_timepoints, n_rois) | ndarray, shape (n_subjects, n_timepoints, n_rois) | pandas.DataFrame
        One time-series array per subject (``n_timepoints`` may differ between subjects),
        or a DataFrame with a ``"timeseries"`` column holding them (other columns are
        ignored), as in ``neuropipe.datasets.load_abide().X``.
    name : str
        Name of the argument, used in error messages.
    min_timepoints : int
        Minimum number of time points per subject.

    Returns
    -------
    X : list of ndarray of float64, each shape (n_timepoints, n_rois)

    Examples
    --------
    >>> import numpy as np
    >>> [x.shape for x in check_timeseries([np.ones((5, 3)), np.zeros((4, 3))])]
    [(5, 3), (4, 3)]
    """
    if hasattr(X, "columns"):
        if "timeseries" not in X.columns:
            raise ValueError(
                f"{name} is a DataFrame without a 'timeseries' column; pass a list of "
                f"(n_timepoints, n_rois) arrays or a DataFrame such as load_abide().X."
            )
        X = X["timeseries"]
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 2:
            raise ValueError(
                f"{name} must be a list of (n_timepoints, n_rois) arrays, one per subject, "
                f"got a single 2-D array of shape {X.shape}. For one subject use [{name}]."
            )
        if X.ndim != 3:
            raise ValueError(
                f"{name} must be a list of (n_timepoints, n_rois) arrays or a 3-D array of "
                f"shape (n_subjects, n_timepoints, n_rois), got shape {X.shape}."
            )
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
        raise TypeError(
            f"{name} must be a list of (n_timepoints, n_rois) arrays, got {type(X).__name__}."
        )
    subjects = [_as_float_array(x, f"{name}[{i}]") for i, x in enumerate(list(X))]
    if not subjects:
        raise ValueError(f"{name} is empty; at least one subject is required.")
    for i, x in enumerate(subjects):
        if x.ndim != 2:
            raise ValueError(
                f"{name}[{i}] has shape {x.shape}; each subject must be a 2-D array of "
                f"shape (n_timepoints, n_rois)."
            )
        if x.shape[0] < min_timepoints:
            raise ValueError(
                f"{name}[{i}] has {x.shape[0]} time point(s); at least {min_timepoints} are "
                f"needed to estimate connectivity."
            )
        if x.shape[1] != subjects[0].shape[1]:
            raise ValueError(
                f"Subjects have different numbers of ROIs: {name}[0] has "
                f"{subjects[0].shape[1]}, {name}[{i}] has {x.shape[1]}. Extract every "
                f"subject with the same atlas."
            )
        if not np.all(np.isfinite(x)):
            rois = np.flatnonzero(~np.all(np.isfinite(x), axis=0)).tolist()
            raise ValueError(
                f"{name}[{i}] contains NaN or infinite values in ROI column(s) {rois}; "
                f"interpolate or drop the bad time points (or ROIs, for every subject) first."
            )
    return subjects


def _as_hz(value, name: str) -> float:
    """Return ``value`` as a finite float, else raise naming the parameter."""
    try:
        value = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name!r} must be a frequency in Hz (a number), got {value!r}.") from exc
    if not np.isfinite(value):
        raise ValueError(f"{name!r} must be a finite frequency in Hz, got {value}.")
    return value


def check_array_input(X, name: str = "X", *, ndim=2):
    """Run :func:`check_matrix` on ``X`` before scikit-learn's ``validate_data``.

    ``ndim`` is the expected rank, or a tuple of accepted ranks (``(1, 2)`` for targets).
    Returns ``X`` itself, so that ``validate_data`` still records a DataFrame's column
    names. ``None``, sparse matrices, complex arrays and arrays of another rank are left
    to ``validate_data``, whose errors for them are clear ("Reshape your data...") and
    are what scikit-learn's estimator checks expect. Objects that are not numbers (a dict
    in an object array) raise a TypeError.

    Examples
    --------
    >>> import numpy as np
    >>> check_array_input(np.ones((2, 3))).shape
    (2, 3)
    >>> check_array_input([1.0, 2.0], "y", ndim=(1, 2))
    [1.0, 2.0]
    """
    from scipy.sparse import issparse

    if X is None or issparse(X) or (isinstance(X, np.ndarray) and X.dtype.kind == "c"):
        return X
    try:
        values = _as_float_array(X, name)
    except ValueError as exc:
        if isinstance(exc.__cause__, TypeError):
            raise TypeError(f"{exc} ({exc.__cause__})") from exc
        raise
    if values.ndim in ((ndim,) if isinstance(ndim, int) else tuple(ndim)):
        check_matrix(values, name, ndim=values.ndim)
    if getattr(X, "dtype", None) is not None and X.dtype.kind in "USO":
        # numbers written as text go on as numbers: validate_data converts only object
        # targets, and numpy would fail on text later in its own words
        return values
    return X


def error_naming_path(exc: OSError, path) -> OSError:
    """The error of writing ``path``, naming it (a full disk's says only "No space left on
    device", without the file).

    Parameters
    ----------
    exc : OSError
        The error raised while writing.
    path : str | Path
        The file being written.

    Returns
    -------
    error : OSError
        ``exc`` itself when it already names a file, else the same error naming ``path``.

    Examples
    --------
    >>> import errno
    >>> error_naming_path(OSError(errno.ENOSPC, "No space left on device"), "out/model.skops")
    OSError(28, 'No space left on device')
    >>> str(_)
    "[Errno 28] No space left on device: 'out/model.skops'"
    """
    if exc.filename is not None:
        return exc
    return OSError(exc.errno, exc.strerror or str(exc), str(path))
