"""What a fitted EEG model checks its new input against: rate, channels, unit, flat channels.

One set of checks for ``neuropipe predict`` (:mod:`neuropipe.clinical`, a recording
against its calibration) and for every pipeline's own ``predict`` / ``transform`` (the
first step, :class:`~neuropipe.preprocessing.EpochsToArray`, records at ``fit`` what it
saw and checks what it is given next), so that a model in a script refuses volts, another
rate, reordered or missing channels and dead electrodes with the same words as the
command line.

The amplitude statistics are per-channel log-variances over time: a unit error (volts for
microvolts) shifts every channel by the same ``2 * log(1e6)``, a flat channel is
``-inf``, a dead or disconnected one moves against the others.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._validation import DataFileError

__all__ = [
    "SCALE_LIMIT",
    "CHANNEL_LIMIT",
    "log_variance",
    "amplitude_statistics",
    "check_flat_channels",
    "check_unit_scale",
    "check_channel_amplitudes",
    "check_same_sfreq",
]

#: A recording is refused when its median amplitude (over epochs and channels) differs
#: from the calibration's by more than this factor, either way (a unit error: 1e6 for
#: volts read as microvolts). On EEGMMIDB runs 12 against runs 4 + 8 of the same
#: subject, the factor stays within 1.16 (6 subjects).
SCALE_LIMIT = 10.0
#: A channel is refused when its amplitude, relative to the other channels, differs
#: from the calibration's by more than this factor (flat / dead or disconnected channel).
#: EEGMMIDB runs 12 vs 4 + 8: within 1.54.
CHANNEL_LIMIT = 10.0


def log_variance(X):
    """Log-variance over time of each epoch and channel, (n_epochs, n_channels).

    Filter-bank epochs ``(n_epochs, n_channels, n_times, n_bands)``: mean over bands.
    A flat channel gives ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.stack([np.ones((2, 10)), np.tile([0.0, 2.0], (2, 5))])
    >>> log_variance(X).tolist()
    [[-inf, -inf], [0.0, 0.0]]
    """
    with np.errstate(divide="ignore"):
        logvar = np.log(np.var(X, axis=2))
    return logvar.mean(axis=-1) if logvar.ndim == 3 else logvar


def amplitude_statistics(logvar) -> dict:
    """Per channel, mean and standard deviation over epochs of ``log_variance``.

    Flat epochs (``-inf``) are left out of a channel's statistics; the standard deviation
    has a floor of 0.05, so that a channel steady over few epochs does not flag every new
    one.

    Examples
    --------
    >>> import numpy as np
    >>> amplitude_statistics(np.log([[1.0, 4.0], [1.0, 4.0]]))["logvar_mean"]
    [0.0, 1.3862943611198906]
    """
    finite = np.where(np.isfinite(logvar), logvar, np.nan)
    ddof = 1 if len(logvar) > 1 else 0
    with warnings.catch_warnings():  # an all-flat channel: "Mean of empty slice"
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(finite, axis=0)
        std = np.nanstd(finite, axis=0, ddof=ddof)
    return {
        "logvar_mean": np.nan_to_num(mean, nan=-np.inf).tolist(),
        "logvar_std": np.maximum(np.nan_to_num(std, nan=0.0), 0.05).tolist(),
    }


def check_flat_channels(logvar, names, source, *, action="predicting") -> None:
    """Refuse channels flat (zero variance) in at least half of the epochs.

    Parameters
    ----------
    logvar : ndarray, shape (n_epochs, n_channels)
        :func:`log_variance` of the epochs.
    names : list of str
        Channel names, for the message.
    source : str
        What the epochs are (``"X"``, ``"'S001R12.edf'"``).
    action : str
        What is refused (``"predicting"``, ``"fitting"``).

    Raises
    ------
    DataFileError
        Naming the channels and the fix.
    """
    dead = (~np.isfinite(logvar)).mean(axis=0) >= 0.5
    if dead.any():
        raise DataFileError(
            f"{source}: channel(s) {[names[i] for i in np.flatnonzero(dead)]} are flat (zero "
            f"variance) in at least half of its {len(logvar)} epochs: dead or disconnected "
            f"electrodes, so its epochs would be labelled from garbage. Fix the recording or "
            f"interpolate the channels (raw.interpolate_bads) before {action}."
        )


def check_unit_scale(logvar, mean, source, *, reference, fix) -> float:
    """Refuse epochs whose median amplitude is more than :data:`SCALE_LIMIT` times off.

    Parameters
    ----------
    logvar : ndarray, shape (n_epochs, n_channels)
        :func:`log_variance` of the new epochs.
    mean : ndarray, shape (n_channels,)
        Per-channel mean log-variance of the reference epochs.
    source : str
        What the new epochs are, for the message.
    reference : str
        What they are compared with (``"the calibration recordings"``).
    fix : str
        The fix the message ends with.

    Returns
    -------
    scale : float
        The median log-variance shift (0 for the same amplitude).

    Examples
    --------
    >>> import numpy as np
    >>> check_unit_scale(np.zeros((3, 2)) - 2 * np.log(1e6), np.zeros(2), "X",
    ...                  reference="those of the fit", fix="convert X to microvolts.")
    Traceback (most recent call last):
    ...
    neuropipe._validation.DataFileError: X: its amplitudes are 1e-06 times those of the fit (median over channels and epochs; at most 10 times either way is accepted). It is most likely in another unit (1e-06: volts given for microvolts, 1e+06 the reverse) or gain: convert X to microvolts.
    """
    with np.errstate(invalid="ignore"):
        shift = np.median(np.where(np.isfinite(logvar), logvar, np.nan), axis=0) - mean
    finite = shift[np.isfinite(shift)]
    scale = float(np.median(finite)) if finite.size else 0.0
    if abs(scale) > 2 * np.log(SCALE_LIMIT):
        raise DataFileError(
            f"{source}: its amplitudes are {np.exp(scale / 2):.3g} times {reference} "
            f"(median over channels and epochs; at most {SCALE_LIMIT:g} times either way is "
            f"accepted). It is most likely in another unit (1e-06: volts given for "
            f"microvolts, 1e+06 the reverse) or gain: {fix}"
        )
    return scale


def check_channel_amplitudes(logvar, mean, scale, names, source) -> None:
    """Refuse channels whose amplitude relative to the others moved by over
    :data:`CHANNEL_LIMIT` times since the calibration (dead, disconnected, noisy)."""
    relative = np.median(logvar, axis=0) - mean - scale
    odd = np.flatnonzero(np.abs(relative) > 2 * np.log(CHANNEL_LIMIT))
    if len(odd):
        detail = ", ".join(f"{names[i]} x{np.exp(relative[i] / 2):.3g}" for i in odd)
        raise DataFileError(
            f"{source}: channel amplitudes relative to the other channels differ from the "
            f"calibration's by more than {CHANNEL_LIMIT:g} times ({detail}): dead or flat "
            f"(below 1) or disconnected / noisy (above 1) electrodes. Fix them or interpolate "
            f"them (raw.interpolate_bads) before predicting, or calibrate again."
        )


def check_same_sfreq(sfreq, expected, source, *, fitted, fix) -> None:
    """Refuse a sampling rate other than ``expected``.

    Examples
    --------
    >>> check_same_sfreq(128.0, 160.0, "X", fitted="EpochsToArray was fitted",
    ...                  fix="resample it (epochs.resample(160)).")
    Traceback (most recent call last):
    ...
    ValueError: X is sampled at 128 Hz but EpochsToArray was fitted at 160 Hz; resample it (epochs.resample(160)).
    """
    if not np.isclose(float(sfreq), float(expected)):
        raise ValueError(
            f"{source} is sampled at {float(sfreq):g} Hz but {fitted} at {float(expected):g} "
            f"Hz; {fix}"
        )
