"""One evaluation for every family: folds of a splitter, one results schema.

:func:`evaluate_folds` cross-validates one pipeline on ``(X, y)`` with any splitter of
:mod:`neuropipe.model_selection` (or any scikit-learn cross-validator) and computes,
for every fitted test fold, the arrays the report draws
(:func:`neuropipe.evaluation.artifacts.fold_artifacts`). The protocol functions turn folds
into rows of one table, :data:`RESULTS_SCHEMA`, for EEG (within-session k-fold,
cross-session, cross-subject; scored as MOABB does: labels encoded with ``LabelEncoder``,
ROC-AUC for two classes, accuracy otherwise), fMRI (:mod:`neuropipe.evaluation.fmri`) and
continuous decoding (:mod:`neuropipe.evaluation.decoding`).
:func:`neuropipe.evaluation.paradigms.evaluate` runs any of them by protocol name (the
protocol registry).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, get_scorer
from sklearn.model_selection import check_cv, permutation_test_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder

from .._validation import check_labels, check_positive_int
from ..io.eeg import EpochsData
from ..model_selection import CrossSessionSplitter, CrossSubjectSplitter, WithinSessionSplitter
from ..preprocessing import with_recording_info
from .artifacts import fold_artifacts
from .chance import chance_level

__all__ = [
    "RESULT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "RESULTS_SCHEMA",
    "default_scoring",
    "evaluate_folds",
    "evaluate_within_session",
    "evaluate_cross_session",
    "evaluate_cross_subject",
    "to_schema",
]

#: Columns every results table has (MOABB's first eight, then ours).
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

#: Columns after :data:`RESULT_COLUMNS`, empty where a family has no value: ``family``
#: (``"eeg"``, ``"fmri"`` or ``"decoding"``), ``n_train`` (training samples of an fMRI
#: fold), ``state`` (decoding: ``"all"`` for the row averaged over states, else the state
#: name), ``nrmse`` and ``maae`` (decoding errors); pseudo-online EEG rows
#: (:mod:`neuropipe.evaluation.pseudo_online`) add ``itr_bits_min``,
#: ``false_activations_min``, ``onset_latency_s`` and ``onset_detected``.
OPTIONAL_COLUMNS = [
    "family",
    "n_train",
    "state",
    "nrmse",
    "maae",
    "itr_bits_min",
    "false_activations_min",
    "onset_latency_s",
    "onset_detected",
]

#: The one schema of ``results.csv`` and of every task file, for the three families.
#: ``score``: ROC-AUC or accuracy (``scoring``) for EEG, accuracy for fMRI, R² for decoding;
#: ``time`` / ``predict_time``: mean CPU seconds of a fold's fit / scoring;
#: ``samples``: EEG within-session the session's epochs, cross-session and cross-subject
#: the training epochs, fMRI the test subjects of the fold, decoding the training bins;
#: ``subject`` is empty for fMRI rows (a fold pools many subjects) and ``session`` holds
#: the fold (``"fold3"``) or the held-out site.
RESULTS_SCHEMA = RESULT_COLUMNS + OPTIONAL_COLUMNS


def default_scoring(y) -> str:
    """MOABB's rule: ROC-AUC for two classes, accuracy otherwise."""
    return "roc_auc" if np.unique(y).size == 2 else "accuracy"


def to_schema(rows, family: str) -> pd.DataFrame:
    """Rows (dicts) as a table of :data:`RESULTS_SCHEMA`, ``family`` filled in."""
    table = pd.DataFrame(rows, columns=RESULTS_SCHEMA)
    table["family"] = family
    return table


# --------------------------------------------------------------------------------------
# The one cross-validation loop
# --------------------------------------------------------------------------------------


def _take(X, index):
    """Rows ``index`` of an array, a DataFrame or a list (fMRI subjects)."""
    if hasattr(X, "iloc"):
        return X.iloc[index]
    if isinstance(X, np.ndarray):
        return X[index]
    return [X[i] for i in index]


def _final_step(estimator, X):
    """``(final, Xt)``: the fitted estimator's last step and its input, ``X`` through the
    transformers of a (nested) :class:`~sklearn.pipeline.Pipeline`, so that a fold's score
    and predictions transform the test fold once (the same arrays ``Pipeline.predict`` and
    ``decision_function`` compute); any other estimator is returned with ``X`` as is."""
    while isinstance(estimator, Pipeline) and estimator.steps[-1][1] not in (None, "passthrough"):
        if len(estimator) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator[-1]
    return estimator, X


