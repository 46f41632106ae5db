"""Per-epoch spectral connectivity (coherence, imaginary coherence, PLV, PLI, wPLI) and
node strength, HappyFeat's functional-connectivity feature.

Each epoch is cut into sliding Hann-tapered windows (HappyFeat: 0.25 s every 0.161 s);
the windows of one epoch play the role that epochs play in
:func:`mne_connectivity.spectral_connectivity_epochs` with ``mode='fourier'``, so
``spectral_connectivity(X)[i]`` equals that function applied to the windows of epoch
``i``. Here all epochs, channel pairs and frequencies are computed at once with batched real
matrix products instead of one call per epoch.
"""

from __future__ import annotations

import numpy as np
from scipy.fft import rfftfreq
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from neuropipe._docs import fill_doc, public_module
from neuropipe._validation import (
    _as_float_array,
    check_epochs,
    check_freq_range,
    check_n_channels,
    check_option,
    check_output_size,
    check_sfreq,
)
from neuropipe.features._base import EpochFeatures
from neuropipe.features.spectral import (
    _check_windows,
    _format_freq,
    _nfft,
    _no_bin_message,
)

__all__ = ["METRICS", "Connectivity", "NodeStrength", "node_strength", "spectral_connectivity"]

#: Connectivity metrics understood by :func:`spectral_connectivity`.
METRICS = ("coh", "imcoh", "abs_imcoh", "plv", "pli", "wpli")


#: Floor of the working-memory budget of :func:`spectral_connectivity` (bytes); above it,
#: the budget is the size of the input, so the peak stays near twice the input plus the output.
_MIN_BLOCK_BYTES = 32 * 2**20


def _dft_matrix(n_window, bins, n_fft):
    """Hann-tapered DFT matrix of the kept bins that also removes each window's mean.

    Returns
    -------
    dft : ndarray, shape (n_window, 2 * n_bins)
        ``segments @ dft`` gives the real parts then the imaginary parts of the
        ``n_fft``-point transform of the demeaned, tapered windows (``scipy.fft.rfft``
        sign convention).
    """
    phase = 2 * np.pi * np.outer(np.arange(n_window), bins) / n_fft
    dft = np.hanning(n_window)[:, None] * np.concatenate([np.cos(phase), -np.sin(phase)], 1)
    dft -= dft.mean(axis=0)  # (x - mean(x)) @ dft == x @ (dft - mean over samples)
    return dft


def _window_spectra(X, dft, n_window, n_step):
    """Fourier coefficients of the sliding windows of ``X`` at the bins of ``dft``.

    Returns
    -------
    re, im : ndarray, shape (n_epochs, n_freqs, n_channels, n_windows)
        Real and imaginary parts.
    """
    segments = np.lib.stride_tricks.sliding_window_view(X, n_window, axis=-1)[..., ::n_step, :]
    coefs = (segments @ dft).transpose(0, 3, 1, 2)  # (n_epochs, 2 * n_freqs, C, n_windows)
    re, im = np.split(coefs, 2, axis=1)
    return np.ascontiguousarray(re), np.ascontiguousarray(im)


def _unit_scale(X):
    """Divide each channel of each epoch by its largest absolute value (0 stays 0).

    Every metric here is invariant to a positive scale per channel, so this changes
    nothing but rounding, and keeps products of powers (``S_ii S_jj``, fourth powers of the
    samples) inside the float64 range for data at 1e-155 or 1e+150.
    """
    scale = np.max(np.abs(X), axis=-1, keepdims=True)
    scale[scale == 0] = 1.0
    return X / scale


def _t(a):
    return np.swapaxes(a, -1, -2)


