"""Augmented covariance matrices: covariance of a delay embedding of each epoch.

The augmented covariance method (ACM, Carrara & Papadopoulo 2023) stacks ``order`` time-shifted
copies of each epoch, ``lag`` samples apart, and takes the covariance of the resulting
``n_channels * order``-channel signal. Its blocks are lagged cross-covariances, so it is computed
here without building the embedded signal: the first block row from lagged products, each
further block row from the previous one by a low-rank update.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.linalg.lapack import dpotrf
from sklearn.base import BaseEstimator, TransformerMixin

from neuropipe._docs import fill_doc, public_module
from neuropipe._epochs import EpochsMixin
from neuropipe._validation import (
    check_epochs,
    check_option,
    check_output_size,
    check_positive_int,
)

__all__ = ["augmented_covariances", "n_embedded_samples", "AugmentedCovariances"]

_ESTIMATORS = ("cov", "scm", "oas", "lwf")
_EMBEDDINGS = ("moabb", "hankel")
_ON_SINGULAR = ("shrink", "warn", "raise", "ignore")


def n_embedded_samples(n_times, order, lag, embedding="moabb"):
    """Number of samples each delayed copy keeps.

    Parameters
    ----------
    n_times : int
        Samples per epoch.
    order : int
        Embedding order (number of delayed copies), >= 1.
    lag : int
        Delay between copies, in samples, >= 1.
    embedding : {"moabb", "hankel"}
        ``"moabb"`` keeps ``n_times - order * lag`` samples for ``order >= 2`` (and all of
        them for ``order == 1``), as MOABB's ``AugmentedDataset`` does; ``"hankel"`` keeps the
        ``n_times - (order - 1) * lag`` samples of a standard delay embedding.

    Returns
    -------
    n_kept : int
        May be zero or negative when the span ``order * lag`` is longer than the epoch.

    Examples
    --------
    >>> n_embedded_samples(10, order=3, lag=2), n_embedded_samples(10, 3, 2, "hankel")
    (4, 6)
    """
    check_option("embedding", embedding, _EMBEDDINGS)
    if order == 1:
        return n_times
    if embedding == "moabb":
        return n_times - order * lag
    return n_times - (order - 1) * lag


def _check_embedding(n_channels, n_times, order, lag, estimator, embedding, on_singular="warn"):
    """Validate the embedding parameters against the epoch size; return samples kept."""
    order = check_positive_int("order", order)
    lag = check_positive_int("lag", lag)
    check_option("estimator", estimator, _ESTIMATORS)
    check_option("on_singular", on_singular, _ON_SINGULAR)
    n_kept = n_embedded_samples(n_times, order, lag, embedding)
    if n_kept < 2:
        raise ValueError(
            f"order={order} and lag={lag} span too many samples for epochs of {n_times} "
            f"samples: the {embedding!r} embedding keeps {n_kept} sample(s) per delayed copy, "
            f"and a covariance needs at least 2. Use a smaller order or lag, or longer epochs."
        )
    dim = n_channels * order
    if estimator in ("cov", "scm") and n_kept <= dim:
        message = (
            f"order={order} and lag={lag} keep {n_kept} samples per delayed copy, no more than "
            f"the {dim} augmented channels ({n_channels} channels x order {order}): the "
            f"estimator={estimator!r} covariance matrices are singular. Use a shrinkage "
            f"estimator (estimator='oas' or 'lwf'), a smaller order or lag, or fewer channels"
        )
        if on_singular == "raise":
            raise ValueError(message + ".")
        if on_singular == "shrink":
            message += "; OAS shrinkage estimates are returned instead (on_singular='shrink')"
        warnings.warn(message + ".", UserWarning, stacklevel=3)
    return order, lag, n_kept


def _not_positive_definite(covs):
    """Indices of the flat epochs and of the matrices that are not numerically SPD.

    A matrix counts as singular when it has a (numerically) zero variance or when its
    correlation matrix minus ``10 * dim * eps`` times the identity has no Cholesky factor,
    i.e. when its correlation matrix has an eigenvalue at rounding level. The correlation
    matrices are never built: ``corr - e I`` is SPD exactly when ``cov - e diag(cov)`` is, so
    each covariance is copied once into a reused buffer, its diagonal lowered there, and
    factorised in place by LAPACK (``scipy.linalg.lapack.dpotrf``); ``covs`` is not modified.
    """
    dim = covs.shape[-1]
    eps = 10 * dim * np.finfo(np.float64).eps
    diag = np.diagonal(covs, axis1=1, axis2=2)
    top = diag.max(axis=1)
    flat = np.flatnonzero(~(top > 0))
    zero_var = (diag <= eps * top[:, None]).any(axis=1)
    buffer = np.empty((dim, dim))
    bad = []
    for index in np.flatnonzero(~zero_var):
        np.copyto(buffer, covs[index])
        buffer.flat[:: dim + 1] -= eps * diag[index]
        # buffer.T is Fortran-ordered: LAPACK factorises it in place, without copies
        _, info = dpotrf(buffer.T, lower=1, overwrite_a=1, clean=0)
        if info != 0:
            bad.append(index)
    singular = np.union1d(np.flatnonzero(zero_var), bad).astype(int)
    return flat, singular


def _epoch_list(indices, limit=10):
    shown = ", ".join(map(str, indices[:limit]))
    return shown + (f" and {len(indices) - limit} more" if len(indices) > limit else "")


def _window_updates(Xt, means, lag, n_kept, scale):
    """Factors ``U, V`` of the change from block ``(k - 1, l - 1)`` to block ``(k, l)``.

    Moving both windows on by ``lag`` drops the products of the ``lag`` samples leaving them,
    adds those of the ``lag`` samples entering them, and changes the mean correction, so
    ``block(k, l) = block(k - 1, l - 1) + U[:, k - 1].T @ V[:, l - 1]``. For window ``j`` each
    factor holds the leaving samples, the entering samples and two rows of ``sqrt(n_kept)``
    times the means: shape (2 * lag + 2, order - 1, n_channels), for one epoch.
    """
    n_steps = means.shape[0] - 1
    root = np.sqrt(n_kept) * means
    leave = Xt[: n_steps * lag].reshape(n_steps, lag, -1)
    enter = Xt[n_kept : n_kept + n_steps * lag].reshape(n_steps, lag, -1)
    V = np.concatenate([leave, enter, root[:-1, None], -root[1:, None]], axis=1)
    U = V * scale
    U[:, :lag] *= -1
    U[:, -1] *= -1
    return U.transpose(1, 0, 2), np.ascontiguousarray(V.transpose(1, 0, 2))


def _epoch_scatter(S, Xt, means, lag, n_kept, scale):
    """Fill ``S`` (order, n_channels, order, n_channels) for one time-major epoch ``Xt``.

    Block ``(k, l)`` is ``scale * sum_t (x(t + k lag) - m_k) (x(t + l lag) - m_l)^T`` over
    ``n_kept`` samples, ``m_k`` being the mean of copy ``k``. Block row 0 is one product per
    block. When ``lag`` is short against ``n_kept``, each further block row is the previous
    one shifted plus a low-rank update (see ``_window_updates``); the lower blocks are
    transposes. One epoch at a time keeps the matrix in cache for these passes.
    """
    order, n_channels = means.shape
    rows = range(1) if 2 * lag + 2 < n_kept else range(order)
    for k in rows:
        # sum_t (x_k(t) - m_k) x_j(t)^T equals the centred sum: the mean term cancels
        left = (Xt[k * lag : k * lag + n_kept] - means[k]) * scale
        for j in range(k, order):
            np.matmul(left.T, Xt[j * lag : j * lag + n_kept], out=S[k, :, j, :])
    if len(rows) == 1 and order > 1:
        U, V = _window_updates(Xt, means, lag, n_kept, scale)
        for k in range(1, order):
            width = (order - k) * n_channels
            row = S[k, :, k:, :].reshape(n_channels, width)
            np.matmul(U[:, k - 1].T, V[:, k - 1 :].reshape(-1, width), out=row)
            row += S[k - 1, :, k - 1 : order - 1, :].reshape(n_channels, width)
    for k in range(order - 1):
        S[k + 1 :, :, k, :] = S[k, :, k + 1 :, :].transpose(1, 2, 0)


def _embedded_scatter(X, order, lag, n_kept, scale):
    """``scale`` times the centred scatter matrix of the delay embedding of each epoch.

    Returns
    -------
    scatter : ndarray, shape (n_epochs, order * n_channels, order * n_channels)
    means : ndarray, shape (n_epochs, order, n_channels)
        Mean of each delayed copy.
    """
    n_epochs, n_channels, n_times = X.shape
    dim = order * n_channels
    Xt = np.ascontiguousarray(X.transpose(0, 2, 1))
    csum = np.zeros((n_epochs, n_channels, n_times + 1))
    np.cumsum(X, axis=-1, out=csum[..., 1:])  # along the contiguous axis: one fast pass
    starts = np.arange(order) * lag
    means = np.ascontiguousarray(
        ((csum[..., starts + n_kept] - csum[..., starts]) / n_kept).transpose(0, 2, 1)
    )
    S = np.empty((n_epochs, order, n_channels, order, n_channels))
    for epoch in range(n_epochs):
        _epoch_scatter(S[epoch], Xt[epoch], means[epoch], lag, n_kept, scale)
    return S.reshape(n_epochs, dim, dim), means


def _sum_fourth_powers(X, means, order, lag, n_kept):
    """``sum_t ||z(t)||^4`` of the centred embedded vectors ``z(t)`` (for Ledoit-Wolf)."""
    sq_norm = sum(
        ((X[:, :, k * lag : k * lag + n_kept] - means[:, k, :, None]) ** 2).sum(axis=1)
        for k in range(order)
    )
    return (sq_norm**2).sum(axis=-1)


def _shrink(emp, shrinkage):
    """``(1 - s) emp + s * trace(emp) / dim * I`` for a stack of matrices, in place."""
    dim = emp.shape[-1]
    mu = np.trace(emp, axis1=1, axis2=2) / dim
    emp *= (1.0 - shrinkage)[:, None, None]
    emp[:, np.arange(dim), np.arange(dim)] += (shrinkage * mu)[:, None]
    return emp


def _oas_shrinkage(emp, n_kept):
    """Oracle approximating shrinkage, as ``sklearn.covariance.oas`` computes it."""
    dim = emp.shape[-1]
    alpha = np.mean(emp**2, axis=(1, 2))
    mu_sq = (np.trace(emp, axis1=1, axis2=2) / dim) ** 2
    num = alpha + mu_sq
    den = (n_kept + 1) * (alpha - mu_sq / dim)
    safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, 1.0, np.minimum(num / safe, 1.0))


def _lwf_shrinkage(emp, fourth, n_kept):
    """Ledoit-Wolf shrinkage, as ``sklearn.covariance.ledoit_wolf_shrinkage`` computes it."""
    dim = emp.shape[-1]
    trace = np.trace(emp, axis1=1, axis2=2)
    mu = trace / dim
    delta_ = np.sum(emp**2, axis=(1, 2))
    beta = (fourth / n_kept - delta_) / (dim * n_kept)
    delta = (delta_ - 2.0 * mu * trace + dim * mu**2) / dim
    beta = np.minimum(beta, delta)
    safe = np.where(delta == 0, 1.0, delta)
    return np.where(beta == 0, 0.0, beta / safe)


def augmented_covariances(
    X, order=1, lag=1, estimator="cov", embedding="moabb", on_singular="shrink"
):
    """Covariance matrices of the delay embedding of each epoch.

    Delayed copy ``k`` (``k = 0 .. order - 1``) of an epoch is ``x(t + k * lag)``; the copies
    are stacked along the channel axis (copy-major, channels within each copy) and the
    covariance of this ``n_channels * order``-channel signal is returned. The embedded signal is
    never built: its blocks are lagged cross-covariances, summed one lag at a time.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Epochs.
    order : int
        Embedding order ``p`` (number of delayed copies), >= 1. ``order=1`` gives the
        ordinary covariance.
    lag : int
        Delay ``tau`` between copies, in samples, >= 1.
    estimator : {"cov", "scm", "oas", "lwf"}
        ``"cov"``: unbiased sample covariance (``numpy.cov``, as MOABB's ACM uses);
        ``"scm"``: biased sample covariance; ``"oas"`` / ``"lwf"``: oracle approximating /
        Ledoit-Wolf shrinkage (as ``sklearn.covariance``), for ``n_channels * order`` close to
        or above the number of samples.
    embedding : {"moabb", "hankel"}
        ``"moabb"`` reproduces ``moabb.pipelines.features.AugmentedDataset``: for
        ``order >= 2`` each copy keeps ``n_times - order * lag`` samples, so the last ``lag``
        samples are never used. ``"hankel"`` keeps the ``n_times - (order - 1) * lag``
        samples of a standard delay embedding.
    on_singular : {"shrink", "warn", "raise", "ignore"}
        What to do with ``"cov"`` / ``"scm"`` matrices that are singular (a flat or
        duplicated channel, or no more samples kept than ``n_channels * order``):
        ``"shrink"`` replaces them by OAS shrinkage estimates, with a warning naming the
        epochs; ``"warn"`` returns them unchanged with a warning (MOABB's output);
        ``"raise"`` raises a ValueError. Finding them takes one Cholesky factorisation per
        matrix, as many multiply-adds as a third of MOABB's whole covariance at 640
        augmented channels and 701 samples;
        ``"ignore"`` skips it and returns the matrices as computed, as MOABB and pyRiemann
        do, for pipelines whose next step decomposes every matrix anyway (a span that keeps
        too few samples still warns). A flat epoch (every channel constant) has no SPD
        estimate and always raises.

    Returns
    -------
    covmats : ndarray, shape (n_epochs, n_channels * order, n_channels * order)
        SPD matrices (with ``on_singular="warn"``, positive semi-definite ones where the
        warning says so).

    Raises
    ------
    ValueError
        For a flat epoch, an embedding that keeps fewer than 2 samples, or a singular matrix
        with ``on_singular="raise"``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((4, 3, 200))
    >>> augmented_covariances(X, order=4, lag=2).shape
    (4, 12, 12)
    >>> np.allclose(augmented_covariances(X, order=2, lag=5, embedding="hankel")[0],
    ...             np.cov(np.vstack([X[0, :, :195], X[0, :, 5:]])))
    True
    """
    X = check_epochs(X)
    n_epochs, n_channels, n_times = X.shape
    order, lag, n_kept = _check_embedding(
        n_channels, n_times, order, lag, estimator, embedding, on_singular
    )
    dim = n_channels * order
    check_output_size(  # the scatter and the matrices made from it
        (2, n_epochs, dim, dim),
        f"the augmented covariances of {n_epochs} epochs ({n_channels} channels x order "
        f"{order}) and their scatter",
        "use a lower order or fewer channels, or transform fewer epochs at a time",
    )
    X = X - X.mean(axis=-1, keepdims=True)
    covs = _estimate(X, order, lag, n_kept, estimator)
    structural = estimator in ("cov", "scm") and n_kept <= n_channels * order
    unchecked = estimator not in ("cov", "scm") or on_singular == "ignore"
    if structural or unchecked:
        diag_max = np.diagonal(covs, axis1=1, axis2=2).max(axis=1)
        flat, singular = np.flatnonzero(~(diag_max > 0)), np.arange(n_epochs)
    else:
        flat, singular = _not_positive_definite(covs)
    if flat.size:
        raise ValueError(
            f"Epoch(s) {_epoch_list(flat)} are flat (every channel constant): no covariance "
            f"estimator gives a positive definite matrix for them. Drop these epochs or check "
            f"the recording."
        )
    if structural:  # _check_embedding has warned (or raised)
        if on_singular == "shrink":
            covs = _estimate(X, order, lag, n_kept, "oas")
        return covs
    if unchecked or not singular.size:
        return covs
    message = (
        f"{singular.size} of {n_epochs} estimator={estimator!r} covariance matrices are "
        f"singular (epochs {_epoch_list(singular)}: a flat or duplicated channel). Use a "
        f"shrinkage estimator (estimator='oas' or 'lwf') or drop the channel"
    )
    if on_singular == "raise":
        raise ValueError(message + ".")
    if on_singular == "shrink":
        covs[singular] = _estimate(X[singular], order, lag, n_kept, "oas")
        message += "; OAS shrinkage estimates are returned for them (on_singular='shrink')"
    warnings.warn(message + ".", UserWarning, stacklevel=2)
    return covs


def _estimate(X, order, lag, n_kept, estimator):
    """Covariance matrices of the delay embedding of centred epochs ``X``."""
    scale = 1.0 / (n_kept - 1) if estimator == "cov" else 1.0 / n_kept
    emp, means = _embedded_scatter(X, order, lag, n_kept, scale)
    if estimator in ("cov", "scm"):
        return emp
    if estimator == "oas":
        return _shrink(emp, _oas_shrinkage(emp, n_kept))
    fourth = _sum_fourth_powers(X, means, order, lag, n_kept)
    return _shrink(emp, _lwf_shrinkage(emp, fourth, n_kept))


@public_module("neuropipe.features")
@fill_doc
class AugmentedCovariances(EpochsMixin, TransformerMixin, BaseEstimator):
    """Augmented covariance matrices (covariance of a delay embedding of each epoch).

    Thin estimator around :func:`augmented_covariances`, for pipelines such as
    ``AugmentedCovariances -> pyriemann TangentSpace -> SVC`` (ACM, Carrara & Papadopoulo
    2023).

    Parameters
    ----------
    order : int, default=1
        Embedding order (number of delayed copies), >= 1.
    lag : int, default=1
        Delay between copies, in samples, >= 1.
    estimator : {"cov", "scm", "oas", "lwf"}, default="cov"
        Covariance estimator; see :func:`augmented_covariances`.
    embedding : {"moabb", "hankel"}, default="moabb"
        Which samples each delayed copy keeps; see :func:`augmented_covariances`.
    on_singular : {"shrink", "warn", "raise", "ignore"}, default="shrink"
        Singular ``"cov"`` / ``"scm"`` matrices are replaced by OAS estimates with a
        warning, returned with a warning, or rejected; ``"ignore"`` skips the numerical
        check; see :func:`augmented_covariances`.

    Attributes
    ----------
    %(epochs_attributes)s
    n_kept_ : int
        Samples each delayed copy keeps for epochs as long as those seen in ``fit``.

    References
    ----------
    .. [1] I. Carrara and T. Papadopoulo, "Classification of BCI-EEG based on augmented
       covariance matrix", arXiv:2302.04508, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((6, 2, 100))
    >>> AugmentedCovariances(order=3, lag=4).fit_transform(X).shape
    (6, 6, 6)
    """

    def __init__(self, order=1, lag=1, estimator="cov", embedding="moabb", on_singular="shrink"):
        self.order = order
        self.lag = lag
        self.estimator = estimator
        self.embedding = embedding
        self.on_singular = on_singular

    def fit(self, X, y=None):
        """Check the parameters against the epochs.

        Parameters
        ----------
        %(X_epochs)s
        %(y_ignored)s

        Returns
        -------
        self : AugmentedCovariances
        """
        X = self._fit_epochs(X)
        _, n_channels, n_times = X.shape
        *_, self.n_kept_ = _check_embedding(
            n_channels,
            n_times,
            self.order,
            self.lag,
            self.estimator,
            self.embedding,
            self.on_singular,
        )
        return self

    def transform(self, X):
        """Compute the augmented covariance matrix of each epoch.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        covmats : ndarray, shape (n_epochs, n_channels * order, n_channels * order)
        """
        X = self._check_epochs(X)
        return augmented_covariances(
            X, self.order, self.lag, self.estimator, self.embedding, self.on_singular
        )
