"""SSVEP detection: sinusoidal references, CCA, filter-bank CCA and TRCA.

Steady-state visual evoked potentials (SSVEP) are oscillations at a flicker frequency and
its harmonics over the visual cortex. Two families detect them:

- **CCA** (Lin et al. 2006; Bin et al. 2009) needs no training: the canonical correlation
  between an epoch and sine/cosine references at each stimulus frequency and its harmonics
  scores each frequency. It is blind to the phase of the response. **Filter-bank CCA**
  (Chen et al. 2015) computes it in sub-bands whose lower edges rise by a fixed step, so the
  higher sub-bands hold only harmonics, and fuses the squared correlations with weights
  ``m ** -1.25 + 0.25``.
- **TRCA** (Nakanishi et al. 2018) learns, for each class, the spatial filter that makes
  the training trials most reproducible, and compares a test epoch with each class's
  average trial (template) through these filters. It needs responses that are phase-locked
  to the event (stimulation synchronised with the trigger).

The maths are plain functions (:func:`sinusoidal_references`, :func:`canonical_correlations`,
:func:`trca_filters`, :func:`filter_bank_weights`, :func:`harmonic_bands`); the estimators
(:class:`CCACorrelations`, :class:`SSVEPCCA`, :class:`TRCA`) are thin shells over them and
take epochs ``(n_epochs, n_channels, n_times)``.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._docs import fill_doc, public_module
from .._epochs import EpochsMixin
from .._validation import (
    check_epochs,
    check_labels,
    check_n_channels,
    check_positive_int,
    check_sfreq,
)
from ..preprocessing import FilterBank

__all__ = [
    "sinusoidal_references",
    "canonical_correlations",
    "trca_filters",
    "filter_bank_weights",
    "harmonic_bands",
    "CCACorrelations",
    "SSVEPCCA",
    "TRCA",
]


def sinusoidal_references(freqs, sfreq, n_times, n_harmonics=2):
    """Sine and cosine references at each frequency and its harmonics.

    Parameters
    ----------
    freqs : array-like of float, shape (n_freqs,)
        Stimulus frequencies in Hz.
    sfreq : float
        Sampling rate in Hz.
    n_times : int
        Samples per epoch.
    n_harmonics : int
        Harmonics per frequency (1 = the fundamental only).

    Returns
    -------
    Y : ndarray, shape (n_freqs, 2 * n_harmonics, n_times)
        ``sin(2 pi h f t)``, ``cos(2 pi h f t)`` for ``h = 1 .. n_harmonics``, ``t = k / sfreq``.

    Examples
    --------
    >>> Y = sinusoidal_references([13.0, 17.0], 256.0, 512, n_harmonics=2)
    >>> Y.shape
    (2, 4, 512)
    """
    sfreq = check_sfreq(sfreq)
    n_harmonics = check_positive_int("n_harmonics", n_harmonics)
    freqs = _check_freqs(freqs, sfreq, n_harmonics=n_harmonics)
    t = np.arange(check_positive_int("n_times", n_times)) / sfreq
    phase = 2 * np.pi * freqs[:, None, None] * np.arange(1, n_harmonics + 1)[None, :, None] * t
    return np.stack([np.sin(phase), np.cos(phase)], axis=2).reshape(len(freqs), -1, len(t))


def _check_freqs(freqs, sfreq, n_harmonics=1, name="freqs"):
    try:
        freqs = np.asarray(freqs, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name!r} must be stimulus frequencies in Hz, got {freqs!r}.") from exc
    if freqs.size == 0:
        raise ValueError(f"{name!r} is empty; give at least one stimulus frequency in Hz.")
    nyquist = sfreq / 2.0
    bad = freqs[~np.isfinite(freqs) | (freqs <= 0) | (freqs * n_harmonics >= nyquist)]
    if bad.size:
        raise ValueError(
            f"{name!r} must lie in (0, {nyquist / n_harmonics:g}) Hz so that all "
            f"{n_harmonics} harmonic(s) stay below the Nyquist frequency ({nyquist:g} Hz) of "
            f"sfreq={sfreq:g} Hz; got {bad.tolist()}."
        )
    return freqs


def _inv_sqrt(C, rtol=1e-10):
    """``C ** -1/2`` of symmetric PSD matrices ``(..., d, d)``, directions of ~0 variance cut."""
    w, V = np.linalg.eigh(C)
    keep = w > rtol * np.maximum(w[..., -1:], np.finfo(float).tiny)
    scale = np.where(keep, 1.0 / np.sqrt(np.where(keep, w, 1.0)), 0.0)
    return (V * scale[..., None, :]) @ np.swapaxes(V, -1, -2)


def canonical_correlations(X, Y, n_components=1):
    """Canonical correlations between each epoch and each set of references.

    The largest singular values of ``Cxx^-1/2 Cxy Cyy^-1/2`` (time-centred signals).
    Channels without variance (flat, or linearly dependent on others) are left out of the
    canonical directions instead of making the correlation spurious.

    Parameters
    ----------
    X : array-like, shape (n_epochs, n_channels, n_times)
        Epochs.
    Y : array-like, shape (n_sets, n_refs, n_times)
        Reference sets, e.g. :func:`sinusoidal_references`.
    n_components : int
        Number of canonical correlations kept (largest first).

    Returns
    -------
    rho : ndarray, shape (n_epochs, n_sets, n_components)
        In ``[0, 1]``; 0 for a flat epoch.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(512) / 256.0
    >>> X = np.sin(2 * np.pi * 17 * t + 1.0)[None, None] * np.ones((1, 3, 1))
    >>> X = X + 0.1 * np.random.default_rng(0).standard_normal(X.shape)
    >>> Y = sinusoidal_references([13.0, 17.0], 256.0, 512)
    >>> rho = canonical_correlations(X, Y)
    >>> rho.shape, bool(rho[0, 1, 0] > 0.9 > rho[0, 0, 0])
    ((1, 2, 1), True)
    """
    X = check_epochs(X)
    Y = check_epochs(Y, name="Y")
    if X.shape[-1] != Y.shape[-1]:
        raise ValueError(
            f"X and Y must have the same number of samples, got {X.shape[-1]} and "
            f"{Y.shape[-1]}; build Y with n_times=X.shape[-1]."
        )
    n_components = check_positive_int("n_components", n_components)
    if n_components > min(X.shape[1], Y.shape[1]):
        raise ValueError(
            f"n_components={n_components} exceeds min(n_channels, n_refs) = "
            f"{min(X.shape[1], Y.shape[1])}."
        )
    X = X - X.mean(axis=-1, keepdims=True)
    Y = Y - Y.mean(axis=-1, keepdims=True)
    Wx = _inv_sqrt(X @ np.swapaxes(X, 1, 2))  # (n, C, C)
    Wy = _inv_sqrt(Y @ np.swapaxes(Y, 1, 2))  # (K, R, R)
    Cxy = np.einsum("nct,krt->nkcr", X, Y)
    M = np.einsum("nac,nkcr,krb->nkab", Wx, Cxy, Wy)
    rho = np.linalg.svd(M, compute_uv=False)[..., :n_components]
    return np.clip(rho, 0.0, 1.0)


def trca_filters(X, reg=1e-8):
    """TRCA spatial filters of the trials of one class (Nakanishi et al. 2018).

    Solves ``S w = lambda Q w`` with ``S = sum_{i != j} X_i X_j^T`` (covariance between
    trials) and ``Q = sum_i X_i X_i^T`` (time-centred trials).

    Parameters
    ----------
    X : array-like, shape (n_trials, n_channels, n_times)
        At least two trials of one class.
    reg : float
        ``Q`` is loaded with ``reg * trace(Q) / n_channels`` on its diagonal, a numerical
        guard for rank-deficient data (1e-8: no effect on well-conditioned data).

    Returns
    -------
    W : ndarray, shape (n_channels, n_channels)
        Filters in columns, by decreasing eigenvalue.
    eigenvalues : ndarray, shape (n_channels,)
        Reproducibility of each filter, decreasing.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> source = np.sin(2 * np.pi * 10 * np.arange(256) / 256)
    >>> X = rng.standard_normal((10, 4, 256))
    >>> X[:, 2] += 2 * source          # the same response on channel 2 in every trial
    >>> W, ev = trca_filters(X)
    >>> int(np.argmax(np.abs(W[:, 0])))
    2
    """
    X = check_epochs(X)
    if len(X) < 2:
        raise ValueError(
            f"TRCA needs at least 2 trials of a class to measure their reproducibility, got "
            f"{len(X)}."
        )
    X = X - X.mean(axis=-1, keepdims=True)
    total = X.sum(axis=0)
    Q = np.einsum("nct,ndt->cd", X, X)
    S = total @ total.T - Q
    Q = Q + reg * np.trace(Q) / len(Q) * np.eye(len(Q))
    if not np.trace(Q) > 0:
        raise ValueError("X is flat (zero variance on every channel); TRCA needs signal.")
    eigenvalues, W = eigh((S + S.T) / 2, Q)
    return W[:, ::-1], eigenvalues[::-1]


def filter_bank_weights(n_bands, a=1.25, b=0.25):
    """Sub-band weights ``m ** -a + b`` of filter-bank CCA / TRCA (Chen et al. 2015).

    Parameters
    ----------
    n_bands : int
        Number of sub-bands.
    a, b : float
        Chen et al.'s constants (1.25 and 0.25, chosen there by grid search on their own
        data; used here as published).

    Returns
    -------
    weights : ndarray, shape (n_bands,)

    Examples
    --------
    >>> filter_bank_weights(3).round(3).tolist()
    [1.25, 0.67, 0.503]
    """
    m = np.arange(1, check_positive_int("n_bands", n_bands) + 1)
    return m ** (-float(a)) + float(b)


def harmonic_bands(freqs, n_harmonics=2, half_width=1.0, h_freq=None):
    """Narrow bands around each stimulus frequency and its harmonics.

    Parameters
    ----------
    freqs : array-like of float
        Stimulus frequencies in Hz.
    n_harmonics : int
        Harmonics per frequency (1 = fundamentals only).
    half_width : float
        Half band width in Hz.
    h_freq : float | None
        Bands whose upper edge would exceed it are left out (e.g. the upper edge of the
        epochs' band-pass).

    Returns
    -------
    bands : list of (float, float)
        Sorted by centre frequency, duplicates removed.

    Examples
    --------
    >>> harmonic_bands([13, 17, 21], n_harmonics=2, half_width=2.0, h_freq=45.0)
    [(11.0, 15.0), (15.0, 19.0), (19.0, 23.0), (24.0, 28.0), (32.0, 36.0), (40.0, 44.0)]
    """
    freqs = np.asarray(freqs, dtype=float).ravel()
    n_harmonics = check_positive_int("n_harmonics", n_harmonics)
    if not half_width > 0:
        raise ValueError(f"'half_width' must be > 0 Hz, got {half_width!r}.")
    centres = sorted({float(h * f) for f in freqs for h in range(1, n_harmonics + 1)})
    bands = [(c - half_width, c + half_width) for c in centres]
    if h_freq is not None:
        bands = [(lo, hi) for lo, hi in bands if hi <= h_freq]
    if not bands:
        raise ValueError(
            f"No band of half-width {half_width} Hz around {freqs.tolist()} (x1..x"
            f"{n_harmonics}) fits below h_freq={h_freq} Hz."
        )
    return bands


def _filter_bank(X, sfreq, bands, order):
    """``(n, C, T)`` -> list of ``(n, C, T)`` band-passed copies (the epochs if no bands)."""
    if bands is None:
        return [X]
    filtered = FilterBank(sfreq, bands, order).fit(X).transform(X)
    return [filtered[..., b] for b in range(filtered.shape[-1])]


def _fusion_weights(weights, n_bands):
    if isinstance(weights, str):
        if weights != "chen":
            raise ValueError(
                f"Invalid value for the 'weights' parameter. Allowed values are None, 'chen' "
                f"or an array of {n_bands} sub-band weights, but got {weights!r} instead."
            )
        return filter_bank_weights(n_bands)
    weights = np.asarray(weights, dtype=float).ravel()
    if weights.shape != (n_bands,) or not np.all(np.isfinite(weights)):
        raise ValueError(
            f"'weights' must hold one finite weight per sub-band ({n_bands}), got "
            f"{weights.tolist()}."
        )
    return weights


def _label_freq(label):
    """The frequency a class label names (``"13"``, ``"13.5"``), else None."""
    if not isinstance(label, str):
        return None
    try:
        value = float(label)
    except ValueError:
        return None
    return value if np.isfinite(value) and value > 0 else None


@public_module("neuropipe.features")
@fill_doc
class CCACorrelations(EpochsMixin, TransformerMixin, BaseEstimator):
    """Canonical correlations with sinusoidal references, optionally per sub-band.

    Parameters
    ----------
    %(sfreq)s
    freqs : array-like of float
        Stimulus frequencies in Hz.
    n_harmonics : int
        Harmonics in each reference set (1 = fundamental only).
    bands : list of (float, float) | None
        Sub-bands (filter-bank CCA): each epoch is band-passed in each (Butterworth,
        zero-phase) before the correlations. ``None``: the epochs as given.
    weights : None | "chen" | array-like, shape (n_bands,)
        ``None``: one feature per sub-band and frequency (the correlations). Otherwise
        one feature per frequency, the weighted sum of squared sub-band correlations
        (``"chen"``: ``m ** -1.25 + 0.25``, Chen et al. 2015).
    n_components : int
        Canonical correlations per reference set (``weights=None`` only adds them as
        features; with weights, the squared correlations of all components are summed).
    order : int
        Butterworth order of the sub-band filters.

    Attributes
    ----------
    %(epochs_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(512) / 256.0
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((4, 3, 512)) + np.sin(2 * np.pi * 17 * t)
    >>> cca = CCACorrelations(256.0, freqs=[13.0, 17.0, 21.0]).fit(X)
    >>> rho = cca.transform(X)
    >>> rho.shape, bool((rho.argmax(axis=1) == 1).all())
    ((4, 3), True)
    >>> cca.get_feature_names_out().tolist()
    ['cca_13Hz', 'cca_17Hz', 'cca_21Hz']
    """

    def __init__(
        self,
        sfreq=None,
        freqs=None,
        n_harmonics=2,
        bands=None,
        weights=None,
        n_components=1,
        order=4,
    ):
        self.sfreq = sfreq
        self.freqs = freqs
        self.n_harmonics = n_harmonics
        self.bands = bands
        self.weights = weights
        self.n_components = n_components
        self.order = order

    def fit(self, X, y=None):
        """Check the parameters and the epochs; nothing is learned.

        Parameters
        ----------
        %(X_epochs)s
        %(y_ignored)s

        Returns
        -------
        self
        """
        X = self._fit_epochs(X)
        sfreq = self.sfreq_
        if self.freqs is None:
            raise ValueError(
                "CCACorrelations needs the stimulation frequencies: pass freqs=[...] in Hz."
            )
        _check_freqs(self.freqs, sfreq, check_positive_int("n_harmonics", self.n_harmonics))
        check_positive_int("n_components", self.n_components)
        if self.bands is not None and len(self.bands) == 0:
            raise ValueError("'bands' is empty; give (low, high) sub-bands or None.")
        n_bands = 1 if self.bands is None else len(self.bands)
        if self.weights is not None:
            _fusion_weights(self.weights, n_bands)
        return self

    def transform(self, X):
        """Correlations of each epoch with each frequency's references.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        features : ndarray, shape (n_epochs, n_features)
            ``n_freqs`` features with ``weights``; else ``n_bands * n_freqs *
            n_components`` (band-major).
        """
        X = self._check_epochs(X)
        Y = sinusoidal_references(self.freqs, self.sfreq_, X.shape[-1], self.n_harmonics)
        rho = np.stack(
            [
                canonical_correlations(Xb, Y, self.n_components)
                for Xb in _filter_bank(X, self.sfreq_, self.bands, self.order)
            ],
            axis=1,
        )  # (n, n_bands, n_freqs, n_components)
        if self.weights is None:
            return rho.reshape(len(X), -1)
        weights = _fusion_weights(self.weights, rho.shape[1])
        return np.einsum("b,nbfk->nf", weights, rho**2)

    def get_feature_names_out(self, input_features=None):
        """Feature names: ``cca_13Hz``, or ``cca_b8-44_13Hz_c1`` per sub-band/component."""
        check_is_fitted(self)
        freqs = [f"{f:g}Hz" for f in np.asarray(self.freqs, dtype=float).ravel()]
        if self.weights is not None or (self.bands is None and self.n_components == 1):
            return np.array([f"cca_{f}" for f in freqs], dtype=object)
        bands = [""] if self.bands is None else [f"b{lo:g}-{hi:g}_" for lo, hi in self.bands]
        comps = [""] if self.n_components == 1 else [f"_c{k + 1}" for k in range(self.n_components)]
        return np.array(
            [f"cca_{b}{f}{c}" for b in bands for f in freqs for c in comps], dtype=object
        )


@fill_doc
class _ScoreClassifier(EpochsMixin, ClassifierMixin, BaseEstimator):
    """A classifier that predicts the class of the highest ``decision_function`` score."""

    def predict(self, X):
        """Class of the highest score.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        y : ndarray, shape (n_epochs,)
        """
        check_is_fitted(self)
        return self.classes_[self.decision_function(X).argmax(axis=1)]


@public_module("neuropipe.features")
@fill_doc
class SSVEPCCA(_ScoreClassifier):
    """CCA / filter-bank CCA SSVEP classifier, with an optional no-stimulus class.

    Each epoch goes to the stimulus class whose references it correlates with most
    (Bin et al. 2009); with ``bands``, the correlations are those of filter-bank CCA
    (Chen et al. 2015). No spatial filter or template is learned. A class without
    stimulus (e.g. ``"rest"``) is predicted when the best score is below a threshold
    fitted on the training epochs (the one that classifies most of them right).

    Which class is which frequency: labels that name a frequency (``"13"``, as MOABB's
    SSVEP labels) give it directly, the one other label being the no-stimulus class; a
    dict ``freqs`` gives it explicitly; otherwise (labels encoded as integers by
    ``LabelEncoder``, as MOABB's and neuropipe's evaluations pass them, or other names)
    it is learned from the training epochs: the one-to-one assignment of classes to
    ``freqs`` with the highest mean training score (Hungarian algorithm), the class left
    over (if any) being the no-stimulus class.

    Parameters
    ----------
    %(sfreq)s
    freqs : array-like of float | dict | None
        Stimulus frequencies in Hz; or a dict ``{label: Hz or None}`` fixing each class's
        frequency (``None``: no stimulus). ``None``: read from the labels (they must name
        frequencies).
    n_harmonics : int
        Harmonics in each reference set.
    bands : list of (float, float) | None
        Sub-bands of filter-bank CCA; ``None`` for plain CCA.
    weights : "chen" | array-like
        Sub-band weights of filter-bank CCA (ignored without ``bands``).
    order : int
        Butterworth order of the sub-band filters.

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
    class_freqs_ : ndarray, shape (n_classes,)
        Stimulus frequency of each class, NaN for the no-stimulus class.
    threshold_ : float | None
        Score below which the no-stimulus class is predicted (``None`` without one).
    %(epochs_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(512) / 256.0
    >>> y = np.repeat(["13", "17", "rest"], 6)
    >>> freq = {"13": 13.0, "17": 17.0, "rest": 0.0}
    >>> X = rng.standard_normal((18, 4, 512))
    >>> X += np.array([np.sin(2 * np.pi * freq[c] * t + rng.uniform(0, 6)) for c in y])[:, None]
    >>> clf = SSVEPCCA(sfreq=256.0).fit(X, y)
    >>> clf.class_freqs_.tolist(), float(clf.score(X, y))
    ([13.0, 17.0, nan], 1.0)
    >>> encoded = np.repeat([0, 1, 2], 6)     # the same classes, as LabelEncoder gives them
    >>> SSVEPCCA(sfreq=256.0, freqs=[13.0, 17.0]).fit(X, encoded).class_freqs_.tolist()
    [13.0, 17.0, nan]
    """

    def __init__(self, sfreq=None, freqs=None, n_harmonics=2, bands=None, weights="chen", order=4):
        self.sfreq = sfreq
        self.freqs = freqs
        self.n_harmonics = n_harmonics
        self.bands = bands
        self.weights = weights
        self.order = order

    def _cca(self, freqs):
        return CCACorrelations(
            self.sfreq_,
            freqs,
            n_harmonics=self.n_harmonics,
            bands=self.bands,
            weights=None if self.bands is None else self.weights,
            order=self.order,
        )

    def _class_freqs(self, X, y, classes):
        """Frequency of each class (NaN: no stimulus) and, if computed, training scores."""
        named = {c: _label_freq(c) for c in classes.tolist()}
        if isinstance(self.freqs, dict):
            missing = [c for c in classes.tolist() if c not in self.freqs]
            if missing:
                raise ValueError(
                    f"'freqs' has no frequency for the classes {missing}; give one per class "
                    f"label (None for a class without stimulus)."
                )
            values = [self.freqs[c] for c in classes.tolist()]
            out = np.array([np.nan if v is None else float(v) for v in values])
        elif any(f is not None for f in named.values()):
            out = np.array([np.nan if f is None else f for f in named.values()])
            if self.freqs is not None:
                known = set(np.asarray(self.freqs, dtype=float).ravel().tolist())
                unknown = sorted(set(out[~np.isnan(out)].tolist()) - known)
                if unknown:
                    raise ValueError(
                        f"Labels name the frequencies {unknown} Hz, which are not in freqs="
                        f"{list(self.freqs)}."
                    )
        elif self.freqs is None:
            raise ValueError(
                f"Cannot read stimulus frequencies from the labels {classes.tolist()} (encoded "
                f"class indices or names); pass freqs, the stimulus frequencies in Hz, e.g. "
                f"freqs=[13, 17, 21]."
            )
        else:
            stim = _check_freqs(self.freqs, check_sfreq(self.sfreq_), self.n_harmonics)
            if len(classes) > len(stim) + 1:
                raise ValueError(
                    f"y has {len(classes)} classes but freqs gives {len(stim)} stimulus "
                    f"frequencies; at most one class can be without stimulus."
                )
            scores = self._cca(stim).fit(X).transform(X)
            mean = np.array([scores[y == c].mean(axis=0) for c in classes])
            rows, cols = linear_sum_assignment(mean, maximize=True)
            out = np.full(len(classes), np.nan)
            out[rows] = stim[cols]
        n_rest = int(np.isnan(out).sum())
        if n_rest > 1 or n_rest == len(out):
            raise ValueError(
                f"SSVEPCCA needs at least one stimulus class and at most one class without "
                f"stimulus; got frequencies {dict(zip(classes.tolist(), out.tolist()))}."
            )
        _check_freqs(out[~np.isnan(out)], check_sfreq(self.sfreq_), self.n_harmonics)
        return out

    def fit(self, X, y):
        """Map classes to frequencies, and fit the no-stimulus threshold if there is one.

        Parameters
        ----------
        %(X_epochs)s
        y : array-like, shape (n_epochs,)

        Returns
        -------
        self
        """
        X = self._fit_epochs(X)
        y = check_labels(y, len(X))
        self.classes_ = np.unique(y)
        self.class_freqs_ = self._class_freqs(X, y, self.classes_)
        self._stim = ~np.isnan(self.class_freqs_)
        self.cca_ = self._cca(self.class_freqs_[self._stim]).fit(X)
        self.threshold_ = None
        if not self._stim.all():
            scores = self.cca_.transform(X)
            best = self.classes_[self._stim][scores.argmax(axis=1)]
            top = scores.max(axis=1)
            rest = self.classes_[~self._stim][0]
            cuts = np.unique(top)
            cuts = np.concatenate([[cuts[0] - 1.0], (cuts[:-1] + cuts[1:]) / 2, [cuts[-1] + 1]])
            right = [np.sum(np.where(top < cut, rest, best) == y) for cut in cuts]
            self.threshold_ = float(cuts[int(np.argmax(right))])
        return self

    def decision_function(self, X):
        """Score of each class: the (filter-bank) correlation; the threshold for no stimulus.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        scores : ndarray, shape (n_epochs, n_classes)
        """
        X = self._check_epochs(X)
        scores = np.empty((len(X), len(self.classes_)))
        scores[:, self._stim] = self.cca_.transform(X)
        if self.threshold_ is not None:
            scores[:, ~self._stim] = self.threshold_
        return scores


@public_module("neuropipe.features")
@fill_doc
class TRCA(_ScoreClassifier):
    """Task-related component analysis SSVEP classifier (Nakanishi et al. 2018).

    For each class (and sub-band), the TRCA spatial filter of its training trials
    (:func:`trca_filters`) and its template (the average trial). A test epoch scores each
    class by the correlation between the filtered epoch and the filtered template, with
    the filters of all classes stacked (``ensemble=True``, ensemble TRCA) or the class's
    own; sub-band correlations are fused with ``weights``. Every class, including one
    without stimulus, gets a template, so TRCA needs no stimulus frequencies, but it
    needs responses phase-locked to the event.

    Parameters
    ----------
    %(sfreq)s
    bands : list of (float, float) | None
        Sub-bands (filter-bank TRCA); ``None``: the epochs as given.
    ensemble : bool
        Ensemble TRCA (filters of all classes) or class-specific filters.
    weights : "chen" | array-like
        Sub-band weights (ignored without ``bands``).
    order : int
        Butterworth order of the sub-band filters.

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
    filters_ : ndarray, shape (n_bands, n_channels, n_classes)
        The first TRCA filter of each class in each sub-band.
    templates_ : ndarray, shape (n_bands, n_classes, n_channels, n_times)
    %(epochs_attributes)s
    n_times_ : int
        Number of samples per epoch seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(256) / 256.0
    >>> y = np.repeat([0, 1, 2], 8)
    >>> X = rng.standard_normal((24, 4, 256))
    >>> X[:, 1] += np.sin(2 * np.pi * (8 + 2 * y[:, None]) * t)   # phase-locked responses
    >>> clf = TRCA(sfreq=256.0).fit(X[::2], y[::2])
    >>> float(clf.score(X[1::2], y[1::2]))
    1.0
    """

    def __init__(self, sfreq=None, bands=None, ensemble=True, weights="chen", order=4):
        self.sfreq = sfreq
        self.bands = bands
        self.ensemble = ensemble
        self.weights = weights
        self.order = order

    def fit(self, X, y):
        """Learn each class's spatial filter and template.

        Parameters
        ----------
        %(X_epochs)s
        y : array-like, shape (n_epochs,)
            At least two trials per class.

        Returns
        -------
        self
        """
        X = self._fit_epochs(X)
        y = check_labels(y, len(X), min_per_class=2)
        self.classes_ = np.unique(y)
        n_bands = 1 if self.bands is None else len(self.bands)
        self.weights_ = np.ones(1) if self.bands is None else _fusion_weights(self.weights, n_bands)
        filters, templates = [], []
        for Xb in _filter_bank(X, self.sfreq_, self.bands, self.order):
            Xb = Xb - Xb.mean(axis=-1, keepdims=True)
            filters.append(np.stack([trca_filters(Xb[y == c])[0][:, 0] for c in self.classes_], 1))
            templates.append(np.stack([Xb[y == c].mean(axis=0) for c in self.classes_]))
        self.filters_ = np.array(filters)
        self.templates_ = np.array(templates)
        self.n_times_ = X.shape[2]
        return self

    def decision_function(self, X):
        """Weighted sum over sub-bands of the correlation with each class's template.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        scores : ndarray, shape (n_epochs, n_classes)
        """
        X = self._check_epochs(X)
        check_n_channels(self, X, axis=-1, unit="samples per epoch")
        scores = np.zeros((len(X), len(self.classes_)))
        for b, Xb in enumerate(_filter_bank(X, self.sfreq_, self.bands, self.order)):
            Xb = Xb - Xb.mean(axis=-1, keepdims=True)
            for k in range(len(self.classes_)):
                W = self.filters_[b] if self.ensemble else self.filters_[b][:, [k]]
                a = np.einsum("nct,cj->njt", Xb, W).reshape(len(X), -1)
                t = (W.T @ self.templates_[b, k]).ravel()
                a = a - a.mean(axis=1, keepdims=True)
                t = t - t.mean()
                norm = np.linalg.norm(a, axis=1) * np.linalg.norm(t)
                corr = np.divide(a @ t, norm, out=np.zeros(len(X)), where=norm > 0)
                scores[:, k] += self.weights_[b] * corr
        return scores
