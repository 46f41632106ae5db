"""Power spectra of epochs: Burg AR (HappyFeat default), Welch and multitaper.

The maths lives in plain functions (:func:`burg_ar`, :func:`psd_array`) vectorised over
epochs, channels and sliding windows; :class:`PSD` and :class:`BandPower` are thin
scikit-learn shells around them.

HappyFeat (Desbois et al. 2024) computes one Burg AR spectrum per 0.25 s window every
0.161 s (OpenViBE "AutoRegressive Coefficients" box, order 0.038 s, 1 Hz bins, DC removed,
linear power) and averages the windows of each trial; ``PSD()`` with its defaults does the
same.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import detrend as _scipy_detrend
from scipy.signal import welch
from sklearn.utils.validation import check_is_fitted

from neuropipe._docs import fill_doc, public_module
from neuropipe._validation import (
    _as_float_array,
    check_epochs,
    check_freq_range,
    check_option,
    check_positive_int,
    check_sfreq,
)
from neuropipe.features._base import EpochFeatures

__all__ = ["BANDS", "BandPower", "PSD", "burg_ar", "psd_array"]

#: Named frequency bands in Hz (inclusive limits) understood by :class:`BandPower`.
BANDS = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "mu": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "low_beta": (13.0, 20.0),
    "high_beta": (20.0, 30.0),
    "gamma": (30.0, 45.0),
}

_METHODS = ("burg", "welch", "multitaper")
_DETRENDS = ("constant", "linear", None)
# Window / step defaults in seconds per method: HappyFeat's OpenViBE settings for Burg,
# HappyFeat's Timeflux settings (1 / fres long segments, half overlap) for Welch.
_DEFAULT_WINDOW = {"burg": 0.25, "welch": None}
_DEFAULT_STEP = {"burg": 0.161, "welch": None}


def burg_ar(x, order):
    """Fit autoregressive models with Burg's method, vectorised over leading axes.

    Parameters
    ----------
    x : array-like, shape (..., n_times)
        Real finite signals, at least 1-D; every leading index is an independent signal.
    order : int
        Model order ``p`` (number of AR coefficients), ``1 <= p < n_times``.

    Returns
    -------
    a : ndarray, shape (..., order + 1)
        Prediction-error filter ``[1, a_1, ..., a_p]``: ``x[t] + sum_k a_k x[t-k] = e[t]``.
    sigma2 : ndarray, shape (...)
        Variance of the driving white noise ``e``.

    Notes
    -----
    Reflection coefficients minimise the summed forward and backward prediction errors
    (Burg 1975; Marple 1987, ch. 8), and the noise variance follows the Levinson
    recursion ``sigma2_m = (1 - k_m^2) sigma2_{m-1}``, starting from the mean square of
    ``x``, as in ``spectrum.arburg``. A signal with zero variance gets ``a = [1, 0, ...]``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.signal import lfilter
    >>> e = np.random.default_rng(0).standard_normal(5000)
    >>> x = lfilter([1.0], [1.0, -0.9], e)  # x[t] = 0.9 x[t-1] + e[t]
    >>> a, sigma2 = burg_ar(x, 1)
    >>> np.round(a, 2).tolist(), round(float(sigma2), 1)
    ([1.0, -0.9], 1.0)
    """
    if x is None:
        raise TypeError("x must be an array of signals of shape (..., n_times), got None.")
    x = _as_float_array(x, "x")
    if x.ndim == 0:
        raise ValueError(
            "x must be an array of signals of shape (..., n_times), got a scalar; pass the "
            "samples of at least one signal."
        )
    x = check_epochs(x, name="x", ndim=x.ndim)
    return _burg_ar(x, check_positive_int("order", order))


def _burg_ar(x, order):
    """:func:`burg_ar` on a checked float64 array (``psd_array`` checked the epochs)."""
    shape, n_times = x.shape[:-1], x.shape[-1]
    if order >= n_times:
        raise ValueError(
            f"The AR order ({order}) must be lower than the number of samples per signal "
            f"({n_times}); lower the order or use longer windows."
        )
    forward = np.ascontiguousarray(x).reshape(-1, n_times)
    backward = forward
    a = np.zeros((forward.shape[0], order + 1))
    a[:, 0] = 1.0
    sigma2 = np.einsum("ij,ij->i", forward, forward) / n_times
    for m in range(order):
        fwd, bwd = forward[:, 1:], backward[:, :-1]
        num = -2.0 * np.einsum("ij,ij->i", fwd, bwd)
        den = np.einsum("ij,ij->i", fwd, fwd) + np.einsum("ij,ij->i", bwd, bwd)
        k = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        forward = fwd + k[:, None] * bwd
        backward = bwd + k[:, None] * fwd
        a[:, : m + 2] += k[:, None] * a[:, m + 1 :: -1]
        sigma2 = sigma2 * (1.0 - k**2)
    return a.reshape(shape + (order + 1,)), sigma2.reshape(shape)


def _ar_spectrum(a, sigma2, freqs, sfreq):
    """One-sided power spectral density of AR models, shape ``a.shape[:-1] + (n_freqs,)``."""
    phase = 2 * np.pi * np.outer(np.arange(a.shape[-1]), freqs) / sfreq
    response = (a @ np.cos(phase)) ** 2 + (a @ np.sin(phase)) ** 2
    one_sided = np.where((freqs > 0) & (freqs < sfreq / 2), 2.0, 1.0)
    return sigma2[..., None] * one_sided / (sfreq * response)


def _samples(seconds, sfreq):
    return max(1, int(round(seconds * sfreq)))


def _order_samples(order, sfreq):
    """An int is a number of samples, a float a duration in seconds."""
    if isinstance(order, (int, np.integer)) and not isinstance(order, bool):
        return check_positive_int("order", order)
    try:
        seconds = float(order)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"'order' must be an int (samples) or a float (seconds), got {order!r}."
        ) from exc
    if not np.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"'order' must be positive, got {order!r}.")
    return _samples(seconds, sfreq)


def _check_windows(window, step, sfreq, n_times, fres):
    """Resolve window / step (seconds) to samples and check them against the epochs."""
    if window is None:
        window = 1.0 / fres
    if step is None:
        step = window / 2.0
    for name, value in (("window", window), ("step", step)):
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name!r} must be a positive duration in seconds, got {value}.")
    n_window, n_step = _samples(window, sfreq), _samples(step, sfreq)
    if n_window > n_times:
        raise ValueError(
            f"The window ({window} s = {n_window} samples) is longer than the epochs "
            f"({n_times} samples = {n_times / sfreq:g} s); use a shorter 'window' or "
            f"longer epochs."
        )
    return n_window, n_step


def _freq_grid(fmin, fmax, fres):
    lo = int(np.ceil(fmin / fres - 1e-9))
    hi = int(np.floor(fmax / fres + 1e-9))
    freqs = fres * np.arange(lo, hi + 1)
    if freqs.size == 0:
        raise ValueError(_no_bin_message(fmin, fmax, fres))
    return freqs


def _no_bin_message(fmin, fmax, fres):
    return (
        f"No frequency bin of width {fres:g} Hz lies between fmin={fmin} Hz and "
        f"fmax={fmax} Hz; widen the range or lower 'fres'."
    )


def _nfft(fres, sfreq, n_window):
    n_fft = int(round(sfreq / fres))
    if n_fft < n_window:
        raise ValueError(
            f"fres={fres} Hz is coarser than the resolution of {n_window}-sample windows "
            f"({sfreq / n_window:g} Hz); use fres <= {sfreq / n_window:g} or a shorter "
            f"'window'."
        )
    return n_fft


def _check_multitaper(n_times, sfreq, bandwidth):
    """Check the DPSS tapers MNE derives from the bandwidth fit in ``n_times`` samples.

    MNE uses ``int(2 * half_nbw)`` tapers with the normalised half-bandwidth
    ``half_nbw = bandwidth * n_times / (2 * sfreq)`` (4 by default), and scipy's DPSS needs
    ``0.5 <= half_nbw < n_times / 2`` for signals of more than one sample: epochs of at
    least 9 samples by default, ``sfreq / n_times <= bandwidth < sfreq`` otherwise.
    """
    if bandwidth is None:
        if 1 < n_times <= 8:
            raise ValueError(
                f"Epochs of {n_times} samples are too short for multitaper with the default "
                f"bandwidth ({8.0 * sfreq / n_times:g} Hz, 8 tapers): it needs at least 9 "
                f"samples; use longer epochs, a 'bandwidth' from {sfreq / n_times:g} Hz to "
                f"below {sfreq:g} Hz, or method='welch'."
            )
        return
    try:
        bandwidth = float(bandwidth)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"'bandwidth' must be a frequency in Hz or None, got {bandwidth!r}."
        ) from exc
    if not np.isfinite(bandwidth) or bandwidth <= 0:
        raise ValueError(f"'bandwidth' must be a positive frequency in Hz, got {bandwidth}.")
    if bandwidth * n_times / (2.0 * sfreq) < 0.5:
        raise ValueError(
            f"bandwidth={bandwidth:g} Hz is narrower than the frequency resolution of "
            f"{n_times}-sample epochs; use bandwidth >= {sfreq / n_times:g} Hz."
        )
    if n_times > 1 and bandwidth >= sfreq:
        raise ValueError(
            f"bandwidth={bandwidth:g} Hz is too wide for multitaper on {n_times}-sample "
            f"epochs: it must be below sfreq={sfreq:g} Hz; use a narrower 'bandwidth' or "
            f"method='welch'."
        )


def _detrend(X, detrend):
    if detrend is None:
        return X
    return _scipy_detrend(X, axis=-1, type=detrend)


def psd_array(
    X,
    sfreq,
    method="burg",
    fmin=1.0,
    fmax=None,
    fres=1.0,
    order=0.038,
    window=None,
    step=None,
    detrend="constant",
    bandwidth=None,
):
    """Power spectral density of epochs, one spectrum per epoch and channel.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Epochs.
    sfreq : float
        Sampling rate in Hz.
    method : 'burg' | 'welch' | 'multitaper'
        Spectral estimator. ``'burg'``: autoregressive spectra of sliding windows averaged
        per epoch (HappyFeat / OpenViBE). ``'welch'``: :func:`scipy.signal.welch` with Hann
        windows. ``'multitaper'``: :func:`mne.time_frequency.psd_array_multitaper` on the
        whole epoch (``normalization='full'``, a density like the other two).
    fmin, fmax : float | None
        Frequency range in Hz, both ends included; ``fmax=None`` is the Nyquist frequency.
    fres : float
        Bin width in Hz for ``'burg'`` (the AR spectrum is evaluated on a ``fres`` grid)
        and ``'welch'`` (FFT length ``sfreq / fres``, zero-padding short windows). The
        multitaper resolution is ``sfreq / n_times`` and ignores ``fres``.
    order : int | float
        Burg AR order: an int is a number of samples, a float a duration in seconds
        (HappyFeat: 0.038 s, i.e. ``round(0.038 * sfreq)`` samples). At most half the
        window length.
    window, step : float | None
        Sliding-window length and shift in seconds for ``'burg'`` (default 0.25 s and
        0.161 s) and ``'welch'`` (default ``1 / fres`` and half of it).
    detrend : 'constant' | 'linear' | None
        Trend removed from each window (each epoch for multitaper) before estimation.
    bandwidth : float | None
        Multitaper bandwidth in Hz (MNE default when None).

    Returns
    -------
    psd : ndarray, shape (n_epochs, n_channels, n_freqs)
        One-sided power spectral density in units²/Hz, linear scale.
    freqs : ndarray, shape (n_freqs,)
        Frequencies in Hz.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(480) / 160.0
    >>> X = np.sin(2 * np.pi * 12 * t)[None, None] + 0.1 * np.cos(2 * np.pi * 31 * t)
    >>> psd, freqs = psd_array(X, 160.0, method="welch", fmin=5, fmax=20)
    >>> float(freqs[np.argmax(psd[0, 0])])
    12.0
    """
    X = check_epochs(X)
    sfreq = check_sfreq(sfreq)
    method = check_option("method", method, _METHODS)
    detrend = check_option("detrend", detrend, _DETRENDS)
    fmin, fmax = check_freq_range(fmin, fmax, sfreq)
    if method == "multitaper":
        from mne.time_frequency import psd_array_multitaper

        _check_multitaper(X.shape[-1], sfreq, bandwidth)
        psd, freqs = psd_array_multitaper(
            _detrend(X, detrend),
            sfreq,
            fmin=fmin,
            fmax=fmax,
            bandwidth=bandwidth,
            normalization="full",
            remove_dc=False,
            verbose=False,
        )
        return psd, freqs
    fres = float(fres)
    if not np.isfinite(fres) or fres <= 0:
        raise ValueError(f"'fres' must be a positive bin width in Hz, got {fres}.")
    if window is None:
        window = _DEFAULT_WINDOW[method]
    if step is None:
        step = _DEFAULT_STEP[method]
    n_window, n_step = _check_windows(window, step, sfreq, X.shape[-1], fres)
    if method == "welch":
        if n_step > n_window:
            raise ValueError(
                f"Welch segments must overlap or touch: 'step' ({step} s) is longer than "
                f"'window' ({window} s); use step <= window."
            )
        n_fft = _nfft(fres, sfreq, n_window)
        freqs, psd = welch(
            X,
            fs=sfreq,
            window="hann",
            nperseg=n_window,
            noverlap=n_window - n_step,
            nfft=n_fft,
            detrend=detrend if detrend is not None else False,
            axis=-1,
        )
        keep = (freqs >= fmin - 1e-9) & (freqs <= fmax + 1e-9)
        if not keep.any():
            raise ValueError(_no_bin_message(fmin, fmax, sfreq / n_fft))
        return psd[..., keep], freqs[keep]
    n_order = _order_samples(order, sfreq)
    if n_order > n_window // 2:
        raise ValueError(
            f"The AR order ({n_order} samples) is too high for {n_window}-sample windows; "
            f"use order <= {n_window // 2} samples ({n_window // 2 / sfreq:g} s) or a "
            f"longer 'window'."
        )
    freqs = _freq_grid(fmin, fmax, fres)
    segments = np.lib.stride_tricks.sliding_window_view(X, n_window, axis=-1)[..., ::n_step, :]
    a, sigma2 = _burg_ar(_detrend(segments, detrend), n_order)
    psd = _ar_spectrum(a, sigma2, freqs, sfreq).mean(axis=-2)
    return psd, freqs


def _format_freq(freq):
    return f"{round(float(freq), 2):g}"


def _scale_free_power(X, power, log, name):
    """``power(X)`` (a spectrum: it grows with the square of the amplitude), computed on
    each epoch and channel divided by its largest absolute value and scaled back.

    ``power`` returns ``(values, extra)``. With ``log`` the result is
    ``log10(power(X / s)) + 2 log10(s)``, so that amplitudes of 1e-160, whose powers
    underflow float64, give the features of the same signal at 1 shifted by a constant,
    not the same value for every epoch. Without ``log``, epochs whose powers would fall
    below float64's smallest normal number are refused. A flat channel keeps power 0
    (log: the floor ``log10(tiny)``).
    """
    scale = np.max(np.abs(X), axis=-1, keepdims=True)
    flat = scale == 0
    scale[flat] = 1.0
    values, extra = power(X / scale)
    if log:
        with np.errstate(divide="ignore"):
            logs = np.log10(np.maximum(values, np.finfo(float).tiny)) + 2 * np.log10(scale)
        return np.where(flat | (values <= 0), np.log10(np.finfo(float).tiny), logs), extra
    small = ~flat & (scale < np.sqrt(np.finfo(float).tiny))
    if small.any():
        raise ValueError(
            f"{name}: X holds epochs with amplitudes down to {float(scale[small].min()):.3g}, "
            f"whose powers fall below float64's smallest normal number (2.2e-308), so every "
            f"such epoch would get the same features. Use log=True (scale-free), or rescale "
            f"X (e.g. x1e6 from volts to microvolts)."
        )
    return values * scale**2, extra


@public_module("neuropipe.features")
@fill_doc
class PSD(EpochFeatures):
    """Power spectral density features of epochs (HappyFeat's PSD, and more estimators).

    Parameters
    ----------
    %(sfreq)s
    method : 'burg' | 'welch' | 'multitaper'
        Spectral estimator, see :func:`psd_array`.
    fmin, fmax : float | None
        Frequency range in Hz (both included); ``fmax=None`` is the Nyquist frequency.
    fres : float
        Frequency bin width in Hz (Burg and Welch).
    order : int | float
        Burg AR order, in samples (int) or seconds (float).
    window, step : float | None
        Sliding window length and shift in seconds; None picks the method default.
    detrend : 'constant' | 'linear' | None
        Trend removed from each window before estimation.
    bandwidth : float | None
        Multitaper bandwidth in Hz.
    log : bool
        Return ``log10`` of the power instead of linear power.
    %(ch_names)s
    flatten : bool
        Return ``(n_epochs, n_channels * n_freqs)`` features (channel-major, the order of
        :meth:`get_feature_names_out`) for a classifier, instead of 3-D spectra.

    Attributes
    ----------
    freqs_ : ndarray, shape (n_freqs,)
        Frequencies of the output bins in Hz.
    ch_names_ : list of str
        Channel names.
    %(epochs_attributes)s

    Notes
    -----
    HappyFeat parity (OpenViBE scenario ``sc2-extract``): ``method='burg'``,
    ``order=0.038`` s, ``window=0.25``, ``step=0.161``, ``fres=1``, ``detrend='constant'``,
    ``log=False``, ``fmin=1``, ``fmax=None``; these are the defaults. HappyFeat also
    re-references to the common average beforehand, which is a preprocessing step here.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((4, 2, 480))
    >>> psd = PSD(sfreq=160.0, fmin=8, fmax=12, ch_names=["C3", "C4"]).fit(X)
    >>> psd.transform(X).shape
    (4, 2, 5)
    >>> psd.get_feature_names_out()[:3].tolist()
    ['C3_8Hz', 'C3_9Hz', 'C3_10Hz']
    """

    def __init__(
        self,
        sfreq=None,
        method="burg",
        fmin=1.0,
        fmax=None,
        fres=1.0,
        order=0.038,
        window=None,
        step=None,
        detrend="constant",
        bandwidth=None,
        log=False,
        ch_names=None,
        flatten=False,
    ):
        self.sfreq, self.method, self.fmin, self.fmax, self.fres = sfreq, method, fmin, fmax, fres
        self.order, self.window, self.step, self.detrend = order, window, step, detrend
        self.bandwidth, self.log, self.ch_names, self.flatten = bandwidth, log, ch_names, flatten

    def _psd(self, X):
        return _scale_free_power(
            X, lambda scaled: self._psd_of(scaled), self.log, type(self).__name__
        )

    def _psd_of(self, X):
        return psd_array(
            X,
            self.sfreq_,
            method=self.method,
            fmin=self.fmin,
            fmax=self.fmax,
            fres=self.fres,
            order=self.order,
            window=self.window,
            step=self.step,
            detrend=self.detrend,
            bandwidth=self.bandwidth,
        )

    def _fit(self, X):
        _, self.freqs_ = self._psd(X)

    def transform(self, X):
        """Compute the spectra.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        psd : ndarray, shape (n_epochs, n_channels, n_freqs)
            Power (log10 power if ``log``) at :attr:`freqs_`; shape
            ``(n_epochs, n_channels * n_freqs)`` if ``flatten``.
        """
        X = self._check_epochs(X)
        return self._output(self._psd(X)[0])

    def get_feature_names_out(self, input_features=None):
        """Names of the flattened features, channel-major: ``['C3_8Hz', 'C3_9Hz', ...]``.

        Parameters
        ----------
        input_features : None
            Ignored (the input is epochs, not named features).

        Returns
        -------
        names : ndarray of str, shape (n_channels * n_freqs,)
        """
        check_is_fitted(self)
        return np.asarray(
            [f"{ch}_{_format_freq(f)}Hz" for ch in self.ch_names_ for f in self.freqs_],
            dtype=object,
        )


def _resolve_bands(bands):
    if isinstance(bands, str):
        bands = [bands]
    if isinstance(bands, dict):
        items = list(bands.items())
    else:
        items = [(name, BANDS[check_option("bands", name, BANDS)]) for name in bands]
    if not items:
        raise ValueError("'bands' is empty; give at least one band, e.g. ('mu', 'beta').")
    for name, limits in items:
        lo, hi = (float(v) for v in limits)
        if not 0 <= lo < hi:
            raise ValueError(f"Band {name!r} must satisfy 0 <= low < high, got {limits}.")
    return [(str(name), float(lo), float(hi)) for name, (lo, hi) in items]


@public_module("neuropipe.features")
@fill_doc
class BandPower(EpochFeatures):
    """Mean power in named frequency bands (mu, beta, ...) per epoch and channel.

    Parameters
    ----------
    %(sfreq)s
    bands : sequence of str | dict
        Band names from :data:`BANDS` or a dict ``{name: (low_hz, high_hz)}``.
    method : 'burg' | 'welch' | 'multitaper'
        Spectral estimator (other settings are the :class:`PSD` defaults).
    log : bool
        Return ``log10`` of the band power.
    %(ch_names)s
    flatten : bool
        Return ``(n_epochs, n_channels * n_bands)`` features (channel-major, the order of
        :meth:`get_feature_names_out`), ready for a classifier such as LDA.

    Attributes
    ----------
    bands_ : list of (str, float, float)
        Resolved bands.
    ch_names_ : list of str
    %(epochs_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((4, 2, 480))
    >>> bp = BandPower(sfreq=160.0, bands=("mu", "beta"), ch_names=["C3", "C4"]).fit(X)
    >>> bp.transform(X).shape
    (4, 2, 2)
    >>> bp.get_feature_names_out().tolist()
    ['C3_mu', 'C3_beta', 'C4_mu', 'C4_beta']
    >>> BandPower(sfreq=160.0, flatten=True).fit_transform(X).shape
    (4, 4)
    """

    def __init__(
        self,
        sfreq=None,
        bands=("mu", "beta"),
        method="welch",
        log=False,
        ch_names=None,
        flatten=False,
    ):
        self.sfreq = sfreq
        self.bands = bands
        self.method = method
        self.log = log
        self.ch_names = ch_names
        self.flatten = flatten

    def _fit(self, X):
        """Resolve the bands and check them against the sampling rate."""
        self.bands_ = _resolve_bands(self.bands)
        self._band_power(X)

    def _band_power(self, X):
        return _scale_free_power(
            X, lambda scaled: (self._band_power_of(scaled), None), self.log, "BandPower"
        )[0]

    def _band_power_of(self, X):
        fmin = min(lo for _, lo, _ in self.bands_)
        fmax = max(hi for _, _, hi in self.bands_)
        psd, freqs = psd_array(X, self.sfreq_, method=self.method, fmin=fmin, fmax=fmax)
        out = np.empty(psd.shape[:2] + (len(self.bands_),))
        for i, (name, lo, hi) in enumerate(self.bands_):
            mask = (freqs >= lo - 1e-9) & (freqs <= hi + 1e-9)
            if not mask.any():
                raise ValueError(
                    f"Band {name!r} ({lo}-{hi} Hz) holds no frequency bin of the "
                    f"{self.method!r} spectrum; widen the band."
                )
            out[..., i] = psd[..., mask].mean(axis=-1)
        return out

    def transform(self, X):
        """Compute the band powers.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        power : ndarray, shape (n_epochs, n_channels, n_bands)
            Or ``(n_epochs, n_channels * n_bands)`` if ``flatten``.
        """
        X = self._check_epochs(X)
        return self._output(self._band_power(X))

    def get_feature_names_out(self, input_features=None):
        """Names of the flattened features, channel-major: ``['C3_mu', 'C3_beta', ...]``.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str, shape (n_channels * n_bands,)
        """
        check_is_fitted(self)
        return np.asarray(
            [f"{ch}_{name}" for ch in self.ch_names_ for name, _, _ in self.bands_],
            dtype=object,
        )
