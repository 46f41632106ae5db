"""Site harmonisation of multi-site features: ComBat, learnt inside the training folds.

ComBat (Johnson, Li & Rabinovic 2007, Biostatistics 8:118; for imaging Fortin et al. 2018,
NeuroImage 167:104) models each feature as ``x = alpha + Z beta + gamma_site +
delta_site * e``: a grand mean, covariate effects to preserve (age, sex, motion...), and an
additive and a multiplicative site effect, shrunk towards their across-feature mean by
empirical Bayes. Harmonised data keep the grand mean and the covariate effects and lose the
site effects.

- :func:`combat_fit` / :func:`combat_transform`: the maths on arrays; the estimates equal
  those of the reference implementation ``neuroCombat`` (Fortin) to floating-point
  precision (``tests/test_harmonization.py``).
- :class:`ComBat`: a scikit-learn transformer that takes the ``load_abide().X`` DataFrame,
  computes the features with an inner estimator (e.g. a connectome) and harmonises them,
  reading the site and the covariates from columns of ``X``. Everything it learns (feature
  model, site effects, covariate effects, the median used to impute a missing covariate) is
  learnt in ``fit``, i.e. on the training fold only.

A site never seen in ``fit`` (the test site of leave-one-site-out) has no learnt effect.
``unseen_site='keep'`` leaves its features as they are (strictly inductive);
``unseen_site='estimate'`` estimates that site's additive and multiplicative effects from the
samples of that site passed to ``transform`` (unlabelled, with the same empirical Bayes
shrinkage; nothing is stored, so the fitted model is unchanged), which needs every unseen site
to arrive in one batch of at least 2 subjects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._validation import check_labels, check_option, numeric_columns

__all__ = ["ComBat", "combat_fit", "combat_transform"]

_CONV = 1e-4  # relative change at which the empirical Bayes iteration stops (as neuroCombat)


def _site_stats(s, *, empirical_bayes, mean_only):
    """Additive and multiplicative effects of one site from its standardised data ``s``."""
    gamma_hat = s.mean(axis=0)
    if mean_only:
        delta_hat = np.ones(s.shape[1])
    else:
        delta_hat = s.var(axis=0, ddof=1)
        delta_hat[delta_hat == 0] = 1.0
    if not empirical_bayes:
        return gamma_hat, delta_hat
    gamma_bar = gamma_hat.mean()
    t2 = gamma_hat.var(ddof=1)
    n = s.shape[0]
    if mean_only:  # sva's and neuroCombat's mean-only posterior uses n = 1, delta = 1
        return (t2 * gamma_hat + gamma_bar) / (t2 + 1.0), delta_hat
    m, s2 = delta_hat.mean(), delta_hat.var(ddof=1)
    a_prior, b_prior = (2 * s2 + m**2) / s2, (m * s2 + m**3) / s2
    g_old, d_old = gamma_hat.copy(), delta_hat.copy()
    for _ in range(1000):
        g_new = (t2 * n * gamma_hat + d_old * gamma_bar) / (t2 * n + d_old)
        sum2 = ((s - g_new) ** 2).sum(axis=0)
        d_new = (0.5 * sum2 + b_prior) / (n / 2.0 + a_prior - 1.0)
        # neuroCombat's criterion, kept to give its estimates: the relative change of gamma
        # is divided by the signed previous value
        change = max(np.max(np.abs(g_new - g_old) / g_old), np.max(np.abs(d_new - d_old) / d_old))
        g_old, d_old = g_new, d_new
        if change <= _CONV:
            break
    return g_old, d_old


def combat_fit(X, site, covariates=None, *, empirical_bayes=True, mean_only=False):
    """Estimate ComBat's model on training data.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Features (finite).
    site : ndarray, shape (n_samples,)
        Site (batch) of each sample; at least 2 samples per site.
    covariates : ndarray, shape (n_samples, n_covariates) | None
        Numeric covariates whose effects are preserved (encode categories as 0/1 columns).
    empirical_bayes : bool
        Shrink the site effects across features (ComBat); False uses the per-feature
        estimates ("location-scale" harmonisation).
    mean_only : bool
        Remove additive site effects only.

    Returns
    -------
    model : dict
        ``sites`` (sorted), ``grand_mean`` (n_features,), ``beta`` (n_covariates,
        n_features), ``var_pooled`` (n_features,), ``gamma`` and ``delta`` (n_sites,
        n_features): the empirical Bayes estimates (``gamma.star``, ``delta.star`` in
        neuroCombat), and the options.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 5)); site = np.repeat(["a", "b"], 20); X[site == "b"] += 3
    >>> model = combat_fit(X, site)
    >>> Xh = combat_transform(X, site, model=model)
    >>> bool(abs(Xh[site == "a"].mean() - Xh[site == "b"].mean()) < 0.5)
    True
    """
    X = np.asarray(X, dtype=np.float64)
    site = np.asarray(site).astype(str)
    sites, counts = np.unique(site, return_counts=True)
    if counts.min() < 2:
        raise ValueError(
            f"ComBat needs at least 2 samples per site; site {str(sites[np.argmin(counts)])!r} has "
            f"{counts.min()}. Merge or drop small sites."
        )
    Z = np.zeros((len(X), 0)) if covariates is None else np.asarray(covariates, dtype=np.float64)
    Z = Z.reshape(len(X), -1)
    B = (site[:, None] == sites[None, :]).astype(np.float64)
    design = np.hstack([B, Z])
    coef, *_ = np.linalg.lstsq(design, X, rcond=None)
    grand_mean = (counts / len(X)) @ coef[: len(sites)]
    beta = coef[len(sites) :]
    var_pooled = ((X - design @ coef) ** 2).mean(axis=0)
    var_pooled[var_pooled == 0] = np.median(var_pooled != 0)  # as neuroCombat
    s = (X - grand_mean - Z @ beta) / np.sqrt(var_pooled)
    gamma, delta = zip(
        *(
            _site_stats(s[site == name], empirical_bayes=empirical_bayes, mean_only=mean_only)
            for name in sites
        )
    )
    return {
        "sites": sites,
        "grand_mean": grand_mean,
        "beta": beta,
        "var_pooled": var_pooled,
        "gamma": np.array(gamma),
        "delta": np.array(delta),
        "empirical_bayes": empirical_bayes,
        "mean_only": mean_only,
    }


def combat_transform(X, site, covariates=None, *, model, unseen_site="raise"):
    """Remove the site effects of :func:`combat_fit`'s ``model`` from ``X``.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
    site : ndarray, shape (n_samples,)
    covariates : ndarray, shape (n_samples, n_covariates) | None
        Same columns as in :func:`combat_fit`.
    model : dict
        Output of :func:`combat_fit` (not modified).
    unseen_site : {'raise', 'keep', 'estimate'}
        Samples of a site absent from the model: ``'raise'`` a ValueError, ``'keep'``
        unchanged, ``'estimate'`` that site's effects estimated from these samples (at
        least 2 per site).

    Returns
    -------
    X_harmonised : ndarray, shape (n_samples, n_features)
    """
    check_option("unseen_site", unseen_site, ["raise", "keep", "estimate"])
    X = np.asarray(X, dtype=np.float64)
    site = np.asarray(site).astype(str)
    Z = np.zeros((len(X), 0)) if covariates is None else np.asarray(covariates, dtype=np.float64)
    Z = Z.reshape(len(X), -1)
    if Z.shape[1] != model["beta"].shape[0]:
        raise ValueError(
            f"covariates has {Z.shape[1]} columns but the ComBat model was fitted on "
            f"{model['beta'].shape[0]}; pass the same covariates as at fit time."
        )
    sd = np.sqrt(model["var_pooled"])
    mean = model["grand_mean"] + Z @ model["beta"]
    s = (X - mean) / sd
    out = X.copy()
    known = {name: k for k, name in enumerate(model["sites"])}
    for name in map(str, np.unique(site)):
        rows = site == name
        if name in known:
            gamma, delta = model["gamma"][known[name]], model["delta"][known[name]]
        elif unseen_site == "raise":
            raise ValueError(
                f"Site {name!r} was not seen in fit (fitted sites: {list(model['sites'])}); "
                f"pass unseen_site='keep' or 'estimate'."
            )
        elif unseen_site == "keep":
            continue
        elif rows.sum() < 2:
            raise ValueError(
                f"unseen_site='estimate' needs at least 2 samples of site {name!r} in one "
                f"call, got 1; transform a whole site at once or use unseen_site='keep'."
            )
        else:
            gamma, delta = _site_stats(
                s[rows], empirical_bayes=model["empirical_bayes"], mean_only=model["mean_only"]
            )
        out[rows] = (s[rows] - gamma) / np.sqrt(delta) * sd + mean[rows]
    return out


class ComBat(TransformerMixin, BaseEstimator):
    """Features of ``X`` harmonised across sites with ComBat, learnt on the training data.

    Parameters
    ----------
    features : estimator | 'passthrough'
        Transformer computing the features from ``X`` (cloned and fitted in ``fit``), e.g. a
        connectome pipeline reading ``X['timeseries']``. ``'passthrough'`` uses the columns
        of ``X`` other than ``site`` and ``covariates`` (numeric).
    site : str
        Column of ``X`` holding the site (``'SITE_ID'`` in ``load_abide().X``).
    covariates : sequence of str | None
        Numeric columns of ``X`` whose effects are preserved (e.g. ``('AGE_AT_SCAN', 'SEX',
        'func_mean_fd')``). Missing values are replaced by the training median. Never put
        the diagnosis here: it is the label.
    empirical_bayes : bool
        Shrink site effects across features (ComBat) or not (location-scale).
    mean_only : bool
        Remove additive site effects only.
    unseen_site : {'keep', 'estimate', 'raise'}
        Sites absent from the training data (see :func:`combat_transform`).

    Attributes
    ----------
    features_ : estimator
        The fitted feature transformer (None for ``'passthrough'``).
    model_ : dict
        The ComBat estimates (:func:`combat_fit`).
    covariate_medians_ : ndarray, shape (n_covariates,)
        Training medians imputing missing covariates.
    sites_ : ndarray of str
        Sites seen in ``fit``.
    n_features_out_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.standard_normal((60, 3)), columns=["f0", "f1", "f2"])
    >>> X["SITE_ID"] = np.repeat(["a", "b", "c"], 20)
    >>> X.loc[X.SITE_ID == "b", ["f0", "f1", "f2"]] += 5.0
    >>> combat = ComBat("passthrough").fit(X.iloc[:40])
    >>> Xh = combat.transform(X.iloc[:40])
    >>> bool(abs(Xh[:20].mean() - Xh[20:40].mean()) < 0.5), combat.sites_.tolist()
    (True, ['a', 'b'])
    """

    def __init__(
        self,
        features="passthrough",
        site="SITE_ID",
        covariates=None,
        empirical_bayes=True,
        mean_only=False,
        unseen_site="keep",
    ):
        self.features = features
        self.site = site
        self.covariates = covariates
        self.empirical_bayes = empirical_bayes
        self.mean_only = mean_only
        self.unseen_site = unseen_site

    def _columns(self, X, what):
        if not isinstance(X, pd.DataFrame):
            raise ValueError(
                f"ComBat needs X as a DataFrame with the site column {self.site!r} (such as "
                f"load_abide().X), got {type(X).__name__}."
            )
        names = [self.site, *(self.covariates or [])]
        missing = [c for c in names if c not in X.columns]
        if missing:
            raise ValueError(
                f"X has no column(s) {missing} ({what}); available columns are {list(X.columns)}."
            )
        site = X[self.site].astype(str).to_numpy()
        covariates = numeric_columns(
            X,
            self.covariates or [],
            what="Covariate",
            fix="convert it to numbers (missing values as NaN) before ComBat.",
        )
        return site, covariates

    def _features(self, X, y=None, fit=False):
        if isinstance(self.features, str) and self.features == "passthrough":
            drop = [self.site, *(self.covariates or [])]
            F = X.drop(columns=drop).to_numpy(dtype=np.float64)
        elif fit:
            self.features_ = clone(self.features)
            F = self.features_.fit_transform(X, y)
        else:
            F = self.features_.transform(X)
        F = np.asarray(F, dtype=np.float64)
        if not np.all(np.isfinite(F)):
            raise ValueError("The features to harmonise hold NaN or infinite values.")
        return F

    def fit(self, X, y=None):
        """Fit the feature transformer and ComBat on the training subjects.

        Parameters
        ----------
        X : DataFrame, shape (n_subjects, n_columns)
            With the ``site`` and ``covariates`` columns.
        y : ndarray, shape (n_subjects,) | None
            Passed to the feature transformer only (ComBat itself never sees labels).

        Returns
        -------
        self : ComBat
        """
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        """Fit on ``X`` and return its harmonised features (the training data).

        Parameters
        ----------
        X : DataFrame, shape (n_subjects, n_columns)
        y : ndarray, shape (n_subjects,) | None

        Returns
        -------
        X_harmonised : ndarray, shape (n_subjects, n_features_out_)
        """
        check_option("unseen_site", self.unseen_site, ["keep", "estimate", "raise"])
        site, Z = self._columns(X, "site / covariates")
        if y is not None:
            check_labels(y, len(X))
        self.features_ = None
        F = self._features(X, y, fit=True)
        self.covariate_medians_ = np.nanmedian(Z, axis=0) if Z.shape[1] else np.zeros(0)
        if Z.shape[1] and np.isnan(self.covariate_medians_).any():
            raise ValueError("A covariate column is missing for every training subject.")
        Z = np.where(np.isnan(Z), self.covariate_medians_, Z)
        self.model_ = combat_fit(
            F, site, Z, empirical_bayes=self.empirical_bayes, mean_only=self.mean_only
        )
        self.sites_ = self.model_["sites"]
        self.n_features_out_ = F.shape[1]
        return combat_transform(F, site, Z, model=self.model_)

    def transform(self, X):
        """Harmonise the features of ``X`` with the model learnt in ``fit``.

        Parameters
        ----------
        X : DataFrame, shape (n_subjects, n_columns)

        Returns
        -------
        X_harmonised : ndarray, shape (n_subjects, n_features_out_)
        """
        check_is_fitted(self, "model_")
        site, Z = self._columns(X, "site / covariates")
        F = self._features(X)
        Z = np.where(np.isnan(Z), self.covariate_medians_, Z)
        return combat_transform(F, site, Z, model=self.model_, unseen_site=self.unseen_site)