def evaluate_folds(
    pipeline,
    X,
    y,
    cv,
    *,
    groups=None,
    scoring="accuracy",
    family="eeg",
    artifacts=True,
    artifact_options=None,
) -> list[dict]:
    """Fit a clone of ``pipeline`` on every training fold of ``cv`` and score its test fold.

    This is the loop of :func:`sklearn.model_selection.cross_validate` (clone, fit on the
    training rows, score on the test rows) written with public scikit-learn calls, so that
    each fold also gives its predictions and the report's arrays
    (:func:`~neuropipe.evaluation.artifacts.fold_artifacts`) from the fitted estimator, and
    its fit and scoring times as CPU time of the process (``time.process_time``: machine
    load does not inflate them).

    Parameters
    ----------
    pipeline : estimator
        Cloned for every fold.
    X : ndarray, DataFrame or list, length n_samples
    y : ndarray, shape (n_samples,) or (n_samples, n_states)
    cv : cross-validator or iterable of (train, test)
        A splitter (see :mod:`neuropipe.model_selection`) or a list of splits.
    groups : DataFrame or array-like | None
        Passed to ``cv.split`` (metadata table or group labels).
    scoring : str or callable
        A scikit-learn scorer name, or ``score_func(y_true, y_pred)`` computed on the
        predictions (decoding: R² averaged over states). ``"accuracy"`` is computed from
        the fold's one ``predict`` call (what the accuracy scorer computes).
    family : {"eeg", "fmri", "decoding"}
        Passed to ``fold_artifacts``.
    artifacts : bool
        Compute the predictions and ``fold_artifacts`` of each fold (False: score only,
        e.g. for permutation tests).
    artifact_options : dict | None
        Keyword arguments of ``fold_artifacts`` (``classes``, ``ch_names``,
        ``state_names``, ``bin_size``).

    Returns
    -------
    folds : list of dict
        One per split, in order: ``train``, ``test`` (indices), ``score``, ``fit_time``,
        ``predict_time`` (CPU seconds of scoring), ``y_pred`` and ``artifacts`` (None
        when ``artifacts`` is False and the score needs no predictions).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import StratifiedKFold
    >>> X = np.r_[np.zeros((10, 2)), np.ones((10, 2))]; y = np.repeat([0, 1], 10)
    >>> folds = evaluate_folds(LogisticRegression(), X, y, StratifiedKFold(2))
    >>> [f["score"] for f in folds], folds[0]["artifacts"]["y_pred"].shape
    ([1.0, 1.0], (10,))
    """
    scorer = None if callable(scoring) or scoring == "accuracy" else get_scorer(scoring)
    folds = []
    for train, test in check_cv(cv).split(X, y, groups):
        estimator = clone(pipeline)
        X_train, X_test = _take(X, train), _take(X, test)
        y_test = y[test]
        start = time.process_time()  # CPU time of this process: not inflated by machine load
        estimator.fit(X_train, y[train])
        fit_time = time.process_time() - start
        y_pred = None
        start = time.process_time()
        if scorer is not None:
            final, X_final = _final_step(estimator, X_test)
            score = scorer(final, X_final, y_test)
        else:
            y_pred = np.reshape(estimator.predict(X_test), np.shape(y_test))
            score = scoring(y_test, y_pred) if callable(scoring) else accuracy_score(y_test, y_pred)
        predict_time = time.process_time() - start
        fold = {"train": train, "test": test, "score": score, "fit_time": fit_time}
        fold.update(predict_time=predict_time, y_pred=y_pred, artifacts=None)
        if artifacts:
            if y_pred is None:  # the test fold's transformed input again, not its epochs
                y_pred = np.reshape(final.predict(X_final), np.shape(y_test))
            fold["y_pred"] = y_pred
            fold["artifacts"] = fold_artifacts(
                estimator, X_test, y_test, y_pred, family=family, **(artifact_options or {})
            )
        folds.append(fold)
    return folds


def _keep_artifacts(artifacts, folds, row: int) -> None:
    """Append the folds' artifacts to ``artifacts`` (a list, or None: keep nothing), each
    with ``row`` (the row of the results table it belongs to) and ``test_index``."""
    if artifacts is None:
        return
    for fold in folds:
        artifacts.append({**fold["artifacts"], "row": np.asarray(row), "test_index": fold["test"]})


