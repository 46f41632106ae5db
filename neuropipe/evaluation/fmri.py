"""Cross-validation protocols for multi-site resting-state fMRI diagnosis, with chance level.

Two protocols (splitters of :mod:`neuropipe.model_selection`):

- ``'stratified-<k>fold'`` (e.g. ``'stratified-10fold'``): k folds stratified jointly by
  site and label, so every fold has each site's diagnosis mix
  (:class:`~neuropipe.model_selection.SiteLabelStratifiedKFold`);
- ``'leave-site-out'``: train on all sites but one, test on the held-out site (how a
  classifier fares on a scanner it has never seen;
  :class:`~neuropipe.model_selection.LeaveSiteOut`).

Each fold is scored by accuracy next to its chance level: the accuracy of predicting the
training majority class on the test fold (:func:`~neuropipe.evaluation.chance.chance_level`
with ``y_train``). :func:`evaluate_fmri_protocol` gives the rows of the benchmark's one
results schema; :func:`summarize_fmri` makes the table of ``docs/fmri.md`` from them.

``neuropipe benchmark --datasets abide-pcp-cc200 --fmri-protocols stratified-10fold
leave-site-out`` runs the table of ``docs/fmri.md`` through the benchmark's runner.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .._validation import check_labels
from ..model_selection import make_splitter
from .chance import chance_level
from .protocols import _keep_artifacts, evaluate_folds, to_schema

__all__ = [
    "PROTOCOLS",
    "QUICK_PROTOCOLS",
    "RANDOM_STATE",
    "evaluate_fmri_protocol",
    "fmri_splits",
    "is_fmri_protocol",
    "summarize_fmri",
]

#: Protocols of the full results table (docs/fmri.md).
PROTOCOLS = ("stratified-10fold", "leave-site-out")
#: Fewer folds, for a quick ``neuropipe benchmark``.
QUICK_PROTOCOLS = ("stratified-5fold", "leave-site-out")
#: Seed of the stratified folds of every fMRI table (docs/fmri.md).
RANDOM_STATE = 0
_STRATIFIED = re.compile(r"^stratified-(\d+)fold$")


def is_fmri_protocol(protocol) -> bool:
    """Whether ``protocol`` is ``'leave-site-out'`` or ``'stratified-<k>fold'``."""
    return protocol == "leave-site-out" or bool(_STRATIFIED.match(str(protocol)))


def fmri_splits(protocol, y, site, random_state=RANDOM_STATE, *, cv=None):
    """Train/test splits of one protocol.

    Parameters
    ----------
    protocol : str
        ``'stratified-<k>fold'`` (k >= 2) or ``'leave-site-out'``.
    y : ndarray, shape (n_subjects,)
        Labels.
    site : ndarray of str, shape (n_subjects,)
        Acquisition site of each subject.
    random_state : int
        Shuffling seed of the stratified folds.
    cv : cross-validator | None
        The protocol's splitter, given the sites as ``groups`` (default
        ``make_splitter(protocol, random_state=random_state)``).

    Returns
    -------
    splits : list of (str, ndarray, ndarray)
        ``(fold_name, train_indices, test_indices)``; fold names are ``'fold0'``... or the
        held-out site.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1] * 6); site = np.repeat(["A", "B", "C"], 4)
    >>> [(name, len(test)) for name, _, test in fmri_splits("leave-site-out", y, site)]
    [('A', 4), ('B', 4), ('C', 4)]
    """
    y = np.asarray(y)
    site = np.asarray(site).astype(str)
    if site.shape != y.shape:
        raise ValueError(f"site has shape {site.shape} but y has shape {y.shape}.")
    if not is_fmri_protocol(protocol):
        raise ValueError(
            f"Invalid value for the 'protocols' parameter. Allowed values are "
            f"'stratified-<k>fold' (e.g. 'stratified-10fold') and 'leave-site-out', but got "
            f"{protocol!r} instead."
        )
    if cv is None:
        cv = make_splitter(protocol, random_state=random_state)
    splits = list(cv.split(y, y, groups=site))
    if protocol == "leave-site-out":
        return [(str(site[test][0]), train, test) for train, test in splits]
    return [(f"fold{i}", train, test) for i, (train, test) in enumerate(splits)]


def _check_fmri_data(data):
    y = check_labels(np.asarray(data.y))
    if len(data.X) != len(y):
        raise ValueError(f"dataset.X has {len(data.X)} subjects but dataset.y has {len(y)}.")
    return y


def evaluate_fmri_protocol(
    pipelines, data, protocol, *, dataset=None, random_state=RANDOM_STATE, artifacts=None, cv=None
) -> pd.DataFrame:
    """Cross-validate fMRI pipelines under one protocol: rows of the one results schema.

    Parameters
    ----------
    pipelines : dict of str to estimator
        Classifiers taking ``data.X``.
    data : Bunch
        ``X``, ``y``, ``site`` (and ``name``), as returned by
        :func:`neuropipe.datasets.abide.load_abide`.
    protocol : str
        ``'stratified-<k>fold'`` or ``'leave-site-out'``.
    dataset : str | None
        Dataset name of the rows (default ``data.name``).
    random_state : int
        Seed of the stratified folds.
    artifacts : list | None
        If a list, the report's arrays of every fold are appended to it.
    cv : cross-validator | None
        The protocol's splitter (built once by the benchmark); default the one of
        ``protocol`` seeded with ``random_state`` (see :func:`fmri_splits`).

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline and fold, columns
        :data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`: ``score`` accuracy,
        ``chance`` the training-majority accuracy on the fold (``chance_p95`` its binomial
        p < 0.05 threshold), ``session`` the fold name or held-out site, ``subject`` empty,
        ``samples`` the test subjects, ``n_train`` the training subjects, ``time`` /
        ``predict_time`` fit / prediction CPU seconds.
    """
    y = _check_fmri_data(data)
    splits = fmri_splits(protocol, y, data.site, random_state, cv=cv)
    rows = []
    for name, pipeline in pipelines.items():
        # products of small matrices are faster with one BLAS thread on a busy machine
        with threadpool_limits(limits=1, user_api="blas"):
            folds = evaluate_folds(
                pipeline,
                data.X,
                y,
                [(tr, te) for _, tr, te in splits],
                family="fmri",
                artifacts=artifacts is not None,
                artifact_options={"classes": getattr(data, "target_names", None)},
            )
        for (fold_name, train, test), fold in zip(splits, folds):
            _keep_artifacts(artifacts, [fold], len(rows))
            chance, threshold = chance_level(y[test], "accuracy", y_train=y[train])
            rows.append(
                {
                    "score": float(fold["score"]),
                    "time": fold["fit_time"],
                    "samples": len(test),
                    "session": fold_name,
                    "dataset": dataset or getattr(data, "name", "fmri"),
                    "pipeline": name,
                    "evaluation": protocol,
                    "scoring": "accuracy",
                    "chance": chance,
                    "chance_p95": threshold,
                    "n_classes": int(np.unique(y).size),
                    "predict_time": fold["predict_time"],
                    "n_train": len(train),
                }
            )
    return to_schema(rows, "fmri")


def summarize_fmri(results):
    """One row per pipeline x protocol: mean and sd of the fold accuracies, and chance.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows of :func:`evaluate_fmri_protocol` (one or several protocols), or of
        ``neuropipe benchmark``'s ``results.csv``.

    Returns
    -------
    summary : pandas.DataFrame
        Columns ``pipeline``, ``evaluation``, ``folds``, ``score_mean``, ``score_std``
        (across folds), ``pooled`` (accuracy over all test subjects, i.e. folds weighted
        by size), ``chance`` (pooled majority-class accuracy) and ``time`` (total seconds).

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"pipeline": "p", "evaluation": "e", "score": [1.0, 0.5],
    ...                     "chance": [0.5, 0.5], "samples": [2, 6], "time": [1.0, 1.0]})
    >>> summarize_fmri(res)[["score_mean", "pooled"]].values.tolist()
    [[0.75, 0.625]]
    """
    res = results.assign(
        correct=results["score"] * results["samples"],
        chance_correct=results["chance"] * results["samples"],
    )
    grouped = res.groupby(["pipeline", "evaluation"], sort=False)
    summary = grouped.agg(
        folds=("score", "size"),
        score_mean=("score", "mean"),
        score_std=("score", "std"),
        correct=("correct", "sum"),
        chance_correct=("chance_correct", "sum"),
        samples=("samples", "sum"),
        time=("time", "sum"),
    ).reset_index()
    summary["pooled"] = summary.pop("correct") / summary["samples"]
    summary["chance"] = summary.pop("chance_correct") / summary.pop("samples")
    return summary[
        ["pipeline", "evaluation", "folds", "score_mean", "score_std", "pooled", "chance", "time"]
    ]
