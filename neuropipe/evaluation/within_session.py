"""Within-session cross-validation of EEG pipelines, scored as MOABB scores them."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import LabelEncoder

from .._validation import check_labels, check_positive_int
from ..io.eeg import EpochsData
from .chance import chance_level

__all__ = ["RESULT_COLUMNS", "default_scoring", "evaluate_within_session"]

#: Columns of every results table (MOABB's first eight, then ours).
RESULT_COLUMNS = [
    "score",
    "time",
    "samples",
    "subject",
    "session",
    "dataset",
    "pipeline",
    "evaluation",
    "scoring",
    "chance",
    "chance_p95",
    "n_classes",
]


def default_scoring(y) -> str:
    """MOABB's rule: ROC-AUC for two classes, accuracy otherwise."""
    return "roc_auc" if np.unique(y).size == 2 else "accuracy"


def evaluate_within_session(
    pipelines: dict,
    data: EpochsData,
    dataset: str,
    *,
    n_splits: int = 5,
    random_state: int | None = 42,
    scoring: str | None = None,
) -> pd.DataFrame:
    """Stratified k-fold cross-validation in each subject's session.

    Folds are those of MOABB's ``WithinSessionEvaluation`` with the same
    ``random_state`` (``StratifiedKFold(n_splits, shuffle=True)``, one per session),
    labels are encoded with ``LabelEncoder`` and the score is ROC-AUC for two classes,
    accuracy otherwise, so scores match MOABB's on the same epochs.

    Parameters
    ----------
    pipelines : dict of str -> estimator
        Pipelines to evaluate (cloned for every fold).
    data : EpochsData
        Epochs with ``subject`` and ``session`` in ``metadata``.
    dataset : str
        Dataset name written into the results.
    n_splits : int
        Number of folds.
    random_state : int | None
        Seed of the fold shuffling.
    scoring : str | None
        A scikit-learn scorer name; default :func:`default_scoring`.

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline, subject and session, columns :data:`RESULT_COLUMNS`
        (``time`` is the mean fit time of a fold in seconds).
    """
    check_positive_int("n_splits", n_splits, minimum=2)
    rows = []
    groups = data.metadata.groupby(["subject", "session"], sort=True).indices
    for (subject, session), index in groups.items():
        X, y_raw = data.X[index], data.y[index]
        y = LabelEncoder().fit_transform(y_raw)
        check_labels(y, len(X), min_per_class=n_splits)
        score_name = scoring or default_scoring(y)
        scorer = get_scorer(score_name)
        chance, threshold = chance_level(y, score_name if score_name in (
            "roc_auc", "accuracy") else default_scoring(y))
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        splits = list(cv.split(X, y))
        for name, pipeline in pipelines.items():
            scores, durations = [], []
            for train, test in splits:
                estimator = clone(pipeline)
                start = time.perf_counter()
                estimator.fit(X[train], y[train])
                durations.append(time.perf_counter() - start)
                scores.append(scorer(estimator, X[test], y[test]))
            rows.append(
                {
                    "score": float(np.mean(scores)),
                    "time": float(np.mean(durations)),
                    "samples": len(y),
                    "subject": subject,
                    "session": session,
                    "dataset": dataset,
                    "pipeline": name,
                    "evaluation": "WithinSession",
                    "scoring": score_name,
                    "chance": chance,
                    "chance_p95": threshold,
                    "n_classes": int(np.unique(y).size),
                }
            )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)