def _score_splits(
    pipeline,
    X,
    y,
    splits,
    *,
    scoring=None,
    n_permutations=0,
    random_state=None,
    artifacts=None,
    row=0,
    artifact_options=None,
) -> dict:
    """Mean score over ``splits`` with chance levels, timings and a permutation p-value."""
    score_name = scoring or default_scoring(y)
    tested = np.concatenate([test for _, test in splits])
    chance_name = score_name if score_name in ("roc_auc", "accuracy") else default_scoring(y)
    chance, threshold = chance_level(y[tested], chance_name)
    folds = evaluate_folds(
        pipeline,
        X,
        y,
        splits,
        scoring=score_name,
        artifacts=artifacts is not None,
        artifact_options=artifact_options,
    )
    _keep_artifacts(artifacts, folds, row)
    score = float(np.mean([f["score"] for f in folds]))
    pvalue = np.nan
    if n_permutations:  # scikit-learn's test, on the same folds and scorer
        _, _, pvalue = permutation_test_score(
            pipeline,
            X,
            y,
            cv=list(splits),
            scoring=score_name,
            n_permutations=n_permutations,
            random_state=random_state,
        )
    return {
        "score": score,
        "time": float(np.mean([f["fit_time"] for f in folds])),
        "samples": len(y),
        "scoring": score_name,
        "chance": chance,
        "chance_p95": threshold,
        "n_classes": int(np.unique(y).size),
        "predict_time": float(np.mean([f["predict_time"] for f in folds])),
        "permutation_pvalue": pvalue,
    }


# --------------------------------------------------------------------------------------
# EEG protocols
# --------------------------------------------------------------------------------------


def evaluate_within_session(
    pipelines: dict,
    data: EpochsData,
    dataset: str,
    *,
    n_splits: int = 5,
    random_state: int | None = 42,
    scoring: str | None = None,
    n_permutations: int = 0,
    artifacts: list | None = None,
    cv=None,
) -> pd.DataFrame:
    """Stratified k-fold cross-validation in each subject's session.

    Folds are those of MOABB's ``WithinSessionEvaluation`` with the same
    ``random_state`` (:class:`~neuropipe.model_selection.WithinSessionSplitter`:
    ``StratifiedKFold(n_splits, shuffle=True)`` in each session), labels are encoded with
    ``LabelEncoder`` and the score is ROC-AUC for two classes, accuracy otherwise, so scores
    match MOABB's on the same epochs.

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
    artifacts : list | None
        If a list, the report's arrays of every fold are appended to it (see
        :func:`evaluate_folds`; ``row`` is the row of the returned table).
    cv : cross-validator | None
        The splitter of each session's epochs (its ``n_splits`` replaces ``n_splits``);
        default ``WithinSessionSplitter(n_splits, random_state=random_state)``.

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline, subject and session, columns :data:`RESULTS_SCHEMA`
        (``time`` / ``predict_time``: mean fit / scoring CPU time of a fold in seconds).
    """
    if cv is None:
        cv = WithinSessionSplitter(n_splits, random_state=random_state)
    n_splits = check_positive_int("n_splits", getattr(cv, "n_splits", n_splits), minimum=2)
    pipelines = _told_recording(pipelines, data)
    options = dict(scoring=scoring, n_permutations=n_permutations, random_state=random_state)
    rows = []
    groups = data.metadata.groupby(["subject", "session"], sort=True).indices
    for (subject, session), index in groups.items():
        encoder = LabelEncoder()
        X, y = data.X[index], encoder.fit_transform(data.y[index])
        check_labels(y, len(X), min_per_class=n_splits)
        splits = list(cv.split(X, y))
        kept = _artifact_options(data, encoder)
        for name, pipeline in pipelines.items():
            row = _score_splits(
                pipeline, X, y, splits, **options, artifacts=artifacts, row=len(rows), **kept
            )
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
    return to_schema(rows, "eeg")


def _told_recording(pipelines: dict, data) -> dict:
    """The pipelines told the channel names and rate of ``data``'s arrays (the parameters
    they leave to the data: :func:`~neuropipe.preprocessing.with_recording_info`)."""
    return {name: with_recording_info(p, data) for name, p in pipelines.items()}


