"""Choosing the order and lag of the augmented covariance embedding without a brute-force grid.

Two meta-estimators, both fitted on the training epochs only, so both nest safely in
cross-validation and in a :class:`sklearn.pipeline.Pipeline`:

* :class:`AutoAugmentedCovariances` picks the lag from the first minimum of the average auto
  mutual information and the order from Cao's averaged false nearest neighbours (the
  dynamical-systems view of the augmented covariance: lag = embedding delay, order = embedding
  dimension). It needs no labels.
* :class:`EmbeddingSearchCV` searches order x lag x classifier settings by successive halving
  over the cross-validation splits. Each (order, lag) covariance stack is computed once for all
  epochs (it is unsupervised and per epoch) and reused by every split and classifier setting;
  the fitted transformer steps of the classifier are shared by all settings of its last step.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, TransformerMixin, clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import ParameterGrid, StratifiedKFold, check_cv
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from neuropipe._validation import check_epochs, check_labels, check_positive_int
from neuropipe.features.augmented import (
    AugmentedCovariances,
    augmented_covariances,
    n_embedded_samples,
)

__all__ = [
    "auto_mutual_information",
    "first_minimum_lag",
    "cao_e1",
    "cao_order",
    "AutoAugmentedCovariances",
    "EmbeddingSearchCV",
]


def _series(X, max_series, random_state):
    """Epochs x channels as rows of univariate series, subsampled to ``max_series`` rows."""
    series = X.reshape(-1, X.shape[-1])
    if max_series is not None and series.shape[0] > max_series:
        rows = check_random_state(random_state).choice(series.shape[0], max_series, False)
        series = series[np.sort(rows)]
    return series


def auto_mutual_information(X, max_lag, n_bins=16):
    """Auto mutual information of each channel, averaged over channels and epochs.

    Each epoch-channel series is cut into ``n_bins`` equal-width bins between its minimum and
    maximum, and ``I(x(t); x(t + k))`` is estimated from the joint histogram (natural log).

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Epochs.
    max_lag : int
        Largest lag, in samples; must be below ``n_times``.
    n_bins : int
        Histogram bins per series.

    Returns
    -------
    ami : ndarray, shape (max_lag + 1,)
        ``ami[k]`` is the average mutual information at lag ``k``; ``ami[0]`` is the entropy.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.signal import lfilter
    >>> noise = np.random.default_rng(0).standard_normal((20, 1, 500))
    >>> X = lfilter([1], [1, -2 * 0.98 * np.cos(2 * np.pi / 40), 0.98**2], noise)
    >>> first_minimum_lag(auto_mutual_information(X, 20))  # a quarter of the 40-sample period
    10
    """
    X = check_epochs(X)
    n_times = X.shape[-1]
    max_lag = check_positive_int("max_lag", max_lag)
    n_bins = check_positive_int("n_bins", n_bins, minimum=2)
    if max_lag >= n_times:
        raise ValueError(
            f"'max_lag' ({max_lag}) must be lower than the {n_times} samples per epoch."
        )
    series = X.reshape(-1, n_times)
    low = series.min(axis=1, keepdims=True)
    span = np.ptp(series, axis=1, keepdims=True)
    span[span == 0] = 1.0
    codes = np.minimum(((series - low) / span * n_bins).astype(np.intp), n_bins - 1)
    offsets = (np.arange(series.shape[0]) * n_bins * n_bins)[:, None]
    ami = np.empty(max_lag + 1)
    for lag in range(max_lag + 1):
        joint_codes = offsets + codes[:, : n_times - lag] * n_bins + codes[:, lag:]
        joint = np.bincount(joint_codes.ravel(), minlength=series.shape[0] * n_bins * n_bins)
        joint = joint.reshape(-1, n_bins, n_bins) / (n_times - lag)
        outer = joint.sum(axis=2)[:, :, None] * joint.sum(axis=1)[:, None, :]
        nz = joint > 0
        terms = np.zeros_like(joint)
        terms[nz] = joint[nz] * np.log(joint[nz] / outer[nz])
        ami[lag] = terms.sum(axis=(1, 2)).mean()
    return ami


def first_minimum_lag(ami):
    """First local minimum of an auto mutual information curve (lag >= 1).

    Parameters
    ----------
    ami : ndarray, shape (max_lag + 1,)
        Output of :func:`auto_mutual_information`.

    Returns
    -------
    lag : int
        The first ``k >= 1`` with ``ami[k] <= ami[k + 1]``; the lag of the smallest value when
        the curve decreases all the way to ``max_lag``.

    Examples
    --------
    >>> first_minimum_lag(np.array([2.0, 1.0, 0.5, 0.6, 0.2]))
    2
    """
    ami = np.asarray(ami, dtype=float)
    for lag in range(1, ami.size - 1):
        if ami[lag] <= ami[lag + 1]:
            return lag
    return int(np.argmin(ami[1:])) + 1


def cao_e1(X, lag, max_order, theiler=None, max_series=64, random_state=None):
    """Cao's ``E1(d)`` curve, averaged over channels and epochs.

    For each univariate series and dimension ``d``, every delay vector
    ``y_i(d) = (x_i, x_{i + lag}, ..., x_{i + (d - 1) lag})`` is paired with its nearest
    neighbour in max-norm (outside the Theiler window), and ``a(i, d)`` is the ratio of their
    distance in dimension ``d + 1`` to that in dimension ``d``. ``E(d)`` is the mean of
    ``a(i, d)`` and ``E1(d) = E(d + 1) / E(d)``, which stops changing once ``d`` reaches the
    embedding dimension (Cao 1997). All dimensions use the same delay vectors.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Epochs.
    lag : int
        Embedding delay, in samples.
    max_order : int
        Largest dimension ``d`` for which ``E1(d)`` is returned.
    theiler : int | None
        Neighbours closer than this in time are excluded; ``None`` uses ``lag``.
    max_series : int | None
        At most this many epoch-channel series, drawn at random, are used (the cost is
        quadratic in ``n_times`` per series); ``None`` uses all.
    random_state : int | RandomState | None
        Draw of the series.

    Returns
    -------
    e1 : ndarray, shape (max_order,)
        ``e1[d - 1]`` is ``E1(d)``.

    References
    ----------
    .. [1] L. Cao, "Practical method for determining the minimum embedding dimension of a
       scalar time series", Physica D 110:43-50, 1997.

    Examples
    --------
    >>> import numpy as np
    >>> x, y, henon = 0.1, 0.0, []
    >>> for _ in range(1100):
    ...     x, y = 1 - 1.4 * x * x + y, 0.3 * x
    ...     henon.append(x)
    >>> e1 = cao_e1(np.array(henon[100:])[None, None], lag=1, max_order=5)
    >>> cao_order(e1)  # the Henon map embeds in 2 dimensions
    2
    """
    X = check_epochs(X)
    lag = check_positive_int("lag", lag)
    max_order = check_positive_int("max_order", max_order)
    theiler = lag if theiler is None else check_positive_int("theiler", theiler, minimum=0)
    n_times = X.shape[-1]
    n_points = n_times - (max_order + 1) * lag
    if n_points < 2 * theiler + 2:
        raise ValueError(
            f"lag={lag} and max_order={max_order} leave {n_points} delay vectors in epochs of "
            f"{n_times} samples, too few for a nearest-neighbour search; lower them."
        )
    e = np.zeros(max_order + 1)
    idx = np.arange(n_points)
    excluded = np.abs(idx[:, None] - idx[None, :]) <= theiler
    for series in _series(X, max_series, random_state):
        dist = np.abs(series[:n_points, None] - series[None, :n_points])
        for d in range(1, max_order + 2):
            neighbour = np.argmin(np.where(excluded | (dist == 0), np.inf, dist), axis=1)
            coord = series[d * lag : d * lag + n_points]
            grown = np.maximum(dist, np.abs(coord[:, None] - coord[None, :]))
            ratio = grown[idx, neighbour] / np.maximum(dist[idx, neighbour], 1e-300)
            e[d - 1] += ratio.mean()
            dist = grown
    return e[1:] / e[:-1]


def cao_order(e1, threshold=0.9):
    """Embedding order from Cao's ``E1`` curve.

    Parameters
    ----------
    e1 : ndarray, shape (max_order,)
        Output of :func:`cao_e1`.
    threshold : float
        ``E1`` is taken to have saturated at the first ``d`` where it reaches this value.

    Returns
    -------
    order : int
        The first ``d`` with ``E1(d) >= threshold``: ``E1`` stops changing for ``d > d0`` and
        ``d0 + 1`` is Cao's minimum embedding dimension. ``max_order`` when the curve never
        saturates.

    Examples
    --------
    >>> cao_order(np.array([0.3, 0.95, 0.99, 1.0]))
    2
    """
    e1 = np.asarray(e1, dtype=float)
    saturated = np.flatnonzero(e1 >= threshold)
    if saturated.size == 0:
        return e1.size
    return int(saturated[0] + 1)


class AutoAugmentedCovariances(MetaEstimatorMixin, TransformerMixin, BaseEstimator):
    """Augmented covariances with lag and order chosen by embedding criteria on training data.

    ``fit`` sets the lag to the first minimum of the auto mutual information averaged over
    channels and training epochs (:func:`auto_mutual_information`), then the order from Cao's
    averaged false nearest neighbours at that lag (:func:`cao_e1`, :func:`cao_order`), and fits
    an :class:`~neuropipe.features.augmented.AugmentedCovariances` with them. The order is then
    lowered, if needed, so that the embedding fits the epochs and ``max_dim``.

    Parameters
    ----------
    max_order : int, default=10
        Largest order considered.
    max_lag : int, default=30
        Largest lag considered, in samples.
    estimator : {"cov", "scm", "oas", "lwf"}, default="cov"
        Covariance estimator of the augmented covariances.
    embedding : {"moabb", "hankel"}, default="moabb"
        Samples kept by each delayed copy; see
        :func:`~neuropipe.features.augmented.augmented_covariances`.
    n_bins : int, default=16
        Histogram bins of the mutual information estimate.
    threshold : float, default=0.9
        Saturation level of Cao's ``E1`` curve.
    max_dim : int | None, default=None
        Cap on ``n_channels * order``.
    max_series : int | None, default=64
        Epoch-channel series drawn for Cao's method.
    random_state : int | RandomState | None, default=None
        Draw of the series for Cao's method.

    Attributes
    ----------
    lag_ : int
        Selected lag.
    order_ : int
        Selected order.
    ami_ : ndarray, shape (max_lag + 1,)
        Average auto mutual information.
    e1_ : ndarray, shape (max_order,)
        Cao's ``E1`` curve at ``lag_``.
    augmenter_ : AugmentedCovariances
        The fitted transformer.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((8, 2, 300))
    >>> auto = AutoAugmentedCovariances(max_order=4, max_lag=10, random_state=0).fit(X)
    >>> auto.transform(X).shape == (8, 2 * auto.order_, 2 * auto.order_)
    True
    """

    def __init__(
        self,
        max_order=10,
        max_lag=30,
        estimator="cov",
        embedding="moabb",
        n_bins=16,
        threshold=0.9,
        max_dim=None,
        max_series=64,
        random_state=None,
    ):
        self.max_order = max_order
        self.max_lag = max_lag
        self.estimator = estimator
        self.embedding = embedding
        self.n_bins = n_bins
        self.threshold = threshold
        self.max_dim = max_dim
        self.max_series = max_series
        self.random_state = random_state

    def fit(self, X, y=None):
        """Choose the lag and order on ``X`` and fit the augmented covariances.

        Parameters
        ----------
        X : ndarray, shape (n_epochs, n_channels, n_times)
            Training epochs.
        y : None
            Ignored.

        Returns
        -------
        self : AutoAugmentedCovariances
        """
        X = check_epochs(X)
        _, n_channels, n_times = X.shape
        max_order = check_positive_int("max_order", self.max_order)
        max_lag = min(check_positive_int("max_lag", self.max_lag), n_times // 4)
        self.ami_ = auto_mutual_information(X, max(max_lag, 1), self.n_bins)
        self.lag_ = first_minimum_lag(self.ami_)
        max_order = min(max_order, max(1, (n_times // 2) // self.lag_ - 1))
        self.e1_ = cao_e1(
            X, self.lag_, max_order, max_series=self.max_series, random_state=self.random_state
        )
        order = cao_order(self.e1_, self.threshold)
        max_dim = np.inf if self.max_dim is None else check_positive_int("max_dim", self.max_dim)
        while order > 1 and (
            n_channels * order > max_dim
            or not _feasible(n_channels, n_times, order, self.lag_, self.estimator, self.embedding)
        ):
            order -= 1
        self.order_ = order
        self.augmenter_ = AugmentedCovariances(
            self.order_, self.lag_, self.estimator, self.embedding
        ).fit(X)
        return self

    def transform(self, X):
        """Augmented covariance matrices with the selected lag and order.

        Parameters
        ----------
        X : ndarray, shape (n_epochs, n_channels, n_times)
            Epochs.

        Returns
        -------
        covmats : ndarray, shape (n_epochs, n_channels * order_, n_channels * order_)
        """
        check_is_fitted(self)
        return self.augmenter_.transform(X)


def _feasible(n_channels, n_times, order, lag, estimator, embedding):
    """Whether the embedding keeps enough samples for a non-singular covariance."""
    n_kept = n_embedded_samples(n_times, order, lag, embedding)
    if estimator in ("cov", "scm"):
        return n_kept > n_channels * order
    return n_kept >= 2


def _halving_schedule(n_splits, factor):
    """Number of splits evaluated at each rung: 1, factor, factor^2, ..., n_splits."""
    schedule = [1]
    while schedule[-1] < n_splits:
        schedule.append(min(n_splits, schedule[-1] * factor))
    return schedule


def _top(scores, candidates, n_used, n_keep):
    """The ``n_keep`` candidates with the best setting over the first ``n_used`` splits.

    Ties go to the earlier candidate, so a candidate out of the top among those scored so far
    never comes back into it as more are scored.
    """
    best = scores[candidates, :, :n_used].mean(axis=2).max(axis=1)
    ranking = np.argsort(-best, kind="stable")[:n_keep]
    return {candidates[i] for i in ranking}


def _default_score(model, X, y):
    """MOABB's paradigm score, computed without the scorer machinery's per-call checks.

    ROC-AUC of the decision function (else of the probability of ``classes_[1]``) for two
    classes, as the ``"roc_auc"`` scorer, from the Mann-Whitney statistic: equal AUCs are
    equal floats, so ties between candidates are exact. Accuracy otherwise.
    """
    classes = model.classes_
    if classes.size != 2 or np.unique(y).size != 2:
        return float(np.mean(model.predict(X) == y))
    if hasattr(model, "decision_function"):
        values = model.decision_function(X)
    else:
        values = model.predict_proba(X)[:, 1]
    positive = y == classes[1]
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    rank_sum = rankdata(values)[positive].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


class _Gram:
    """Linear and RBF kernel matrices of one split, shared by the SVC settings scored on it.

    ``SVC(kernel="linear" | "rbf")`` on features equals ``SVC(kernel="precomputed")`` on
    these matrices (up to rounding): libsvm evaluates the same inner products, one pair at a
    time, for every setting; here one matrix product serves all of them.
    """

    def __init__(self, F_train, F_test):
        F_train = np.asarray(F_train, dtype=np.float64)
        F_test = np.asarray(F_test, dtype=np.float64)
        self.n_features = F_train.shape[1]
        self.variance = F_train.var()
        self.linear = F_train @ F_train.T, F_test @ F_train.T
        sq_train, sq_test = (
            np.einsum("ij,ij->i", F_train, F_train),
            np.einsum("ij,ij->i", F_test, F_test),
        )
        self.sq_dist = tuple(
            np.maximum(sq[:, None] + sq_train[None] - 2 * K, 0.0)
            for sq, K in zip((sq_train, sq_test), self.linear)
        )

    def kernels(self, name, gamma):
        """Train and test kernel matrices of an ``SVC(kernel=name, gamma=gamma)``."""
        if name == "linear":
            return self.linear
        if gamma == "scale":
            gamma = 1.0 / (self.n_features * self.variance) if self.variance != 0 else 1.0
        elif gamma == "auto":
            gamma = 1.0 / self.n_features
        return tuple(np.exp(-gamma * D) for D in self.sq_dist)


def _estimator_has(method):
    def check(self):
        getattr(self.estimator, method)
        return True

    return check


class EmbeddingSearchCV(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Cached successive-halving search over the order and lag of augmented covariances.

    Candidates are the (order, lag) pairs; each is scored with the best setting of
    ``param_grid`` for ``estimator`` (a classifier of SPD matrices). Rung ``r`` scores the
    surviving candidates on the first ``1, factor, factor^2, ..., n_splits`` splits and keeps
    the best ``1 / factor`` of them for the next rung; the last rung uses every split, as a
    grid search would, and picks the best (order, lag, setting). Ties go to the smaller lag,
    then the smaller order, then the earlier setting of ``param_grid``: the order in which
    :class:`~sklearn.model_selection.GridSearchCV` breaks them over
    ``ParameterGrid({"lag": ..., "order": ..., **param_grid})``, as MOABB's grid runs it.
    With ``scoring=None`` the scores are computed directly (ROC-AUC from the Mann-Whitney
    statistic, so equal AUCs are equal floats) and scikit-learn's per-call input checks are
    skipped for the inner fits, which hold validated data.

    Nothing is computed twice: each candidate's covariance stack is computed once for all
    epochs and kept while the candidate survives (the covariance of an epoch does not depend on
    the split); for a :class:`~sklearn.pipeline.Pipeline` estimator, its transformer steps are
    fitted once per split and setting of their own parameters and shared by every setting of
    the last step; a split scored at one rung is not scored again.

    Parameters
    ----------
    estimator : estimator
        Classifier of SPD matrices, e.g. ``make_pipeline(TangentSpace(), SVC())`` or
        ``MDM()``.
    param_grid : dict | list of dict | None, default=None
        Settings of ``estimator`` to search, as in :class:`~sklearn.model_selection.GridSearchCV`.
    orders : iterable of int, default=(1, ..., 10)
        Embedding orders.
    lags : iterable of int, default=(1, ..., 10)
        Embedding lags, in samples. Order 1 uses no lag and is scored once.
    cov_estimator : {"cov", "scm", "oas", "lwf"}, default="cov"
        Covariance estimator. With ``"cov"`` or ``"scm"``, (order, lag) pairs that keep no
        more samples than ``n_channels * order`` (singular matrices) are left out.
    embedding : {"moabb", "hankel"}, default="moabb"
        Samples kept by each delayed copy; see
        :func:`~neuropipe.features.augmented.augmented_covariances`.
    cv : int | cross-validation generator, default=3
        Inner splits; an int means ``StratifiedKFold(cv, shuffle=True,
        random_state=random_state)``, as MOABB's nested evaluation uses.
    scoring : str | callable | None, default=None
        Score to maximise; ``None`` means ROC-AUC for two classes and accuracy otherwise
        (MOABB's paradigm scores).
    factor : int | None, default=3
        Share of candidates kept at each rung is ``1 / factor``; the number of splits grows by
        ``factor``. ``None`` scores every candidate on every split: an exhaustive grid search
        that picks what :class:`~sklearn.model_selection.GridSearchCV` over ``lag``, ``order``
        and ``param_grid`` picks, ties included, with the same caching.
    max_dim : int | None, default=None
        Candidates with ``n_channels * order`` above this are left out (the cost grows as
        its cube).
    random_state : int | RandomState | None, default=None
        Shuffling of the inner splits when ``cv`` is an int.

    Attributes
    ----------
    best_params_ : dict
        ``order``, ``lag`` and the best setting of ``param_grid``.
    best_score_ : float
        Mean score of the best candidate over all splits.
    best_estimator_ : Pipeline
        ``AugmentedCovariances`` with the best order and lag followed by ``estimator`` with the
        best setting, refitted on all the data.
    cv_results_ : dict of ndarray
        One entry per scored (order, lag, setting): ``order``, ``lag``, ``params``,
        ``mean_test_score``, ``n_splits`` (splits scored) and ``rung`` (last rung reached).
    n_candidates_ : list of int
        Candidates scored at each rung.
    classes_ : ndarray, shape (n_classes,)
        Class labels.

    Examples
    --------
    >>> import numpy as np
    >>> from pyriemann.classification import MDM
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((24, 2, 200)), np.repeat([0, 1], 12)
    >>> X[y == 1, 1] += np.roll(X[y == 1, 0], 3, axis=-1)
    >>> search = EmbeddingSearchCV(MDM(), orders=[1, 2], lags=[1, 3], random_state=0)
    >>> sorted(search.fit(X, y).best_params_)
    ['lag', 'order']
    """

    def __init__(
        self,
        estimator,
        param_grid=None,
        *,
        orders=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        lags=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        cov_estimator="cov",
        embedding="moabb",
        cv=3,
        scoring=None,
        factor=3,
        max_dim=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.param_grid = param_grid
        self.orders = orders
        self.lags = lags
        self.cov_estimator = cov_estimator
        self.embedding = embedding
        self.cv = cv
        self.scoring = scoring
        self.factor = factor
        self.max_dim = max_dim
        self.random_state = random_state

    def _candidates(self, n_channels, n_times):
        max_dim = np.inf if self.max_dim is None else check_positive_int("max_dim", self.max_dim)
        orders = [check_positive_int("orders", p) for p in self.orders]
        lags = [check_positive_int("lags", tau) for tau in self.lags]
        if not orders or not lags:
            raise ValueError("'orders' and 'lags' must each hold at least one value.")
        candidates = []
        for lag in lags:
            for order in orders if lag == lags[0] else [p for p in orders if p != 1]:
                if n_channels * order <= max_dim and _feasible(
                    n_channels, n_times, order, lag, self.cov_estimator, self.embedding
                ):
                    candidates.append((order, lag))
        if not candidates:
            raise ValueError(
                f"No (order, lag) pair in orders={orders} x lags={lags} fits epochs of "
                f"{n_channels} channels x {n_times} samples with max_dim={self.max_dim} and "
                f"cov_estimator={self.cov_estimator!r}; use smaller orders or lags, a larger "
                f"max_dim, or a shrinkage estimator ('oas', 'lwf')."
            )
        return candidates

    def _settings(self):
        """Grid settings, grouped by the parameters of the transformer steps.

        Returns the settings and a list of ``(transformer params, members)``; each member is
        ``(setting index, last-step model, kernel)``, the model built once for the whole
        search. ``kernel`` is ``(name, gamma)`` for an ``SVC`` with a linear or RBF kernel,
        whose model is then its public ``SVC(kernel="precomputed")`` twin fitted on the
        kernel matrices of ``_Gram``, else None.
        """
        settings = list(ParameterGrid(self.param_grid or {}))
        head, last_step = None, self.estimator
        if isinstance(self.estimator, Pipeline) and len(self.estimator.steps) > 1:
            head, last_step = self.estimator.steps[-1][0] + "__", self.estimator[-1]
        groups = []
        for index, setting in enumerate(settings):
            front = {
                k: v for k, v in setting.items() if head is not None and not k.startswith(head)
            }
            last = {k.removeprefix(head or ""): v for k, v in setting.items() if k not in front}
            model, kernel = clone(last_step).set_params(**last), None
            if type(model) is SVC and model.kernel in ("linear", "rbf"):
                params = model.get_params()
                kernel = (params.pop("kernel"), params.pop("gamma"))
                model = SVC(kernel="precomputed", **params)
            for group in groups:
                if group[0] == front:
                    group[1].append((index, model, kernel))
                    break
            else:
                groups.append((front, [(index, model, kernel)]))
        return settings, groups

    def _score_split(self, covs, y, split, groups, scorer):
        """Scores of every setting on one split, shape (n_settings,)."""
        train, test = split
        scores = np.empty(sum(len(members) for _, members in groups))
        for front, members in groups:
            if isinstance(self.estimator, Pipeline) and len(self.estimator.steps) > 1:
                transformer = clone(self.estimator[:-1]).set_params(**front)
                F_train = transformer.fit_transform(covs[train], y[train])
                F_test = transformer.transform(covs[test])
            else:
                F_train, F_test = covs[train], covs[test]
            gram = None
            for index, model, kernel in members:
                if kernel is None:
                    model.fit(F_train, y[train])
                    scores[index] = scorer(model, F_test, y[test])
                    continue
                if gram is None:
                    gram = _Gram(F_train, F_test)
                K_train, K_test = gram.kernels(*kernel)
                model.fit(K_train, y[train])
                scores[index] = scorer(model, K_test, y[test])
        return scores

    def fit(self, X, y):
        """Search the order, lag and settings on ``(X, y)``, then refit the best.

        Parameters
        ----------
        X : ndarray, shape (n_epochs, n_channels, n_times)
            Training epochs.
        y : array-like, shape (n_epochs,)
            Labels.

        Returns
        -------
        self : EmbeddingSearchCV
        """
        if y is None:
            raise ValueError(
                "EmbeddingSearchCV requires y to be passed, but the target y is None: pass "
                "the class labels of the epochs."
            )
        X = check_epochs(X)
        factor = None if self.factor is None else check_positive_int("factor", self.factor, 2)
        cv = self.cv
        if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
            cv = StratifiedKFold(
                check_positive_int("cv", cv, minimum=2),
                shuffle=True,
                random_state=self.random_state,
            )
        cv = check_cv(cv, y, classifier=True)
        y = check_labels(y, X.shape[0], min_per_class=cv.get_n_splits())
        self.classes_ = np.unique(y)
        splits = list(cv.split(X, y))
        scorer = _default_score
        if self.scoring is not None:
            scorer = check_scoring(self.estimator, scoring=self.scoring)
        candidates = self._candidates(*X.shape[1:])
        settings, groups = self._settings()

        scores = np.full((len(candidates), len(settings), len(splits)), np.nan)
        rung_of = np.zeros(len(candidates), dtype=int)
        cache = {}
        alive = list(range(len(candidates)))
        self.n_candidates_ = []
        schedule = [len(splits)] if factor is None else _halving_schedule(len(splits), factor)
        # the inputs are validated above: skip scikit-learn's per-call checks of the
        # hundreds of fits and scores below
        with config_context(assume_finite=True, skip_parameter_validation=True):
            for rung, n_used in enumerate(schedule):
                self.n_candidates_.append(len(alive))
                n_keep = 0 if rung == len(schedule) - 1 else math.ceil(len(alive) / factor)
                for position, c in enumerate(alive):
                    rung_of[c] = rung
                    todo = [s for s in range(n_used) if np.isnan(scores[c, 0, s])]
                    if todo and c not in cache:
                        order, lag = candidates[c]
                        cache[c] = augmented_covariances(
                            X, order, lag, self.cov_estimator, self.embedding
                        )
                    for s in todo:
                        scores[c, :, s] = self._score_split(cache[c], y, splits[s], groups, scorer)
                    # keep the stacks of candidates still to score or still able to go on
                    kept = _top(scores, alive[: position + 1], n_used, n_keep)
                    kept.update(alive[position + 1 :])
                    cache = {k: covs for k, covs in cache.items() if k in kept}
                if n_keep == 0:
                    break
                alive = sorted(_top(scores, alive, n_used, n_keep))

        mean = scores.mean(axis=2)
        mean_final = mean[alive]
        c_best, s_best = np.unravel_index(np.argmax(mean_final), mean_final.shape)
        order, lag = candidates[alive[c_best]]
        self.best_params_ = {"order": order, "lag": lag, **settings[s_best]}
        self.best_score_ = float(mean_final[c_best, s_best])
        n_scored = (~np.isnan(scores[:, 0, :])).sum(axis=1)
        partial = np.nanmean(scores, axis=2)
        self.cv_results_ = {
            "order": np.repeat([p for p, _ in candidates], len(settings)),
            "lag": np.repeat([tau for _, tau in candidates], len(settings)),
            "params": np.array(settings * len(candidates), dtype=object),
            "mean_test_score": partial.ravel(),
            "n_splits": np.repeat(n_scored, len(settings)),
            "rung": np.repeat(rung_of, len(settings)),
        }
        self.best_estimator_ = Pipeline(
            [
                (
                    "augmentedcovariances",
                    AugmentedCovariances(order, lag, self.cov_estimator, self.embedding),
                ),
                ("estimator", clone(self.estimator).set_params(**settings[s_best])),
            ]
        ).fit(X, y)
        return self

    def predict(self, X):
        """Predict labels with the refitted best pipeline.

        Parameters
        ----------
        X : ndarray, shape (n_epochs, n_channels, n_times)
            Epochs.

        Returns
        -------
        y_pred : ndarray, shape (n_epochs,)
        """
        check_is_fitted(self)
        return self.best_estimator_.predict(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the refitted best pipeline.

        Parameters
        ----------
        X : ndarray, shape (n_epochs, n_channels, n_times)
            Epochs.

        Returns
        -------
        scores : ndarray, shape (n_epochs,) or (n_epochs, n_classes)
        """
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the refitted best pipeline.

        Parameters
        ----------
        X : ndarray, shape (n_epochs, n_channels, n_times)
            Epochs.

        Returns
        -------
        proba : ndarray, shape (n_epochs, n_classes)
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)
