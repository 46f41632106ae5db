"""Exact one-bin evaluation of a fitted regressor, without per-call validation.

:meth:`DiscriminativeKalmanFilter.step` evaluates ``f(x_t)`` for one bin. Going through
``Pipeline.predict`` costs scikit-learn's input validation at every step; here a fitted
regressor is compiled once into plain arrays:

- leading transformers that are affine (``StandardScaler``, ``PCA``... any transformer
  whose output is checked to be ``W x + c`` on random probes) collapse into one matrix;
- a linear final model (``coef_``, ``intercept_``) joins that matrix, an
  ``MLPRegressor`` runs its forward pass on the public ``coefs_`` / ``intercepts_``,
  a :class:`NadarayaWatsonRegressor` its kernel average;
- any other final model gets the transformed row through its own ``predict``.

The compiled form holds arrays only (it pickles with the estimator).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LinearRegression,
    Ridge,
    RidgeCV,
)
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline

from .kernel import NadarayaWatsonRegressor, nadaraya_watson

LINEAR_MODELS = (LinearRegression, Ridge, RidgeCV, Lasso, LassoCV, ElasticNet, ElasticNetCV)

_ACTIVATIONS = {
    "identity": lambda h: h,
    "relu": lambda h: np.maximum(h, 0.0),
    "tanh": np.tanh,
    "logistic": lambda h: 1.0 / (1.0 + np.exp(-h)),
}


def _affine_of(transformers, n_features):
    """``(W, c)`` with ``t(x) = W x + c`` for a chain of transformers, or None if not affine."""
    basis = np.vstack([np.zeros(n_features), np.eye(n_features)])
    out = basis
    for step in transformers:
        out = step.transform(out)
    c = out[0]
    W = (out[1:] - c).T
    probe = np.random.default_rng(0).standard_normal((2, n_features))
    expected = probe
    for step in transformers:
        expected = step.transform(expected)
    scale = max(np.max(np.abs(expected)), 1.0)
    if not np.allclose(probe @ W.T + c, expected, rtol=1e-9, atol=1e-9 * scale):
        return None
    return W, c


def compile_regressor(regressor, n_features):
    """Arrays that evaluate the fitted ``regressor`` on one row (see the module docstring).

    Returns
    -------
    spec : tuple
        ``("affine", W, c)``, ``("mlp", W, c, coefs, intercepts, activation)``,
        ``("nw", W, c, X_fit, y_fit, bandwidth)`` or ``("predict", W, c, final)``;
        ``W, c`` is the affine prefix (``None`` for the identity).
    """
    steps = [s for _, s in regressor.steps] if isinstance(regressor, Pipeline) else [regressor]
    steps = [s for s in steps if s is not None and s != "passthrough"]
    *prefix, final = steps
    W, c = None, None
    if prefix:
        affine = _affine_of(prefix, n_features)
        if affine is None:
            return ("predict", None, None, regressor)
        W, c = affine
    if isinstance(final, LINEAR_MODELS):
        coef = np.atleast_2d(final.coef_)
        intercept = np.atleast_1d(final.intercept_)
        if W is not None:
            coef, intercept = coef @ W, coef @ c + intercept
        return ("affine", coef, intercept)
    if isinstance(final, MLPRegressor) and final.out_activation_ == "identity":
        return ("mlp", W, c, list(final.coefs_), list(final.intercepts_), final.activation)
    if isinstance(final, NadarayaWatsonRegressor):
        return ("nw", W, c, final.X_fit_, final.y_fit_, final.bandwidth_)
    return ("predict", W, c, final)


def evaluate_compiled(spec, x):
    """``f(x)`` for one row ``x`` (shape ``(n_features,)``), flattened."""
    kind = spec[0]
    if kind == "affine":
        return spec[1] @ x + spec[2]
    W, c = spec[1], spec[2]
    h = x if W is None else W @ x + c
    if kind == "mlp":
        coefs, intercepts, act = spec[3], spec[4], _ACTIVATIONS[spec[5]]
        for i, (w, b) in enumerate(zip(coefs, intercepts, strict=True)):
            h = h @ w + b
            if i < len(coefs) - 1:
                h = act(h)
        return h
    if kind == "nw":
        return nadaraya_watson(h[None], spec[3], spec[4], spec[5])[0]
    return np.reshape(spec[3].predict(h[None]), -1)