def _artifact_options(data, encoder) -> dict:
    """What ``fold_artifacts`` is told about EEG epochs: class names and channel names."""
    options = {"classes": encoder.classes_, "ch_names": getattr(data, "ch_names", None)}
    return {"artifact_options": options}


def _evaluate_held_out(jobs, X, y, label, dataset, evaluation, options, artifacts, row0=0):
    """One row per ``(name, pipeline, (train, test))`` of ``jobs``; ``label(test)`` gives
    the row's subject and session; ``options``: those of :func:`_score_splits`; artifact
    rows are numbered from ``row0``."""
    rows = []
    for name, pipeline, (train, test) in jobs:
        row = _score_splits(
            pipeline, X, y, [(train, test)], **options, artifacts=artifacts, row=row0 + len(rows)
        )
        subject, session = label(test)
        rows.append(
            {
                **row,
                "samples": len(train),
                "subject": subject,
                "session": session,
                "dataset": dataset,
                "pipeline": name,
                "evaluation": evaluation,
            }
        )
    return rows


def evaluate_cross_session(
    pipelines: dict,
    data: EpochsData,
    dataset: str,
    *,
    scoring: str | None = None,
    n_permutations: int = 0,
    random_state: int | None = 42,
    artifacts: list | None = None,
    cv=None,
) -> pd.DataFrame:
    """Leave one session out, within each subject (subjects with one session are skipped).

    Returns one row per pipeline, subject and held-out session (``session`` is the
    session tested, ``samples`` the number of training epochs); folds of ``cv`` (default
    :class:`~neuropipe.model_selection.CrossSessionSplitter`), split with each subject's
    metadata as ``groups``.
    """
    cv = CrossSessionSplitter() if cv is None else cv
    pipelines = _told_recording(pipelines, data)
    options = dict(scoring=scoring, n_permutations=n_permutations, random_state=random_state)
    rows = []
    for subject, index in data.metadata.groupby("subject", sort=True).indices.items():
        meta = data.metadata.iloc[index]
        if meta["session"].nunique() < 2:
            continue
        encoder = LabelEncoder()
        X, y = data.X[index], encoder.fit_transform(data.y[index])
        splits = list(cv.split(X, y, groups=meta))
        sessions = meta["session"].to_numpy()
        jobs = [(n, p, split) for n, p in pipelines.items() for split in splits]
        rows += _evaluate_held_out(
            jobs,
            X,
            y,
            lambda test, s=subject, ss=sessions: (s, ss[test[0]]),
            dataset,
            "CrossSession",
            {**options, **_artifact_options(data, encoder)},
            artifacts,
            len(rows),
        )
    return to_schema(rows, "eeg")


def evaluate_cross_subject(
    pipelines: dict,
    data: EpochsData,
    dataset: str,
    *,
    subjects=None,
    scoring: str | None = None,
    n_permutations: int = 0,
    random_state: int | None = 42,
    artifacts: list | None = None,
    cv=None,
) -> pd.DataFrame:
    """Leave one subject out: train on all other subjects, test on the held-out one.

    Parameters
    ----------
    subjects : list | None
        Held-out subjects to evaluate (default all); training always uses every other
        subject in ``data``.
    cv : cross-validator | None
        Splits the epochs with their subjects as ``groups``, one subject per test fold;
        default :class:`~neuropipe.model_selection.CrossSubjectSplitter`.

    Returns one row per pipeline and held-out subject (``session`` is ``"all"``).
    """
    groups = data.metadata["subject"].to_numpy()
    if np.unique(groups).size < 2:
        raise ValueError("Cross-subject evaluation needs epochs of at least two subjects.")
    cv = CrossSubjectSplitter() if cv is None else cv
    encoder = LabelEncoder()
    y = encoder.fit_transform(data.y)
    splits = [
        (train, test)
        for train, test in cv.split(data.X, y, groups=groups)
        if subjects is None or groups[test[0]] in subjects
    ]
    pipelines = _told_recording(pipelines, data)
    jobs = [(n, p, split) for split in splits for n, p in pipelines.items()]
    options = dict(scoring=scoring, n_permutations=n_permutations, random_state=random_state)
    rows = _evaluate_held_out(
        jobs,
        data.X,
        y,
        lambda test: (groups[test[0]], "all"),
        dataset,
        "CrossSubject",
        {**options, **_artifact_options(data, encoder)},
        artifacts,
    )
    return to_schema(rows, "eeg")
