"""Evaluation of continuous decoders on a time-ordered train / test split.

:class:`TimeOrderedSplit` keeps time order (train first, then an optional gap, then
test); :func:`evaluate_time_ordered` gives, through the one evaluation of
:func:`neuropipe.evaluation.protocols.evaluate_folds`, the benchmark's rows of a dataset
(one overall row per pipeline plus one per state); :func:`evaluate_decoding` is the same
evaluation of a bundled dataset in the table of ``docs/decoding.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from .._validation import check_option
from ..datasets.decoding import load_flint2012, load_stevenson2011
from ..decoders.metrics import maae, nrmse, r2
from .pipelines import as_pipeline_dict

__all__ = [
    "TimeOrderedSplit",
    "INNER_SPLIT",
    "validation_score",
    "time_ordered_search",
    "evaluate_decoding",
    "evaluate_time_ordered",
    "DECODING_DATASETS",
]

DECODING_DATASETS = {"flint2012": load_flint2012, "stevenson2011": load_stevenson2011}

_COLUMNS = [
    "dataset",
    "subject",
    "session",
    "pipeline",
    "evaluation",
    "state",
    "score",
    "nrmse",
    "maae",
    "time",
    "samples",
]


def _n_rows(size, n, name):
    if isinstance(size, (float, np.floating)) and 0 <= size < 1:
        return int(round(size * n))
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size >= 0:
        return int(size)
    raise ValueError(f"{name!r} must be an int >= 0 or a float in [0, 1), got {size!r}.")


class TimeOrderedSplit:
    """One contiguous split: the first bins train, the bins after an optional gap test.

    Parameters
    ----------
    train_size : int | float
        Number (int) or share (float in (0, 1)) of bins for training, from the start.
    test_size : int | float
        Number or share of bins for testing, right after the gap.
    gap : int | float
        Bins skipped between train and test (e.g. a 15 % validation segment).

    Examples
    --------
    >>> import numpy as np
    >>> train, test = next(TimeOrderedSplit(0.7, 0.15, gap=0.15).split(np.zeros((20, 1))))
    >>> train.tolist() == list(range(14)), test.tolist()
    (True, [17, 18, 19])
    """

    def __init__(self, train_size=0.7, test_size=0.15, gap=0):
        self.train_size = train_size
        self.test_size = test_size
        self.gap = gap

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return 1 (a single split)."""
        return 1

    def split(self, X, y=None, groups=None):
        """Yield the train and test row indices.

        Parameters
        ----------
        X : array-like, shape (n_bins, n_features)
        y, groups : None
            Ignored.

        Yields
        ------
        train, test : ndarray of int
        """
        n = len(X)
        n_train = _n_rows(self.train_size, n, "train_size")
        n_gap = _n_rows(self.gap, n, "gap")
        n_test = _n_rows(self.test_size, n, "test_size")
        if n_train < 1 or n_test < 1 or n_train + n_gap + n_test > n:
            raise ValueError(
                f"Cannot take {n_train} train, {n_gap} gap and {n_test} test bins from "
                f"{n} bins; lower train_size, gap or test_size."
            )
        start = n_train + n_gap
        yield np.arange(n_train), np.arange(start, start + n_test)


#: The time-ordered validation split inside a training segment: its first 80 % fit, its
#: last 20 % validate. Pipeline files use it as the ``cv`` of their searches.
INNER_SPLIT = TimeOrderedSplit(train_size=0.8, test_size=0.2)


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
    """
    return GridSearchCV(pipeline, param_grid, scoring="r2", cv=INNER_SPLIT, error_score="raise")


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
    from .protocols import _keep_artifacts, evaluate_folds, to_schema

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


def _legacy_rows(name, pipeline, data, split, validation):
    table = evaluate_time_ordered({name: pipeline}, data, split=split)[_COLUMNS]
    if validation:
        train, _ = next(split.split(data.X))
        table["valid_score"] = validation_score(pipeline, data.X[train], data.y[train])
    return table


def evaluate_decoding(
    dataset_name, pipelines, *, path=None, split=None, n_jobs=1, validation=False
):
    """Fit each pipeline on the training bins of a dataset and score it on the test bins.

    Parameters
    ----------
    dataset_name : {"flint2012", "stevenson2011"}
        Bundled decoding dataset.
    pipelines : dict of str to estimator, or list of pipeline configs
        Regressors taking ``X (n_bins, n_features)`` and ``y (n_bins, n_states)``;
        each is cloned.
    path : str | Path | None
        Folder holding the dataset files instead of the bundled copy.
    split : TimeOrderedSplit | None
        Split to use; ``None`` uses the dataset's protocol (flint2012: train bins
        0-4999, test 5000-5999; stevenson2011: first 70 % train, last 15 % test).
    n_jobs : int
        Pipelines run in parallel with joblib.
    validation : bool
        Also fit each pipeline on the first 80 % of the training bins and score it on
        their last 20 % (:data:`INNER_SPLIT`): column ``valid_score`` (mean R^2), the
        figure by which pipelines are compared without looking at the test bins.

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline with ``state="all"`` (``score`` the R^2 averaged over
        states, ``nrmse`` pooled over states, ``maae`` for 2-D states) and one row per
        state (its R^2 and nRMSE); columns dataset, subject, session, pipeline,
        evaluation (``"TimeOrderedSplit"``), state, score, nrmse, maae, time (fit CPU
        seconds) and samples (training bins): the rows of :func:`evaluate_time_ordered`
        in fewer columns.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> res = evaluate_decoding("flint2012", {"ridge": Ridge()})
    >>> res[["pipeline", "state"]].values.tolist()
    [['ridge', 'all'], ['ridge', 'vx'], ['ridge', 'vy']]
    """
    check_option("dataset_name", dataset_name, list(DECODING_DATASETS))
    if isinstance(pipelines, list):
        pipelines = as_pipeline_dict(pipelines)
    data = DECODING_DATASETS[dataset_name](path)
    if split is None:
        split = TimeOrderedSplit(**data.protocol)
    tables = Parallel(n_jobs=n_jobs)(
        delayed(_legacy_rows)(name, pipe, data, split, validation)
        for name, pipe in pipelines.items()
    )
    columns = [*_COLUMNS, "valid_score"] if validation else _COLUMNS
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
