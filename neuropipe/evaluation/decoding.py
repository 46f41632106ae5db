"""Evaluation of continuous decoders on a time-ordered train / test split.

The split is :class:`~neuropipe.model_selection.TimeOrderedSplit` (train first, then an
optional gap, then test); :func:`evaluate_time_ordered` gives, through the one evaluation of
:func:`neuropipe.evaluation.protocols.evaluate_folds`, the benchmark's rows of a dataset
(one overall row per pipeline plus one per state); :func:`validation_score` scores one
pipeline on the time-ordered validation block of a training segment.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from ..decoders.metrics import maae, nrmse, r2
from ..model_selection import INNER_SPLIT, TimeOrderedSplit
from .protocols import _keep_artifacts, evaluate_folds, to_schema

__all__ = [
    "validation_score",
    "evaluate_time_ordered",
]


def validation_score(pipeline, X, y, split=INNER_SPLIT):
    """Mean R^2 of ``pipeline`` on the validation block of a time-ordered split of ``X``.

    Parameters
    ----------
    pipeline : estimator
        Regressor (cloned).
    X : ndarray, shape (n_bins, n_features)
        Training segment only, rows in time order.
    y : ndarray, shape (n_bins, n_states)
    split : TimeOrderedSplit
        Inner split (default: first 80 % fit, last 20 % validate).

    Returns
    -------
    score : float
    """
    fit_rows, valid_rows = next(split.split(X))
    est = clone(pipeline).fit(X[fit_rows], y[fit_rows])
    pred = np.reshape(est.predict(X[valid_rows]), y[valid_rows].shape)
    return r2(y[valid_rows], pred)


def evaluate_time_ordered(pipelines, data, *, dataset=None, split=None, artifacts=None):
    """Fit each pipeline on the training bins of ``data`` and score it on the test bins.

    Parameters
    ----------
    pipelines : dict of str to estimator
        Regressors taking ``X (n_bins, n_features)`` and ``y (n_bins, n_states)``; cloned.
    data : Bunch
        A decoding dataset (``X``, ``y``, ``state_names``, ``subject``, ``session``,
        ``dataset``, ``protocol``), e.g. :func:`~neuropipe.datasets.load_flint2012`.
    dataset : str | None
        Dataset name of the rows (default ``data.dataset``).
    split : TimeOrderedSplit | None
        Split to use; ``None`` uses the dataset's protocol.
    artifacts : list | None
        If a list, the report's arrays of every fitted pipeline (true and decoded states of
        the test bins) are appended to it.

    Returns
    -------
    results : pandas.DataFrame
        Rows of :data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`: per pipeline one
        row with ``state="all"`` (``score`` the R² averaged over states, ``nrmse`` pooled
        over states, ``maae`` for 2-D states) and one per state (its R² and nRMSE);
        ``evaluation`` ``"TimeOrderedSplit"``, ``scoring`` ``"r2"``, ``chance`` 0 (R² of
        predicting the mean), ``time`` fit CPU seconds, ``samples`` training bins.
    """
    split = TimeOrderedSplit(**data.protocol) if split is None else split
    options = {"state_names": data.state_names, "bin_size": getattr(data, "bin_size", None)}
    rows = []
    for name, pipeline in pipelines.items():
        (fold,) = evaluate_folds(
            pipeline,
            data.X,
            data.y,
            [next(split.split(data.X))],
            scoring=r2,
            family="decoding",
            artifacts=artifacts is not None,
            artifact_options=options,
        )
        y_true, y_pred = data.y[fold["test"]], fold["y_pred"]
        _keep_artifacts(artifacts, [fold], len(rows))
        common = {
            "time": fold["fit_time"],
            "samples": len(fold["train"]),
            "subject": data.subject,
            "session": data.session,
            "dataset": dataset or data.dataset,
            "pipeline": name,
            "evaluation": "TimeOrderedSplit",
            "scoring": "r2",
            "chance": 0.0,
            "chance_p95": np.nan,
            "predict_time": fold["predict_time"],
        }
        rows.append(
            {
                **common,
                "state": "all",
                "score": fold["score"],
                "nrmse": nrmse(y_true, y_pred),
                "maae": maae(y_true, y_pred) if y_true.shape[1] == 2 else np.nan,
            }
        )
        per_r2, per_nrmse = r2(y_true, y_pred, True), nrmse(y_true, y_pred, True)
        for j, state in enumerate(data.state_names):
            rows.append({**common, "state": state, "score": per_r2[j], "nrmse": per_nrmse[j]})
    return to_schema(rows, "decoding")