def _cross_spectral_metric(re, im, metric):
    """coh / imcoh / abs_imcoh / plv from window-averaged cross-spectra.

    With ``z = re + 1j * im``, the window-averaged cross-spectrum is
    ``S_ij = mean_w z_iw conj(z_jw)``; its imaginary part is ``(M - M.T) / W`` with
    ``M = im @ re.T`` and its real part ``[re, im] @ [re, im].T / W``: real batched
    products, which stay fast when BLAS threads compete for few cores.
    """
    if metric == "plv":
        magnitude = np.hypot(re, im)
        magnitude[magnitude == 0] = 1.0
        re, im = re / magnitude, im / magnitude
        del magnitude
    n_windows = re.shape[-1]
    value = im @ _t(re)
    value -= _t(value).copy()
    value /= n_windows  # imaginary part of the cross-spectrum
    if metric in ("coh", "plv"):
        stacked = np.concatenate([re, im], axis=-1)
        real = stacked @ _t(stacked)
        del stacked
        real /= n_windows
        np.hypot(real, value, out=value)
        del real
        if metric == "plv":
            return value
    power = np.einsum("...w,...w->...", re, re) + np.einsum("...w,...w->...", im, im)
    norm = power[..., :, None] * power[..., None, :]
    np.sqrt(norm, out=norm)
    norm /= n_windows
    np.divide(value, norm, out=value, where=norm > 0)
    value[norm <= 0] = 0.0
    return np.abs(value, out=value) if metric == "abs_imcoh" else value


def _phase_lag_loops(re, im, weighted):
    """pli (``weighted=False``) or wpli of every channel pair, as plain loops.

    Parameters
    ----------
    re, im : ndarray, shape (n_rows, n_windows, n_channels)
        Window coefficients, windows before channels (contiguous).

    Compiled with numba when it is installed (:func:`_compiled_phase_lag`): the inner loop
    runs over channels ``j > i`` of one window, so it vectorises.
    """
    n_rows, n_windows, n_channels = re.shape
    out = np.zeros((n_rows, n_channels, n_channels))
    total = np.empty(n_channels)
    size = np.empty(n_channels)
    for p in range(n_rows):
        for i in range(n_channels - 1):
            total[:] = 0.0
            size[:] = 0.0
            for w in range(n_windows):
                im_i, re_i = im[p, w, i], re[p, w, i]
                for j in range(i + 1, n_channels):
                    cross = im_i * re[p, w, j] - re_i * im[p, w, j]  # Im(z_i conj(z_j))
                    if weighted:
                        total[j] += cross
                        size[j] += abs(cross)
                    else:
                        total[j] += (cross > 0.0) * 1.0 - (cross < 0.0) * 1.0
            for j in range(i + 1, n_channels):
                if weighted:
                    value = abs(total[j]) / size[j] if size[j] > 0 else 0.0
                else:
                    value = abs(total[j]) / n_windows
                out[p, i, j] = value
                out[p, j, i] = value
    return out


_COMPILED = {}


def _compiled_phase_lag():
    """:func:`_phase_lag_loops` compiled with numba (once per process), or None without it."""
    if "kernel" not in _COMPILED:
        try:
            import numba
        except ImportError:  # optional: pip install "neuropipe[fast]"
            _COMPILED["kernel"] = None
        else:
            _COMPILED["kernel"] = numba.njit(nogil=True)(_phase_lag_loops)
    return _COMPILED["kernel"]


