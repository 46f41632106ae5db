"""Searches that tune a pipeline on the training data only.

:class:`EmbeddingSearchCV` searches the order and lag of the augmented covariance embedding
(:class:`~neuropipe.features.augmented.AugmentedCovariances`) together with the settings of
the classifier that follows it, by successive halving over the cross-validation splits. Each
(order, lag) covariance stack is computed once for all epochs (it is unsupervised and per
epoch) and reused by every split and classifier setting; the fitted transformer steps of the
classifier are shared by all settings of its last step.
:func:`logistic_regression_cv` chooses the C of an L2 logistic regression by an inner CV
(the tuned fMRI pipelines); :func:`time_ordered_search` is a ``GridSearchCV`` scored on the
time-ordered :data:`~neuropipe.model_selection.INNER_SPLIT` (the tuned decoding pipelines).
:func:`neuropipe.selection.selection_search` builds a
:class:`~sklearn.model_selection.GridSearchCV` over HappyFeat's feature-selection choices.

Names of parameters, as in pyRiemann: ``estimator`` always names the covariance estimator
(``"cov"``, ``"scm"``, ``"oas"``, ``"lwf"``), here as in
:class:`~neuropipe.features.augmented.AugmentedCovariances`,
:class:`~neuropipe.features.embedding.AutoAugmentedCovariances` and
:class:`~neuropipe.ensemble.FilterBankTangentSpace`; the model a search tunes is its
``classifier``. scikit-learn's own meta-estimators (``GridSearchCV(estimator, ...)``) keep
their ``estimator``, which is theirs. fMRI stages take nilearn's ``cov_estimator`` (an
scikit-learn covariance object for :class:`~neuropipe.features.graph.ConnectivityGraph`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV, ParameterGrid, StratifiedKFold, check_cv
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from neuropipe._epochs import EpochsMixin
from neuropipe._validation import check_labels, check_positive_int
from neuropipe.features.augmented import AugmentedCovariances, augmented_covariances
from neuropipe.features.embedding import _feasible

from ._split import INNER_SPLIT

__all__ = ["EmbeddingSearchCV", "logistic_regression_cv", "time_ordered_search"]


def logistic_regression_cv(cv=None):
    """L2 logistic regression whose C an inner CV on the training data chooses.

    C among ``10^-4 ... 10^0`` (9 values) by ROC AUC over the inner splits ``cv``
    (default: stratified 5-fold, shuffled with seed 0), then refitted on all the training
    data: the settings declared for the tuned fMRI pipelines (``docs/fmri.md``) before
    they were scored.

    Parameters
    ----------
    cv : cross-validator | None
        Inner splits; None: ``StratifiedKFold(5, shuffle=True, random_state=0)``.

    Returns
    -------
    model : sklearn.linear_model.LogisticRegressionCV

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(60, 5, random_state=0)
    >>> model = logistic_regression_cv().fit(X, y)
    >>> bool(model.C_ in model.Cs_), len(model.Cs_)
    (True, 9)
    """
    return LogisticRegressionCV(
        Cs=np.logspace(-4, 0, 9),
        cv=StratifiedKFold(5, shuffle=True, random_state=0) if cv is None else cv,
        scoring="roc_auc",
        l1_ratios=(0.0,),
        max_iter=1000,
        use_legacy_attributes=False,
    )


def time_ordered_search(pipeline, param_grid):
    """Grid search whose candidates are scored on :data:`INNER_SPLIT` (time order kept).

    A ``GridSearchCV`` (mean R^2, refit on the whole training segment) for decoding
    pipeline files: every setting is chosen on the last 20 % of the training bins, by a
    model fitted on the 80 % before them, never on the test bins.

    Parameters
    ----------
    pipeline : estimator
    param_grid : dict or list of dict
        As for ``GridSearchCV``.

    Returns
    -------
    search : sklearn.model_selection.GridSearchCV

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> search = time_ordered_search(Ridge(), {"alpha": [0.1, 1.0]})
    >>> search.cv.train_size, search.cv.test_size
    (0.8, 0.2)
    """
    return GridSearchCV(pipeline, param_grid, scoring="r2", cv=INNER_SPLIT, error_score="raise")


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


def _classifier_has(method):
    def check(self):
        getattr(self.classifier, method)
        return True

    return check


class EmbeddingSearchCV(EpochsMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Cached successive-halving search over the order and lag of augmented covariances.

    Candidates are the (order, lag) pairs; each is scored with the best setting of
    ``param_grid`` for ``classifier`` (a classifier of SPD matrices). Rung ``r`` scores the
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
    the split); for a :class:`~sklearn.pipeline.Pipeline` classifier, its transformer steps are
    fitted once per split and setting of their own parameters and shared by every setting of
    the last step; a split scored at one rung is not scored again.

    Parameters
    ----------
    classifier : estimator
        Classifier of SPD matrices, e.g. ``make_pipeline(TangentSpace(), SVC())`` or
        ``MDM()``.
    param_grid : dict | list of dict | None, default=None
        Settings of ``classifier`` to search, as in
        :class:`~sklearn.model_selection.GridSearchCV`.
    orders : iterable of int, default=(1, ..., 10)
        Embedding orders.
    lags : iterable of int, default=(1, ..., 10)
        Embedding lags, in samples. Order 1 uses no lag and is scored once.
    estimator : {"cov", "scm", "oas", "lwf"}, default="cov"
        Covariance estimator of the augmented covariances (pyRiemann's names). With
        ``"cov"`` or ``"scm"``, (order, lag) pairs that keep no more samples than
        ``n_channels * order`` (singular matrices) are left out.
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
        ``AugmentedCovariances`` with the best order and lag (step ``"augmentedcovariances"``)
        followed by ``classifier`` with the best setting (step ``"classifier"``), refitted on
        all the data.
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
        classifier,
        param_grid=None,
        *,
        orders=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        lags=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        estimator="cov",
        embedding="moabb",
        cv=3,
        scoring=None,
        factor=3,
        max_dim=None,
        random_state=None,
    ):
        self.classifier = classifier
        self.param_grid = param_grid
        self.orders = orders
        self.lags = lags
        self.estimator = estimator
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
                    n_channels, n_times, order, lag, self.estimator, self.embedding
                ):
                    candidates.append((order, lag))
        if not candidates:
            raise ValueError(
                f"No (order, lag) pair in orders={orders} x lags={lags} fits epochs of "
                f"{n_channels} channels x {n_times} samples with max_dim={self.max_dim} and "
                f"estimator={self.estimator!r}; use smaller orders or lags, a larger "
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
        head, last_step = None, self.classifier
        if isinstance(self.classifier, Pipeline) and len(self.classifier.steps) > 1:
            head, last_step = self.classifier.steps[-1][0] + "__", self.classifier[-1]
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
            if isinstance(self.classifier, Pipeline) and len(self.classifier.steps) > 1:
                transformer = clone(self.classifier[:-1]).set_params(**front)
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
        X = self._fit_epochs(X)
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
            scorer = check_scoring(self.classifier, scoring=self.scoring)
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
                            X, order, lag, self.estimator, self.embedding
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
                    AugmentedCovariances(order, lag, self.estimator, self.embedding),
                ),
                ("classifier", clone(self.classifier).set_params(**settings[s_best])),
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

    @available_if(_classifier_has("decision_function"))
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

    @available_if(_classifier_has("predict_proba"))
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
