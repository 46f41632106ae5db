"""Evaluation protocols: within-session k-fold, cross-session and cross-subject.

Each takes a dict of pipelines and an :class:`~neuropipe.io.EpochsData`, scores as MOABB
does (labels encoded with ``LabelEncoder``; ROC-AUC for two classes, accuracy otherwise)
and returns one tidy table with MOABB's columns plus chance levels and timings.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold
from sklearn.preprocessing import LabelEncoder

from .._validation import check_labels, check_option, check_positive_int
from ..io.eeg import EpochsData
from .chance import chance_level

__all__ = [
    "RESULT_COLUMNS",
    "EVALUATIONS",
    "default_scoring",
    "evaluate",
    "evaluate_within_session",
    "evaluate_cross_session",
    "evaluate_cross_subject",
]

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
    "predict_time",
    "permutation_pvalue",
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
    n_permutations: int = 0,
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
    n_permutations : int
        If > 0, also score the pipeline on this many label permutations (same folds) and
        report the permutation p-value (slow: each permutation is a full CV).

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline, subject and session, columns :data:`RESULT_COLUMNS`
        (``time`` / ``predict_time``: mean fit / scoring CPU time of a fold in seconds,
        ``time.process_time``, so machine load does not inflate them).
    """
    check_positive_int("n_splits", n_splits, minimum=2)
    rows = []
    groups = data.metadata.groupby(["subject", "session"], sort=True).indices
    for (subject, session), index in groups.items():
        X, y = data.X[index], LabelEncoder().fit_transform(data.y[index])
        check_labels(y, len(X), min_per_class=n_splits)
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        splits = list(cv.split(X, y))
        for name, pipeline in pipelines.items():
            row = _score_splits(pipeline, X, y, splits, scoring, n_permutations, random_state)
            rows.append(
                {
                    **row,
                    "subject": subject,
                    "session": session,
                    "dataset": dataset,
                    "pipeline": name,
                    "evaluation": "WithinSession",
                }
            )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def evaluate_cross_session(
    pipelines: dict,
    data: EpochsData,
    dataset: str,
    *,
    scoring: str | None = None,
    n_permutations: int = 0,
    random_state: int | None = 42,
) -> pd.DataFrame:
    """Leave one session out, within each subject (subjects with one session are skipped).

    Returns one row per pipeline, subject and held-out session (``session`` is the
    session tested, ``samples`` the number of training epochs).
    """
    rows = []
    for subject, index in data.metadata.groupby("subject", sort=True).indices.items():
        sessions = data.metadata["session"].to_numpy()[index]
        if np.unique(sessions).size < 2:
            continue
        X, y = data.X[index], LabelEncoder().fit_transform(data.y[index])
        splits = list(LeaveOneGroupOut().split(X, y, groups=sessions))
        for name, pipeline in pipelines.items():
            for train, test in splits:
                row = _score_splits(
                    pipeline, X, y, [(train, test)], scoring, n_permutations, random_state
                )
                rows.append(
                    {
                        **row,
                        "samples": len(train),
                        "subject": subject,
                        "session": sessions[test[0]],
                        "dataset": dataset,
                        "pipeline": name,
                        "evaluation": "CrossSession",
                    }
                )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def evaluate_cross_subject(
    pipelines: dict,
    data: EpochsData,
    dataset: str,
    *,
    subjects=None,
    scoring: str | None = None,
    n_permutations: int = 0,
    random_state: int | None = 42,
) -> pd.DataFrame:
    """Leave one subject out: train on all other subjects, test on the held-out one.

    Parameters
    ----------
    subjects : list | None
        Held-out subjects to evaluate (default all); training always uses every other
        subject in ``data``.

    Returns one row per pipeline and held-out subject (``session`` is ``"all"``).
    """
    groups = data.metadata["subject"].to_numpy()
    if np.unique(groups).size < 2:
        raise ValueError("Cross-subject evaluation needs epochs of at least two subjects.")
    y = LabelEncoder().fit_transform(data.y)
    rows = []
    for train, test in LeaveOneGroupOut().split(data.X, y, groups=groups):
        subject = groups[test[0]]
        if subjects is not None and subject not in subjects:
            continue
        for name, pipeline in pipelines.items():
            row = _score_splits(
                pipeline, data.X, y, [(train, test)], scoring, n_permutations, random_state
            )
            rows.append(
                {
                    **row,
                    "samples": len(train),
                    "subject": subject,
                    "session": "all",
                    "dataset": dataset,
                    "pipeline": name,
                    "evaluation": "CrossSubject",
                }
            )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


#: Protocol name -> function, as the benchmark and the CLI name them.
EVALUATIONS = {
    "within-session": evaluate_within_session,
    "cross-session": evaluate_cross_session,
    "cross-subject": evaluate_cross_subject,
}


def evaluate(protocol: str, pipelines: dict, data: EpochsData, dataset: str, **kwargs):
    """Run the protocol called ``protocol`` (a key of :data:`EVALUATIONS`)."""
    check_option("protocol", protocol, list(EVALUATIONS))
    return EVALUATIONS[protocol](pipelines, data, dataset, **kwargs)


def _cv_score(pipeline, X, y, splits, scorer):
    scores, fit_times, predict_times = [], [], []
    for train, test in splits:
        estimator = clone(pipeline)
        start = time.process_time()  # CPU time of this process: not inflated by machine load
        estimator.fit(X[train], y[train])
        fit_times.append(time.process_time() - start)
        start = time.process_time()
        scores.append(scorer(estimator, X[test], y[test]))
        predict_times.append(time.process_time() - start)
    return float(np.mean(scores)), float(np.mean(fit_times)), float(np.mean(predict_times))


def _score_splits(pipeline, X, y, splits, scoring, n_permutations, random_state) -> dict:
    """Mean score over ``splits`` with chance levels, timings and a permutation p-value."""
    score_name = scoring or default_scoring(y)
    scorer = get_scorer(score_name)
    tested = np.concatenate([test for _, test in splits])
    chance_name = score_name if score_name in ("roc_auc", "accuracy") else default_scoring(y)
    chance, threshold = chance_level(y[tested], chance_name)
    score, fit_time, predict_time = _cv_score(pipeline, X, y, splits, scorer)
    pvalue = np.nan
    if n_permutations:
        rng = np.random.default_rng(random_state)
        null = [
            _cv_score(pipeline, X, rng.permutation(y), splits, scorer)[0]
            for _ in range(n_permutations)
        ]
        pvalue = (1 + np.sum(np.asarray(null) >= score)) / (n_permutations + 1)
    return {
        "score": score,
        "time": fit_time,
        "samples": len(y),
        "scoring": score_name,
        "chance": chance,
        "chance_p95": threshold,
        "n_classes": int(np.unique(y).size),
        "predict_time": predict_time,
        "permutation_pvalue": pvalue,
    }