def _phase_lag_metric(re, im, metric):
    """pli / wpli from the imaginary part of every window's cross-spectrum.

    With numba installed, compiled loops (:func:`_phase_lag_loops`, 3x to 5x faster at 128
    channels). Otherwise numpy: ``Im(z_i conj(z_j)) = im_i re_j - re_i im_j`` per window for
    one channel against all later ones at a time (the metrics are symmetric), over a few
    (epoch, frequency) rows at a time so that the temporaries stay in the CPU cache, with
    windows before channels so that the window sums add contiguous rows; the wPLI
    numerator ``|sum_w Im(z_i conj(z_j))|`` comes from two batched matrix products.
    """
    n_epochs, n_freqs, n_channels, n_windows = re.shape
    re = np.ascontiguousarray(np.swapaxes(re.reshape(-1, n_channels, n_windows), 1, 2))
    im = np.ascontiguousarray(np.swapaxes(im.reshape(-1, n_channels, n_windows), 1, 2))
    kernel = _compiled_phase_lag()
    if kernel is not None:
        out = kernel(re, im, metric == "wpli")
        return out.reshape(n_epochs, n_freqs, n_channels, n_channels)
    out = np.zeros((len(re), n_channels, n_channels))  # upper triangle, then mirrored
    rows = max(1, 2**19 // (8 * n_channels * n_windows))  # ~0.5 MB per temporary
    a = np.empty((min(rows, len(re)), n_windows, n_channels))
    b = np.empty_like(a)
    for start in range(0, len(re), rows):
        block = slice(start, start + rows)
        re_b, im_b = re[block], im[block]
        n = len(re_b)
        for i in range(n_channels - 1):
            cross, other = a[:n, :, : n_channels - i - 1], b[:n, :, : n_channels - i - 1]
            np.multiply(im_b[:, :, i : i + 1], re_b[:, :, i + 1 :], out=cross)
            np.multiply(re_b[:, :, i : i + 1], im_b[:, :, i + 1 :], out=other)
            np.subtract(cross, other, out=cross)
            if metric == "pli":
                out[block, i, i + 1 :] = np.abs(np.sign(cross, out=cross).sum(axis=1))
            else:
                out[block, i, i + 1 :] = np.abs(cross, out=cross).sum(axis=1)
    if metric == "pli":
        out /= n_windows
    else:
        num = np.swapaxes(im, 1, 2) @ re
        num -= np.swapaxes(num, 1, 2).copy()
        np.abs(num, out=num)
        np.divide(num, out, out=out, where=out > 0)  # 0 where no window has a phase lag
    upper = np.triu_indices(n_channels, 1)
    out[:, upper[1], upper[0]] = out[:, upper[0], upper[1]]
    return out.reshape(n_epochs, n_freqs, n_channels, n_channels)


def _block_sizes(X, n_freqs, n_windows, n_window):
    """Epochs and frequencies per block, so a block's temporaries fit the memory budget.

    The budget is the size of ``X`` (at least :data:`_MIN_BLOCK_BYTES`): with the input
    and the output, the peak stays near ``2 * X.nbytes + output``.
    """
    n_epochs, n_channels, n_times = X.shape
    budget = max(X.nbytes, _MIN_BLOCK_BYTES)
    # per epoch: the rescaled copy and the windowed view's matmul buffer
    per_epoch = 8 * n_channels * (n_times + n_windows * n_window)
    # per epoch and frequency: coefficients (twice: product, then contiguous re / im),
    # the stacked copy, and about five (C, C) matrices (products, powers, norm, result)
    per_bin = 8 * (6 * n_channels * n_windows + 5 * n_channels * n_channels)
    if per_epoch + per_bin * n_freqs <= budget:
        return max(1, budget // (per_epoch + per_bin * n_freqs)), n_freqs
    return 1, max(1, (budget - per_epoch) // per_bin)


def spectral_connectivity(
    X, sfreq, metric="abs_imcoh", fmin=1.0, fmax=None, fres=1.0, window=0.25, step=0.161
):
    """Connectivity matrices of every epoch, at every frequency.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Epochs.
    sfreq : float
        Sampling rate in Hz.
    metric : 'coh' | 'imcoh' | 'abs_imcoh' | 'plv' | 'pli' | 'wpli'
        With ``S_ij`` the cross-spectrum of channels i and j averaged over the windows of
        an epoch: ``'coh'`` is ``|S_ij| / sqrt(S_ii S_jj)``; ``'imcoh'`` is
        ``Im(S_ij) / sqrt(S_ii S_jj)`` (signed, antisymmetric); ``'abs_imcoh'`` its
        absolute value (HappyFeat default); ``'plv'`` the modulus of the mean phase
        difference vector; ``'pli'`` ``|mean(sign(Im s_ij))|`` and ``'wpli'``
        ``|mean(Im s_ij)| / mean(|Im s_ij|)`` over per-window cross-spectra ``s_ij``.
    fmin, fmax : float | None
        Frequency range in Hz (both included); ``fmax=None`` is the Nyquist frequency.
    fres : float
        Bin width in Hz: the FFT length is ``sfreq / fres`` (zero-padding the windows, as
        HappyFeat does). ``fres = sfreq / window_samples`` gives the native resolution,
        which is what ``mne_connectivity`` uses.
    window, step : float
        Window length and shift in seconds (HappyFeat: 0.25 s, 0.161 s = 36% overlap).

    Returns
    -------
    con : ndarray, shape (n_epochs, n_freqs, n_channels, n_channels)
        Connectivity, zero on the diagonal. Symmetric except ``'imcoh'`` (antisymmetric).
    freqs : ndarray, shape (n_freqs,)
        Frequencies in Hz.

    Notes
    -----
    Every metric is invariant to the scale of each channel, so each channel of each
    epoch is divided by its largest absolute value first: data in volts, microvolts, or at
    1e-155 give the same matrices. The work is done in blocks of epochs (and of
    frequencies when one epoch is large) sized from the input, so the peak memory stays
    near twice the input plus the output (``docs/spectral.md`` gives measured figures).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((3, 4, 480))
    >>> con, freqs = spectral_connectivity(X, 160.0, metric="coh", fmin=8, fmax=12)
    >>> con.shape, freqs.tolist()
    ((3, 5, 4, 4), [8.0, 9.0, 10.0, 11.0, 12.0])
    """
    X = check_epochs(X)
    sfreq = check_sfreq(sfreq)
    metric = check_option("metric", metric, METRICS)
    fmin, fmax = check_freq_range(fmin, fmax, sfreq)
    fres = float(fres)
    if not np.isfinite(fres) or fres <= 0:
        raise ValueError(f"'fres' must be a positive bin width in Hz, got {fres}.")
    n_window, n_step = _check_windows(window, step, sfreq, X.shape[-1], fres)
    if n_window < 2:
        raise ValueError(f"'window' must span at least 2 samples, got {n_window}.")
    n_fft = _nfft(fres, sfreq, n_window)
    all_freqs = rfftfreq(n_fft, 1.0 / sfreq)
    bins = np.flatnonzero((all_freqs >= fmin - 1e-9) & (all_freqs <= fmax + 1e-9))
    if not len(bins):
        raise ValueError(_no_bin_message(fmin, fmax, sfreq / n_fft))
    n_epochs, n_channels, n_times = X.shape
    check_output_size(
        (n_epochs, len(bins), n_channels, n_channels),
        f"the connectivity of {n_epochs} epochs x {len(bins)} frequencies x {n_channels}^2 "
        f"channel pairs",
        "narrow fmin / fmax, widen fres, pick fewer channels, or transform fewer epochs at a "
        "time",
    )
    n_windows = (n_times - n_window) // n_step + 1
    epoch_block, freq_block = _block_sizes(X, len(bins), n_windows, n_window)
    dfts = [
        (k, _dft_matrix(n_window, bins[k : k + freq_block], n_fft))
        for k in range(0, len(bins), freq_block)
    ]
    compute = _phase_lag_metric if metric in ("pli", "wpli") else _cross_spectral_metric
    con = np.empty((n_epochs, len(bins), n_channels, n_channels))
    for start in range(0, n_epochs, epoch_block):
        epochs = slice(start, start + epoch_block)
        block = _unit_scale(X[epochs])
        for k, dft in dfts:
            re, im = _window_spectra(block, dft, n_window, n_step)
            con[epochs, k : k + dft.shape[1] // 2] = compute(re, im, metric)
            del re, im
    idx = np.arange(n_channels)
    con[..., idx, idx] = 0.0
    return con, all_freqs[bins]


def _check_connectivity(con, name):
    """Validate a (n_epochs, n_freqs, n_channels, n_channels) array of square matrices."""
    expected = "(n_epochs, n_freqs, n_channels, n_channels)"
    con = _as_float_array(con, name)  # a clear error for ragged lists, strings, objects
    if con.ndim != 4:
        raise ValueError(
            f"{name} must be a 4-D array of connectivity matrices {expected}, got a "
            f"{con.ndim}-D array; compute it with Connectivity first."
        )
    con = check_epochs(con, name=name, ndim=4)
    if con.shape[2] != con.shape[3]:
        raise ValueError(f"{name} must hold square matrices, shape {expected}, got {con.shape}.")
    return con


def node_strength(con):
    """Node strength: mean connectivity of each channel with all channels.

    Parameters
    ----------
    con : ndarray, shape (n_epochs, n_freqs, n_channels, n_channels)
        Connectivity matrices.

    Returns
    -------
    strength : ndarray, shape (n_epochs, n_channels, n_freqs)
        ``sum_{j != i} con[:, f, i, j] / n_channels``: the diagonal is left out and the
        divisor is the number of channels, as in HappyFeat (OpenViBE "Matrix 3D to 2D"
        average over a zero-diagonal matrix). Same layout as :class:`PSD` output.

    Examples
    --------
    >>> import numpy as np
    >>> con = np.ones((1, 1, 4, 4))
    >>> node_strength(con)[0, :, 0].tolist()
    [0.75, 0.75, 0.75, 0.75]
    """
    con = _check_connectivity(con, "con")
    diagonal = np.einsum("efii->efi", con)
    strength = (con.sum(axis=-1) - diagonal) / con.shape[-1]
    return np.ascontiguousarray(strength.transpose(0, 2, 1))


@public_module("neuropipe.features")
@fill_doc
class Connectivity(EpochFeatures):
    """Per-epoch spectral connectivity matrices.

    Parameters
    ----------
    %(sfreq)s
    metric : 'coh' | 'imcoh' | 'abs_imcoh' | 'plv' | 'pli' | 'wpli'
        Connectivity metric, see :func:`spectral_connectivity`.
    fmin, fmax : float | None
        Frequency range in Hz; ``fmax=None`` is the Nyquist frequency.
    fres : float
        Frequency bin width in Hz (FFT length ``sfreq / fres``).
    window, step : float
        Sliding window length and shift in seconds.
    %(ch_names)s

    Attributes
    ----------
    freqs_ : ndarray, shape (n_freqs,)
    ch_names_ : list of str
    %(epochs_attributes)s

    Notes
    -----
    HappyFeat parity: ``metric='abs_imcoh'``, ``window=0.25``, ``step=0.161``, ``fres=1``,
    zero diagonal (the defaults). HappyFeat estimates the 2x2 spectral matrix of each
    channel pair with a bivariate Burg MVAR model; here it comes from windowed FFTs (the
    "Welch-based NS" on HappyFeat's roadmap), which is what makes the computation a few
    batched matrix products.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((3, 4, 480))
    >>> con = Connectivity(sfreq=160.0, metric="wpli", fmin=8, fmax=12).fit(X)
    >>> con.transform(X).shape
    (3, 5, 4, 4)
    """

    def __init__(
        self,
        sfreq=None,
        metric="abs_imcoh",
        fmin=1.0,
        fmax=None,
        fres=1.0,
        window=0.25,
        step=0.161,
        ch_names=None,
    ):
        self.sfreq = sfreq
        self.metric = metric
        self.fmin = fmin
        self.fmax = fmax
        self.fres = fres
        self.window = window
        self.step = step
        self.ch_names = ch_names

    def _connectivity(self, X):
        return spectral_connectivity(
            X,
            self.sfreq_,
            metric=self.metric,
            fmin=self.fmin,
            fmax=self.fmax,
            fres=self.fres,
            window=self.window,
            step=self.step,
        )

    def _fit(self, X):
        self.freqs_ = self._connectivity(X[:, :1])[1]

    def transform(self, X):
        """Compute the connectivity matrices.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        con : ndarray, shape (n_epochs, n_freqs, n_channels, n_channels)
        """
        X = self._check_epochs(X)
        return self._connectivity(X)[0]

    def get_feature_names_out(self, input_features=None):
        """Names of the flattened matrices, ``'{ch_i}-{ch_j}_{freq}Hz'`` in (f, i, j) order.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str, shape (n_freqs * n_channels * n_channels,)
        """
        check_is_fitted(self)
        return np.asarray(
            [
                f"{a}-{b}_{_format_freq(f)}Hz"
                for f in self.freqs_
                for a in self.ch_names_
                for b in self.ch_names_
            ],
            dtype=object,
        )


def _strength_name(pair_name):
    """``'C3-C3_12Hz'`` -> ``'C3_12Hz'``; other names are kept as they are."""
    pair, sep, freq = pair_name.rpartition("_")
    half = (len(pair) - 1) // 2
    if sep and len(pair) % 2 == 1 and pair[half] == "-" and pair[:half] == pair[half + 1 :]:
        return f"{pair[:half]}_{freq}"
    return pair_name


@public_module("neuropipe.features")
class NodeStrength(TransformerMixin, BaseEstimator):
    """Reduce connectivity matrices to node strength, HappyFeat's NS feature.

    See :func:`node_strength`. The output has the :class:`PSD` layout, so the same
    selectors and classifiers apply.

    Attributes
    ----------
    n_channels_ : int
    n_freqs_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> X = np.random.default_rng(0).standard_normal((3, 2, 480))
    >>> ns = make_pipeline(
    ...     Connectivity(sfreq=160.0, fmin=10, fmax=11, ch_names=["C3", "C4"]),
    ...     NodeStrength(),
    ... ).fit(X)
    >>> ns.transform(X).shape
    (3, 2, 2)
    >>> ns.get_feature_names_out().tolist()
    ['C3_10Hz', 'C3_11Hz', 'C4_10Hz', 'C4_11Hz']
    """

    def fit(self, X, y=None):
        """Check the connectivity array.

        Parameters
        ----------
        X : ndarray, shape (n_epochs, n_freqs, n_channels, n_channels)
            Connectivity matrices.
        y : None
            Ignored.

        Returns
        -------
        self : NodeStrength
        """
        X = _check_connectivity(X, "X")
        self.n_freqs_, self.n_channels_ = X.shape[1], X.shape[2]
        return self

    def transform(self, X):
        """Compute node strength.

        Parameters
        ----------
        X : ndarray, shape (n_epochs, n_freqs, n_channels, n_channels)
            Connectivity matrices.

        Returns
        -------
        strength : ndarray, shape (n_epochs, n_channels, n_freqs)
        """
        check_is_fitted(self)
        X = _check_connectivity(X, "X")
        check_n_channels(self, X, axis=1, unit="frequencies")
        check_n_channels(self, X, axis=2)
        return node_strength(X)

    def get_feature_names_out(self, input_features=None):
        """Names ``'{ch}_{freq}Hz'`` in (channel, frequency) order.

        Parameters
        ----------
        input_features : array-like of str | None
            Names of the flattened input matrices, as given by
            :meth:`Connectivity.get_feature_names_out`; the diagonal names ``'C3-C3_12Hz'``
            become ``'C3_12Hz'``. If None, ``'ch{i}_f{k}'``.

        Returns
        -------
        names : ndarray of str, shape (n_channels * n_freqs,)
        """
        check_is_fitted(self)
        n_freqs, n_channels = self.n_freqs_, self.n_channels_
        if input_features is None:
            return np.asarray(
                [f"ch{i}_f{k}" for i in range(n_channels) for k in range(n_freqs)],
                dtype=object,
            )
        names = np.asarray(input_features, dtype=object)
        if names.size != n_freqs * n_channels**2:
            raise ValueError(
                f"input_features has {names.size} names, expected n_freqs * n_channels**2 "
                f"= {n_freqs * n_channels**2}."
            )
        idx = np.arange(n_channels)
        diagonal = names.reshape(n_freqs, n_channels, n_channels)[:, idx, idx].T
        return np.asarray([_strength_name(str(n)) for n in diagonal.ravel()], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        return tags
