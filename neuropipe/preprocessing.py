"""Transformers on epochs: MNE input, channel picking, band-pass, filter bank, band stacking.

Unit convention: every EEG estimator of neuropipe takes arrays in microvolts (as
:class:`neuropipe.io.EpochsData` and MOABB hold them) or ``mne.Epochs`` (volts, as MNE
stores them), which it multiplies by :data:`neuropipe._validation.EPOCHS_SCALE` (1e6), so
the same recording gives the same features either way. :class:`EpochsToArray` does that
conversion as a pipeline's first step, for steps of other libraries (pyRiemann, MNE's CSP)
that take arrays only; its ``scale`` makes another unit explicit.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfiltfilt
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from ._docs import fill_doc
from ._epochs import EpochsMixin
from ._input_checks import (
    amplitude_statistics,
    check_flat_channels,
    check_same_sfreq,
    check_unit_scale,
    log_variance,
)
from ._validation import (
    EPOCHS_SCALE,
    RecordingArray,
    as_epochs_array,
    check_ch_names,
    check_epochs,
    check_freq_range,
    check_n_channels,
    check_option,
    check_positive_int,
    check_sfreq,
    epochs_parts,
    recording_info,
)

__all__ = [
    "SENSORIMOTOR",
    "with_recording_info",
    "EpochsToArray",
    "PickChannels",
    "BandPass",
    "FilterBank",
    "stimulus_bands",
    "StackBands",
    "CommonAverageReference",
]


#: The 21 sensorimotor positions of the 10-10 system over the motor strip (FC5-FC6, C5-C6,
#: CP5-CP6), where left/right hand imagery desynchronises the mu and beta rhythms: what
#: ``PickChannels(picks=SENSORIMOTOR)`` keeps of whatever montage the data has.
SENSORIMOTOR = (
    "FC5 FC3 FC1 FCz FC2 FC4 FC6 C5 C3 C1 Cz C2 C4 C6 CP5 CP3 CP1 CPz CP2 CP4 CP6"
).split()


def _check_names_length(names, n_channels):
    if names is not None and len(names) != n_channels:
        raise ValueError(
            f"'ch_names' has {len(names)} names but X has {n_channels} channels; pass one "
            f"name per channel (e.g. epochs.ch_names), in the order of the channels."
        )


def with_recording_info(estimator, recording=None, *, ch_names=None, sfreq=None):
    """A clone of ``estimator`` told the channel names and rate of array input.

    Pipeline files leave the recording's facts to the data: every ``sfreq`` parameter
    left at None (``BandPower``, ``PSD``, ``FilterBank``, ``CCACorrelations``...) and the
    ``ch_names`` of :class:`EpochsToArray` and :class:`PickChannels` left at None are set
    here; steps given ``mne.Epochs`` read them from ``epochs.info``, but arrays carry
    none. ``neuropipe benchmark``, the evaluation protocols and ``neuropipe fit`` call it
    with the data they load (:class:`~neuropipe.io.EpochsData`).

    Parameters
    ----------
    estimator : estimator
        A pipeline or any estimator; it is not modified.
    recording : EpochsData | mne.Epochs | mne.Info | None
        Where the names and rate come from (``ch_names`` / ``sfreq`` attributes, or
        ``info``); the EEG channels of MNE objects.
    ch_names : list of str | None
        Channel names of the arrays, in order (instead of ``recording``'s).
    sfreq : float | None
        Sampling rate in Hz (instead of ``recording``'s).

    Returns
    -------
    estimator : estimator
        The clone, with the parameters it left at None set.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from neuropipe.features.spectral import BandPower
    >>> pipe = make_pipeline(EpochsToArray(), PickChannels(picks=["C3", "C4"]), BandPower())
    >>> filled = with_recording_info(pipe, ch_names=["C3", "Cz", "C4"], sfreq=160.0)
    >>> filled[1].ch_names, filled[2].sfreq, pipe[2].sfreq
    (['C3', 'Cz', 'C4'], 160.0, None)
    """
    if recording is not None:
        info = getattr(recording, "info", recording if hasattr(recording, "keys") else None)
        if info is not None:  # mne.Epochs / Raw / Info
            import mne

            picks = mne.pick_types(info, eeg=True, meg=False, exclude=[])
            names = [info["ch_names"][i] for i in picks] if len(picks) else info["ch_names"]
            rate = info["sfreq"]
        else:
            names, rate = getattr(recording, "ch_names", None), getattr(recording, "sfreq", None)
        ch_names = list(names) if ch_names is None and names is not None else ch_names
        sfreq = float(rate) if sfreq is None and rate is not None else sfreq
    estimator = clone(estimator)
    if not hasattr(estimator, "get_params"):
        return estimator
    params = estimator.get_params(deep=True)
    updates = {}
    for key, value in params.items():
        if value is not None:
            continue
        owner = params[key.rpartition("__")[0]] if "__" in key else estimator
        name = key.rpartition("__")[2]
        if name == "sfreq" and sfreq is not None:
            updates[key] = float(sfreq)
        elif name == "ch_names" and ch_names is not None:
            if isinstance(owner, (EpochsToArray, PickChannels)):
                updates[key] = list(ch_names)
    return estimator.set_params(**updates) if updates else estimator


def _channel_labels(estimator):
    if estimator.ch_names_ is not None:
        return list(estimator.ch_names_)
    return [f"channel {i}" for i in range(estimator.n_channels_)]


def _record_input(estimator, X, names):
    """Record on ``estimator`` what its transform checks new epochs against: channel names
    (``ch_names_``), samples per epoch (``n_times_``) and amplitudes (``amplitude_``) of the
    training epochs ``X`` (3-D or 4-D, validated); flat channels are refused."""
    _check_names_length(names, X.shape[1])
    estimator.ch_names_ = None if names is None else [str(c) for c in names]
    logvar = log_variance(X)
    check_flat_channels(logvar, _channel_labels(estimator), "X", action="fitting")
    estimator.n_times_, estimator.amplitude_ = X.shape[2], amplitude_statistics(logvar)
    estimator.amplitude_["ndim"] = X.ndim  # filter-bank (4-D) or plain (3-D) epochs


def _check_recording(estimator, names, sfreq):
    """Refuse channel names / a rate that ``X`` carries (mne.Epochs) unlike the fitted ones."""
    if names is not None and estimator.ch_names_ is not None:
        check_ch_names(estimator.ch_names_, names, context="of X")
    if sfreq is not None and estimator.sfreq_ is not None:
        check_same_sfreq(
            sfreq,
            estimator.sfreq_,
            "X",
            fitted=f"{type(estimator).__name__} was fitted",
            fix=f"resample the epochs (epochs.resample({estimator.sfreq_:g})) or fit the "
            f"pipeline on epochs at {sfreq:g} Hz.",
        )


def _check_amplitudes(estimator, X):
    """Refuse epochs of another length, in another unit or with flat channels."""
    check_n_channels(estimator, X, axis=2, unit="samples per epoch")
    if X.ndim != estimator.amplitude_["ndim"]:  # filtered vs unfiltered: not comparable
        return X
    logvar = log_variance(X)
    check_flat_channels(logvar, _channel_labels(estimator), "X")
    check_unit_scale(
        logvar,
        np.asarray(estimator.amplitude_["logvar_mean"]),
        "X",
        reference=f"those of the epochs {type(estimator).__name__} was fitted on",
        fix="arrays hold microvolts (mne.Epochs are converted): multiply volts by 1e6, or "
        "fit the pipeline on data in the unit you give it.",
    )
    return X


class EpochsToArray(EpochsMixin, TransformerMixin, BaseEstimator):
    """Turn ``mne.Epochs`` into a microvolt array, and refuse epochs unlike the fitted ones.

    The first step of neuropipe's shipped EEG pipelines, so that they take ``mne.Epochs``
    (e.g. MOABB's ``get_data(..., return_epochs=True)``) as well as the arrays of
    :class:`neuropipe.io.EpochsData`, with the same predictions; and so that a fitted
    pipeline, saved or not, checks what ``predict`` is given as ``neuropipe predict``
    checks a recording (:mod:`neuropipe._input_checks`, the same functions and words):

    - the channels: their number, and for ``mne.Epochs`` their names and order (the
      ``ch_names`` recorded at fit: from ``mne.Epochs`` or the parameter);
    - the sampling rate (``mne.Epochs``) and the samples per epoch (arrays, which carry no
      rate: another rate or window changes it);
    - the unit: a median amplitude more than 10 times that of the training epochs either
      way (volts given for microvolts is 1e-6) is refused;
    - flat channels (zero variance in half of the epochs or more) and NaN are refused;
    - channels marked bad in ``info['bads']`` of ``mne.Epochs`` are refused, at ``fit`` as
      at ``predict``, naming them and the fix (drop or interpolate them first), so that
      the recorded ``ch_names_`` never hold a channel the user marked unusable.

    Each refusal is one ``ValueError`` (a :class:`~neuropipe.DataFileError` for the unit
    and flat channels) naming the problem and the fix. 2-D input ``(n_samples,
    n_features)`` passes through unchecked but for its number of columns.

    Parameters
    ----------
    scale : float | None
        Factor applied to the volts of ``mne.Epochs``; default ``1e6`` (microvolts, the
        unit of neuropipe's and MOABB's arrays). Arrays are never scaled.
    ch_names : list of str | None
        Channel names of array input, in order (``mne.Epochs`` carry theirs; given both,
        they must agree). Set by :func:`with_recording_info`.
    sfreq : float | None
        Sampling rate of array input in Hz (``mne.Epochs`` carry theirs). Set by
        :func:`with_recording_info`.

    Attributes
    ----------
    n_channels_ : int
        Number of channels (second axis) seen in ``fit``.
    n_times_ : int | None
        Samples per epoch seen in ``fit`` (None for 2-D input).
    ch_names_ : list of str | None
        Channel names seen in ``fit`` (None when neither ``mne.Epochs`` nor ``ch_names``).
    sfreq_ : float | None
        Sampling rate seen in ``fit`` (None when unknown).
    amplitude_ : dict | None
        Per-channel mean and standard deviation of the log-variance of the training epochs
        (:func:`~neuropipe._input_checks.amplitude_statistics`) and their rank (``ndim``).

    Examples
    --------
    >>> import mne, numpy as np
    >>> info = mne.create_info(["C3", "C4"], 100.0, "eeg")
    >>> X = np.random.default_rng(0).normal(size=(3, 2, 50))
    >>> epochs = mne.EpochsArray(X * 1e-6, info, verbose="ERROR")
    >>> step = EpochsToArray().fit(epochs)
    >>> np.allclose(step.transform(epochs), X), step.ch_names_, step.sfreq_
    (True, ['C3', 'C4'], 100.0)
    >>> step.transform(X * 1e-6)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neuropipe._validation.DataFileError: X: its amplitudes are ... times those of the epochs EpochsToArray was fitted on ...
    >>> step.transform(epochs.copy().reorder_channels(["C4", "C3"]))
    Traceback (most recent call last):
    ...
    ValueError: Channels of X are in a different order than at fit time; reorder them (e.g. raw.reorder_channels(['C3', 'C4'])).
    """

    def __init__(self, scale=None, ch_names=None, sfreq=None):
        self.scale = scale
        self.ch_names = ch_names
        self.sfreq = sfreq

    def _as_array(self, X, reset):
        scale = EPOCHS_SCALE if self.scale is None else self.scale
        X = as_epochs_array(X, scale=scale)
        if not reset and isinstance(X, np.ndarray) and X.ndim >= 3:  # 2-D: scikit-learn's
            check_n_channels(self, X)
        return validate_data(
            self, X, reset=reset, allow_nd=True, ensure_all_finite=False, dtype=np.float64
        )

    def fit(self, X, y=None):
        names, sfreq = recording_info(X)
        if names is not None and self.ch_names is not None:
            check_ch_names(self.ch_names, names, context="of the mne.Epochs")
        if sfreq is not None and self.sfreq is not None:
            check_same_sfreq(
                sfreq,
                self.sfreq,
                "X",
                fitted="EpochsToArray was given sfreq",
                fix="set sfreq to match, or leave it at None: mne.Epochs carry their rate.",
            )
        X = self._as_array(X, reset=True)
        self.n_channels_ = X.shape[1] if X.ndim >= 2 else 1
        names = names if names is not None else self.ch_names
        self.ch_names_ = None if names is None else [str(c) for c in names]
        rate = sfreq if sfreq is not None else self.sfreq
        self.sfreq_ = None if rate is None else check_sfreq(rate)
        self.n_times_, self.amplitude_ = None, None
        if X.ndim in (3, 4):
            _record_input(self, check_epochs(X, ndim=X.ndim), self.ch_names_)
        return self

    def transform(self, X):
        check_is_fitted(self)
        _check_recording(self, *recording_info(X))
        X = self._as_array(X, reset=False)
        if self.n_times_ is None:
            return X
        X = _check_amplitudes(self, check_epochs(X, ndim=X.ndim))
        if self.ch_names_ is None and self.sfreq_ is None:
            return X
        return RecordingArray(X, ch_names=self.ch_names_, sfreq=self.sfreq_)

    def get_feature_names_out(self, input_features=None):
        """Pass the names through: the epochs' channels are unchanged.

        Lets ``pipeline[:k].get_feature_names_out()`` reach the feature step after it
        (``PSD``, ``Connectivity``...), which names its own features when given ``None``.
        """
        check_is_fitted(self)
        return None if input_features is None else np.asarray(input_features, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # 2-D input passes through; epochs are checked
        return tags


class PickChannels(EpochsMixin, TransformerMixin, BaseEstimator):
    """Keep channels of ``(n_epochs, n_channels, n_times)`` epochs by name, from any montage.

    The names to keep are resolved against the data's channels at ``fit``: those of
    ``mne.Epochs``, or ``ch_names`` for arrays (set from the recording by
    :func:`with_recording_info`, as ``neuropipe benchmark`` and ``neuropipe fit`` do).
    With ``min_channels``, ``picks`` is a wish list, e.g. :data:`SENSORIMOTOR`: the
    channels of it that the recording has are kept (in the order of ``picks``), and fewer
    than ``min_channels`` of them is an error naming what is missing.

    Parameters
    ----------
    ch_names : list of str | None
        Names of the channels of array input, in order (``mne.Epochs`` carry theirs).
    picks : list of str
        Channels to keep, in the output order.
    min_channels : int | None
        Least number of ``picks`` the data must have; None: all of them.

    Attributes
    ----------
    picks_ : list of str
        The channels kept.
    indices_ : ndarray of int
        Their indices in the input.
    n_channels_ : int
        Number of input channels seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)
    >>> picked = PickChannels(["C3", "Cz", "C4"], ["C4", "C3"]).fit_transform(X)
    >>> picked[0, :, 0].tolist(), picked.ch_names
    ([8.0, 0.0], ['C4', 'C3'])
    >>> PickChannels(["C3", "Cz", "C4"], SENSORIMOTOR, min_channels=3).fit(X).picks_
    ['C3', 'Cz', 'C4']
    """

    def __init__(self, ch_names=None, picks=None, min_channels=None):
        self.ch_names = ch_names
        self.picks = picks
        self.min_channels = min_channels

    def fit(self, X, y=None):
        names, _ = recording_info(X)
        X = self._fit_epochs(X)
        if names is None:
            names = self.ch_names
        if names is None:
            raise ValueError(
                "PickChannels picks channels by name, but X is an array without channel "
                "names; fit it on mne.Epochs, pass ch_names=[...], or give a whole pipeline "
                "the recording's names with with_recording_info(pipeline, epochs)."
            )
        names = [str(c) for c in names]
        if X.shape[1] != len(names):
            raise ValueError(f"X has {X.shape[1]} channels but 'ch_names' lists {len(names)}.")
        picks = [] if self.picks is None else [str(c) for c in self.picks]
        if len(picks) == 0:
            raise ValueError(f"'picks' is empty; give at least one channel name from {names}.")
        found = [c for c in picks if c in names]
        unknown = [c for c in picks if c not in names]
        if self.min_channels is None:
            if unknown:
                raise ValueError(f"Unknown channels {unknown}; 'ch_names' has {names}.")
        elif len(found) < check_positive_int("min_channels", self.min_channels):
            raise ValueError(
                f"X has {len(found)} of the {len(picks)} channels to pick {found}, fewer than "
                f"the {self.min_channels} this pipeline needs (its channels: {names}); give "
                f"the channels their 10-20 names (raw.rename_channels), or use a pipeline on "
                f"every channel."
            )
        self.picks_ = found
        self.indices_ = np.array([names.index(c) for c in found], dtype=int)
        self.ch_names_ = names
        return self

    def transform(self, X):
        names, sfreq = recording_info(X)
        X = self._check_epochs(X)
        if names is not None:  # mne.Epochs: picked by name, whatever their order
            check_ch_names(sorted(self.ch_names_), sorted(names), context="of X")
            X = X[:, [names.index(c) for c in self.picks_]]
        else:
            X = X[:, self.indices_]
        return RecordingArray(X, ch_names=self.picks_, sfreq=sfreq)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        if input_features is not None:
            check_ch_names(self.ch_names_, input_features)
        return np.asarray(self.picks_, dtype=object)


def _bandpass_sos(sfreq, l_freq, h_freq, order):
    l_freq, h_freq = check_freq_range(l_freq, h_freq, sfreq)
    nyquist = float(sfreq) / 2.0
    if l_freq == 0 and h_freq == nyquist:
        raise ValueError(
            f"l_freq=0 and h_freq={nyquist} Hz (the Nyquist frequency) filter nothing; raise "
            f"l_freq for a high-pass or lower h_freq below {nyquist} Hz for a low-pass."
        )
    if l_freq > 0 and h_freq < nyquist:
        return butter(order, [l_freq, h_freq], btype="bandpass", fs=sfreq, output="sos")
    if l_freq > 0:
        return butter(order, l_freq, btype="highpass", fs=sfreq, output="sos")
    return butter(order, h_freq, btype="lowpass", fs=sfreq, output="sos")


def _check_filter_length(X, sos, order):
    """Validate epochs and check they are longer than sosfiltfilt's edge padding."""
    X = check_epochs(X)
    # scipy.signal.sosfiltfilt pads each end with padlen samples and needs n_times > padlen
    n_zeros = min(int(np.sum(sos[:, 2] == 0)), int(np.sum(sos[:, 5] == 0)))
    padlen = 3 * (2 * len(sos) + 1 - n_zeros)
    if X.shape[-1] <= padlen:
        raise ValueError(
            f"X has {X.shape[-1]} samples per epoch, but a zero-phase filter of order {order} "
            f"needs more than {padlen} (its edge padding); use longer epochs, a lower "
            f"'order', or band-pass the continuous recording (read_epochs(l_freq=..., "
            f"h_freq=...))."
        )
    return X


class BandPass(EpochsMixin, TransformerMixin, BaseEstimator):
    """Zero-phase Butterworth band-pass of each epoch (filtering within the epoch).

    Prefer band-passing the continuous recording (``neuropipe.io.read_epochs(l_freq=...,
    h_freq=...)``), which has no edge effects; use this step when only epochs exist.

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz.
    l_freq, h_freq : float | None
        Band edges in Hz (``l_freq=0`` or None for a low-pass, ``h_freq=sfreq/2`` or None
        for a high-pass; not both).
    order : int
        Butterworth order (applied forward and backward). Epochs must be longer than the
        edge padding of :func:`scipy.signal.sosfiltfilt`, at most ``3 * (2 * n_sections +
        1)`` samples (27 for a band-pass of order 4).

    Attributes
    ----------
    sos_ : ndarray, shape (n_sections, 6)
        Second-order sections of the filter.
    n_channels_ : int
        Number of channels seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(400) / 200.0
    >>> X = np.stack([np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 60 * t)])[None]
    >>> out = BandPass(200.0, 8.0, 12.0).fit_transform(X)
    >>> np.round(out[0, :, 100:300].std(axis=-1) / X[0, :, 100:300].std(axis=-1), 2).tolist()
    [1.0, 0.0]
    """

    def __init__(self, sfreq, l_freq=8.0, h_freq=30.0, order=4):
        self.sfreq = sfreq
        self.l_freq = l_freq
        self.h_freq = h_freq
        self.order = order

    def fit(self, X, y=None):
        check_positive_int("order", self.order)
        self.sos_ = _bandpass_sos(self.sfreq, self.l_freq, self.h_freq, self.order)
        X = self._fit_epochs(as_epochs_array(X, sfreq=self.sfreq), rate=False)
        _check_filter_length(X, self.sos_, self.order)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = self._check_epochs(as_epochs_array(X, sfreq=self.sfreq))
        return sosfiltfilt(self.sos_, _check_filter_length(X, self.sos_, self.order), axis=-1)


def stimulus_bands(event_names, half_width=0.5):
    """MOABB's ``FilterBankSSVEP`` bands: ``(f - 0.5, f + 0.5)`` per frequency-named event.

    Parameters
    ----------
    event_names : iterable of str
        Event names (keys of ``mne.Epochs.event_id``, MOABB's ``dataset.event_id``); those
        that read as a number (``"13"``, ``"17.5"``) are stimulation frequencies in Hz, the
        others (``"rest"``) are left out, as MOABB does.
    half_width : float
        Half band width in Hz (MOABB: 0.5).

    Returns
    -------
    bands : list of (float, float)
        In the order of ``event_names`` (MOABB's order), duplicates removed.

    Examples
    --------
    >>> stimulus_bands(["13", "17", "21", "rest"])
    [(12.5, 13.5), (16.5, 17.5), (20.5, 21.5)]
    """
    freqs = [float(n) for n in event_names if str(n).replace(".", "", 1).isnumeric()]
    return [(f - half_width, f + half_width) for f in dict.fromkeys(freqs)]


def _mne_iir(X, sfreq, l_freq, h_freq, order):
    """Zero-phase IIR Butterworth of MNE (``filter_data(method="iir")``), MOABB's filter."""
    import mne

    nyquist = sfreq / 2.0
    return mne.filter.filter_data(
        X,
        sfreq,
        l_freq if l_freq > 0 else None,
        h_freq if h_freq < nyquist else None,
        method="iir",
        iir_params=dict(order=order, ftype="butter", output="sos"),
        verbose="ERROR",
    )


@fill_doc
class FilterBank(EpochsMixin, TransformerMixin, BaseEstimator):
    """Band-pass epochs in several bands: ``(n, C, T)`` -> ``(n, C, T, n_bands)``.

    Takes arrays (microvolts) or ``mne.Epochs``. Filter-bank epochs ``(n, C, T, n_bands)``
    are taken as filtered already (MOABB's ``FilterBankSSVEP`` arrays, filtered on the
    continuous recording) and returned unchanged, so a pipeline that starts with this step
    scores the paradigm's arrays exactly as one without it, and also takes ``mne.Epochs``.

    Filtering epochs is not filtering the recording: a filter rings at the epoch's edges
    (MNE estimates 6.5 s of ringing for a 12.5-13.5 Hz band at 256 Hz, longer than a 2 s
    epoch), where MOABB's paradigms filter the continuous recording and then cut the
    epochs, away from its edges. The same epochs
    filtered here therefore differ from MOABB's ``FilterBankSSVEP`` arrays, near the edges
    most; prefer filtering the recording (``neuropipe.io.read_epochs(filter_bank=...)``)
    when it exists (``docs/datasets.md`` measures the difference: FB-MDM 0.626 on epochs
    filtered here vs 0.708 on MOABB's arrays, 7 SSVEP subjects).

    Parameters
    ----------
    %(sfreq)s
    bands : list of (float, float) | None
        Band edges in Hz. None: MOABB's ``FilterBankSSVEP`` rule, ``(f - 0.5, f + 0.5)``
        around each stimulation frequency ``f``, read from the event names of the
        ``mne.Epochs`` given to ``fit`` (:func:`stimulus_bands`); arrays, which carry no
        event names, then need ``bands``.
    order : int
        Butterworth order, applied forward and backward.
    method : {"scipy", "mne"}
        ``"scipy"``: :func:`scipy.signal.butter` applied by
        :func:`scipy.signal.sosfiltfilt` (its padding of at most ``3 * (2 * n_sections +
        1)`` samples; epochs must be longer). ``"mne"``: :func:`mne.filter.filter_data`
        with ``method="iir"`` and ``iir_params=dict(order=order, ftype="butter",
        output="sos")``, with ``order=4`` MNE's default IIR filter, which MOABB's
        paradigms apply to the recording (``raw.filter(fmin, fmax, method="iir")``); MNE
        pads by the filter's estimated ringing (reflect-limited), capped at the epoch
        length minus one sample.

    Attributes
    ----------
    bands_ : list of (float, float) | None
        The bands (None when fitted on filter-bank epochs with ``bands=None``).
    sfreq_ : float | None
        The sampling rate used.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_bands_ : int
        Number of bands.
    filters_ : list of BandPass
        One fitted band-pass per band (``method="scipy"`` on epochs only).
    ch_names_, n_times_, amplitude_
        What ``transform`` checks new epochs against, as :class:`EpochsToArray` does (the
        first step of the filter-bank SSVEP pipelines): channel names and rate of
        ``mne.Epochs``, samples per epoch, unit and flat channels.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((2, 3, 256))
    >>> FilterBank(128.0, [(8, 12), (12, 30)]).fit_transform(X).shape
    (2, 3, 256, 2)

    The bands of MOABB's ``FilterBankSSVEP`` from the event names of ``mne.Epochs``, its
    filter design, and filter-bank arrays passed through:

    >>> import mne
    >>> info = mne.create_info(["O1", "Oz", "O2"], 128.0, "eeg")
    >>> events = np.array([[0, 0, 1], [300, 0, 2]])
    >>> epochs = mne.EpochsArray(X * 1e-6, info, events, event_id={"13": 1, "rest": 2},
    ...                          verbose="ERROR")
    >>> fb = FilterBank(bands=None, method="mne").fit(epochs)
    >>> fb.bands_, fb.sfreq_, fb.transform(epochs).shape
    ([(12.5, 13.5)], 128.0, (2, 3, 256, 1))
    >>> banked = np.random.default_rng(1).standard_normal((2, 3, 256, 1))
    >>> fb.transform(banked) is banked
    True
    """

    def __init__(self, sfreq=None, bands=((8.0, 12.0), (12.0, 30.0)), order=4, method="scipy"):
        self.sfreq = sfreq
        self.bands = bands
        self.order = order
        self.method = method

    @staticmethod
    def _as_array(X, sfreq):
        """(epochs or filter-bank epochs as an array, the mne.Epochs' rate or None)."""
        _, rate = recording_info(X)
        parts = epochs_parts(X)
        X = as_epochs_array(X, sfreq=sfreq)
        if parts:
            return check_epochs(X), rate
        try:
            ndim = np.ndim(X)
        except ValueError:  # ragged: check_epochs names the problem
            ndim = 3
        if rate is not None and sfreq is not None and not np.isclose(rate, float(sfreq)):
            raise ValueError(
                f"The epochs are sampled at {rate:g} Hz but the estimator was given "
                f"sfreq={sfreq}; resample the epochs or set sfreq to match (or to None)."
            )
        return check_epochs(X, ndim=4 if ndim == 4 else 3), rate

    def fit(self, X, y=None):
        check_option("method", self.method, ["scipy", "mne"])
        check_positive_int("order", self.order)
        parts = epochs_parts(X)
        ch_names, _ = recording_info(X)
        X, epochs_sfreq = self._as_array(X, self.sfreq)
        sfreq = self.sfreq if self.sfreq is not None else epochs_sfreq
        self.sfreq_ = None if sfreq is None else check_sfreq(sfreq)
        if self.bands is None:
            names = [name for part in parts for name in part.event_id]
            bands = stimulus_bands(names) if parts else None
            if parts and not bands:
                raise ValueError(
                    f"bands=None takes the bands from the stimulation frequencies that name "
                    f"the events, but no event of the mne.Epochs is named by a frequency "
                    f"(event_id keys {list(dict.fromkeys(names))}); name them by frequency "
                    f"('13', '17.5'), as MOABB's SSVEP datasets do, or pass bands=[...]."
                )
        else:
            bands = [tuple(band) for band in self.bands]
            if not bands:
                raise ValueError("'bands' is empty; give at least one (low, high) band.")
        self.bands_ = bands
        self.n_channels_ = self.n_features_in_ = X.shape[1]
        _record_input(self, X, ch_names)
        if X.ndim == 4:
            self.n_bands_ = X.shape[-1]
            self._check_banked(X)
            if bands is None or self.sfreq_ is None:
                return self  # filter-bank epochs only; 3-D ones are told what is missing
            X = X[..., 0]
        else:
            self._check_can_filter()
            self.n_bands_ = len(bands)
        for low, high in bands:  # the edges, as BandPass checks them
            _bandpass_sos(self.sfreq_, low, high, self.order)
        if self.method == "scipy":
            self.filters_ = [
                BandPass(self.sfreq_, low, high, self.order).fit(X) for low, high in bands
            ]
        return self

    def _check_banked(self, X):
        if self.bands_ is not None and X.shape[-1] != len(self.bands_):
            raise ValueError(
                f"X has {X.shape[-1]} bands (last axis) but the filter bank has "
                f"{len(self.bands_)} ({self.bands_}); pass epochs filtered in these bands."
            )
        if X.shape[-1] != self.n_bands_:
            raise ValueError(
                f"X has {X.shape[-1]} bands (last axis) but FilterBank was fitted on "
                f"{self.n_bands_}."
            )

    def _check_can_filter(self):
        if self.bands_ is None:
            raise ValueError(
                "FilterBank(bands=None) takes its bands from the event names of the "
                "mne.Epochs it is fitted on, and was fitted on arrays, which carry none; fit "
                "it on mne.Epochs, or pass bands=[...] (e.g. stimulus_bands(['13', '17']))."
            )
        if self.sfreq_ is None:
            raise ValueError(
                "Filtering arrays needs their sampling rate: pass sfreq=... (mne.Epochs "
                "carry theirs)."
            )

    def transform(self, X):
        check_is_fitted(self)
        _check_recording(self, *recording_info(X))
        X, _ = self._as_array(X, self.sfreq_)
        X = check_n_channels(self, X)
        if X.ndim == 4:
            self._check_banked(X)
            return _check_amplitudes(self, X)
        self._check_can_filter()
        X = _check_amplitudes(self, X)
        if self.method == "mne":
            return np.stack(
                [_mne_iir(X, self.sfreq_, low, high, self.order) for low, high in self.bands_],
                axis=-1,
            )
        return np.stack([f.transform(X) for f in self.filters_], axis=-1)


class StackBands(EpochsMixin, TransformerMixin, BaseEstimator):
    """Stack filter-bank bands as extra channels: ``(n, C, T, B)`` -> ``(n, B*C, T)``.

    The extended signal of Kalunga et al. (2016) whose covariance couples the bands,
    as MOABB's ``ExtendedSSVEPSignal`` (band-major channel order).

    Examples
    --------
    >>> import numpy as np
    >>> StackBands().fit_transform(np.zeros((5, 8, 100, 3))).shape
    (5, 24, 100)
    """

    _epochs_ndim = 4

    def fit(self, X, y=None):
        self._fit_epochs(X)
        return self

    def transform(self, X):
        X = self._check_epochs(X)
        n_epochs, n_channels, n_times, n_bands = X.shape
        return X.transpose(0, 3, 1, 2).reshape(n_epochs, n_bands * n_channels, n_times)


class CommonAverageReference(EpochsMixin, TransformerMixin, BaseEstimator):
    """Re-reference epochs to the common average: subtract the mean over channels.

    HappyFeat re-references to the common average before its spectra (OpenViBE
    ``sc2-extract``); channel-wise power features then reflect local activity rather than
    the reference electrode's.

    Attributes
    ----------
    n_channels_ : int
        Number of channels seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[1.0, 2.0], [3.0, 6.0]]])
    >>> CommonAverageReference().fit_transform(X)[0].tolist()
    [[-1.0, -2.0], [1.0, 2.0]]
    """

    def fit(self, X, y=None):
        self._fit_epochs(X)
        return self

    def transform(self, X):
        names, sfreq = recording_info(X)
        X = self._check_epochs(X)
        out = X - X.mean(axis=1, keepdims=True)
        return out if names is None and sfreq is None else RecordingArray(out, names, sfreq)
