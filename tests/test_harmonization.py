"""Tests for neuropipe.harmonization: ComBat against neuroCombat, fitted on training data only."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from neuropipe.harmonization import ComBat, combat_fit, combat_transform


def _sites(seed=0, n=(40, 30, 20), p=25):
    rng = np.random.default_rng(seed)
    site = np.repeat(["a", "b", "c"], n)
    age = rng.uniform(8, 40, len(site))
    sex = rng.integers(0, 2, len(site)).astype(float)
    X = rng.standard_normal((len(site), p)) + 0.05 * age[:, None] - 0.3 * sex[:, None]
    X[site == "b"] += rng.uniform(1, 3, p)  # additive site effect
    X[site == "c"] *= rng.uniform(1.5, 3, p)  # multiplicative site effect
    return X, site, np.column_stack([sex, age])


@pytest.mark.parametrize(
    "kwargs, ref_kwargs",
    [
        ({}, {}),
        ({"empirical_bayes": False}, {"eb": False}),
        ({"mean_only": True}, {"mean_only": True}),
    ],
)
def test_combat_equals_neurocombat(kwargs, ref_kwargs):
    neurocombat = pytest.importorskip("neuroCombat").neuroCombat
    X, site, Z = _sites()
    covars = pd.DataFrame({"site": site, "sex": Z[:, 0], "age": Z[:, 1]})
    ref = neurocombat(
        X.T, covars, "site", categorical_cols=["sex"], continuous_cols=["age"], **ref_kwargs
    )
    model = combat_fit(X, site, Z, **kwargs)
    np.testing.assert_allclose(
        combat_transform(X, site, Z, model=model), ref["data"].T, rtol=1e-6, atol=1e-6
    )
    np.testing.assert_allclose(model["gamma"], ref["estimates"]["gamma.star"], atol=1e-6)
    np.testing.assert_allclose(model["delta"], ref["estimates"]["delta.star"], rtol=1e-6)


def test_combat_removes_site_effects_and_keeps_covariate_effects():
    X, site, Z = _sites(seed=1)
    Xh = combat_transform(X, site, Z, model=combat_fit(X, site, Z))

    def spread(A):  # how far the site means of each feature are from their mean
        means = np.array([A[site == s].mean(axis=0) for s in "abc"])
        return np.abs(means - means.mean(axis=0)).mean()

    assert spread(Xh) < 0.2 * spread(X)
    # age effect (0.05 per year) survives: the regression slope on age is unchanged
    slope = np.polyfit(Z[:, 1], Xh.mean(axis=1), 1)[0]
    assert slope == pytest.approx(0.05, abs=0.015)


def test_unseen_site_keep_estimate_raise():
    X, site, Z = _sites(seed=2)
    train = site != "c"
    model = combat_fit(X[train], site[train], Z[train])
    frozen = copy.deepcopy(model)
    test = ~train
    kept = combat_transform(X[test], site[test], Z[test], model=model, unseen_site="keep")
    np.testing.assert_array_equal(kept, X[test])
    est = combat_transform(X[test], site[test], Z[test], model=model, unseen_site="estimate")
    assert (
        np.abs(est.std(axis=0) - X[train].std(axis=0)).mean()
        < np.abs(X[test].std(axis=0) - X[train].std(axis=0)).mean()
    )
    with pytest.raises(ValueError, match="Site 'c' was not seen in fit"):
        combat_transform(X[test], site[test], Z[test], model=model)
    with pytest.raises(ValueError, match="at least 2 samples of site 'c'"):
        combat_transform(
            X[test][:1], site[test][:1], Z[test][:1], model=model, unseen_site="estimate"
        )
    for key, value in frozen.items():  # transforming test data changes nothing fitted
        np.testing.assert_array_equal(model[key], value)


def test_combat_refuses_single_sample_site_and_bad_covariates():
    X, site, Z = _sites()
    site = site.astype(object)
    site[0] = "lonely"
    with pytest.raises(ValueError, match="at least 2 samples per site; site 'lonely'"):
        combat_fit(X, site, Z)
    model = combat_fit(*_sites()[:2], Z)
    with pytest.raises(ValueError, match="covariates has 1 columns but"):
        combat_transform(X, _sites()[1], Z[:, :1], model=model)


class _Spy(TransformerMixin, BaseEstimator):
    """Feature stage recording the subjects it is fitted on."""

    def fit(self, X, y=None):
        self.fitted_on_ = list(X.index)
        return self

    def transform(self, X):
        return X[["f0", "f1", "f2"]].to_numpy()


def _frame(seed=0):
    X, site, Z = _sites(seed=seed, p=3)
    df = pd.DataFrame(X, columns=["f0", "f1", "f2"], index=[f"s{i}" for i in range(len(X))])
    df["SITE_ID"], df["SEX"], df["AGE_AT_SCAN"] = site, Z[:, 0], Z[:, 1]
    return df


def test_combat_estimator_is_fitted_on_training_fold_only():
    df = _frame()
    df.loc["s3", "AGE_AT_SCAN"] = np.nan  # imputed by the training median
    train, test = df[df.SITE_ID != "c"], df[df.SITE_ID == "c"]
    combat = ComBat(_Spy(), covariates=["SEX", "AGE_AT_SCAN"], unseen_site="estimate")
    combat.fit(train)
    assert combat.features_.fitted_on_ == list(train.index)
    assert combat.sites_.tolist() == ["a", "b"]
    assert combat.covariate_medians_[1] == pytest.approx(np.nanmedian(train.AGE_AT_SCAN))
    fitted = copy.deepcopy(combat.model_)
    medians = combat.covariate_medians_.copy()
    out = combat.transform(test)
    assert out.shape == (len(test), 3) and np.isfinite(out).all()
    assert combat.features_.fitted_on_ == list(train.index)  # transform fits nothing
    np.testing.assert_array_equal(combat.covariate_medians_, medians)
    for key, value in fitted.items():
        np.testing.assert_array_equal(combat.model_[key], value)
    # same numbers as the functions on the training rows
    Z = np.column_stack([train.SEX, train.AGE_AT_SCAN.fillna(medians[1])])
    ref = combat_fit(train[["f0", "f1", "f2"]].to_numpy(), train.SITE_ID, Z)
    np.testing.assert_allclose(combat.model_["gamma"], ref["gamma"])


def test_combat_in_a_pipeline_and_passthrough():
    df = _frame(seed=3)
    y = np.arange(len(df)) % 2
    pipe = make_pipeline(
        ComBat("passthrough", covariates=["SEX", "AGE_AT_SCAN"]), LogisticRegression()
    )
    pred = pipe.fit(df, y).predict(df)
    assert pred.shape == (len(df),)
    assert pipe[0].n_features_out_ == 3


def test_combat_bad_input_messages():
    with pytest.raises(ValueError, match="needs X as a DataFrame with the site column 'SITE_ID'"):
        ComBat().fit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="no column\\(s\\) \\['AGE'\\]"):
        ComBat(covariates=["AGE"]).fit(_frame())
    with pytest.raises(ValueError, match="Allowed values are 'keep', 'estimate' and 'raise'"):
        ComBat(unseen_site="drop").fit(_frame())
    df = _frame()
    df.loc["s0", "f0"] = np.nan
    with pytest.raises(ValueError, match="hold NaN or infinite values"):
        ComBat().fit(df)


def test_combat_data_checks_on_a_dataframe():
    """The data checks of tests/test_common.py that a plain 2-D array cannot run:
    pickling, subset and order invariance, on a DataFrame."""
    df = _frame(seed=4)
    combat = ComBat(covariates=["AGE_AT_SCAN"]).fit(df)
    full = combat.transform(df)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(combat)).transform(df), full)
    order = np.random.default_rng(0).permutation(len(df))
    np.testing.assert_allclose(combat.transform(df.iloc[order]), full[order])
    site_b = (df.SITE_ID == "b").to_numpy()
    np.testing.assert_allclose(combat.transform(df[site_b]), full[site_b])
