"""Cross-validation protocols for multi-site resting-state fMRI diagnosis, with chance level.

Two protocols:

- ``'stratified-<k>fold'`` (e.g. ``'stratified-10fold'``): k folds stratified jointly by
  site and label, so every fold has each site's diagnosis mix;
- ``'leave-site-out'``: train on all sites but one, test on the held-out site (how a
  classifier fares on a scanner it has never seen).

Each fold is scored by accuracy next to its chance level: the accuracy of predicting the
training majority class on the test fold (:func:`chance_level`).

Run ``python -m neuropipe.evaluation.fmri`` for the table in ``docs/fmri.md``.
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from .._validation import check_labels
from ..datasets.paths import installed_pipelines_dir
from .pipelines import load_pipelines

__all__ = [
    "PROTOCOLS",
    "QUICK_PROTOCOLS",
    "chance_level",
    "evaluate_fmri",
    "fmri_splits",
    "load_pipeline_files",
    "summarize_fmri",
]

#: The fMRI pipeline files that come with neuropipe (installed copy, or the clone's).
PIPELINE_DIR = installed_pipelines_dir() / "fmri"
#: Protocols of the full results table (docs/fmri.md).
PROTOCOLS = ("stratified-10fold", "leave-site-out")
#: Fewer folds, for a quick ``neuropipe benchmark``.
QUICK_PROTOCOLS = ("stratified-5fold", "leave-site-out")
_STRATIFIED = re.compile(r"^stratified-(\d+)fold$")


def fmri_splits(protocol, y, site, random_state=0):
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
    match = _STRATIFIED.match(str(protocol))
    if match:
        n_splits = int(match.group(1))
        strata = np.char.add(np.char.add(site, "|"), y.astype(str))
        _, counts = np.unique(strata, return_counts=True)
        if n_splits < 2 or counts.min() < n_splits:
            raise ValueError(
                f"Protocol {protocol!r}: the smallest site x label group has {counts.min()} "
                f"subjects, fewer than the {n_splits} folds (and k must be >= 2); use fewer "
                f"folds, e.g. 'stratified-5fold'."
            )
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        return [(f"fold{i}", tr, te) for i, (tr, te) in enumerate(cv.split(y, strata))]
    if protocol == "leave-site-out":
        sites = np.unique(site)
        if sites.size < 2:
            raise ValueError(
                f"Protocol 'leave-site-out' needs at least 2 sites, got {sites.tolist()}; use "
                f"'stratified-10fold'."
            )
        return [(str(site[te][0]), tr, te) for tr, te in LeaveOneGroupOut().split(y, y, site)]
    raise ValueError(
        f"Invalid value for the 'protocols' parameter. Allowed values are "
        f"'stratified-<k>fold' (e.g. 'stratified-10fold') and 'leave-site-out', but got "
        f"{protocol!r} instead."
    )


def _take(X, idx):
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    if isinstance(X, np.ndarray):
        return X[idx]
    return [X[i] for i in idx]


def chance_level(y_train, y_test):
    """Accuracy on ``y_test`` of always predicting the majority class of ``y_train``.

    Ties go to the smallest label, as ``DummyClassifier(strategy='most_frequent')``.

    Examples
    --------
    >>> chance_level([0, 0, 1], [0, 1, 1, 1])
    0.25
    """
    classes, counts = np.unique(np.asarray(y_train), return_counts=True)
    return float(np.mean(np.asarray(y_test) == classes[np.argmax(counts)]))


def _run_folds(pipeline, X, y, folds):
    # one task per pipeline x protocol: X (~60 MB of time series) is sent to a worker once
    out = []
    with threadpool_limits(limits=1, user_api="blas"):
        for _, train, test in folds:
            start = time.perf_counter()
            model = clone(pipeline).fit(_take(X, train), y[train])
            score = float(np.mean(model.predict(_take(X, test)) == y[test]))
            duration = time.perf_counter() - start
            out.append((score, chance_level(y[train], y[test]), duration))
    return out


def evaluate_fmri(
    pipelines,
    dataset=None,
    protocols=PROTOCOLS,
    random_state=0,
    n_jobs=1,
    verbose=False,
):
    """Cross-validate fMRI diagnosis pipelines under multi-site protocols.

    Parameters
    ----------
    pipelines : dict of str to estimator
        Classifiers taking the dataset's ``X`` (for the bundled ABIDE data, a DataFrame
        with a ``'timeseries'`` column and covariates; see ``pipelines/fmri``).
    dataset : Bunch | None
        Object with ``X``, ``y``, ``site`` and ``name`` (as returned by
        :func:`neuropipe.datasets.abide.load_abide`); None loads the bundled ABIDE subset.
    protocols : sequence of str
        ``'stratified-<k>fold'`` and/or ``'leave-site-out'``.
    random_state : int
        Seed of the stratified folds.
    n_jobs : int
        Number of joblib workers; each runs the folds of one pipeline x protocol with one
        BLAS thread (products of small matrices are faster so on a busy machine).
    verbose : bool
        Show a progress bar.

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline x protocol x fold, with columns ``dataset``, ``pipeline``,
        ``evaluation`` (protocol), ``subject`` (``'all'``), ``session`` (fold name or
        held-out site), ``score`` (accuracy), ``chance`` (majority-class accuracy on the
        same fold), ``time`` (fit + predict seconds), ``samples`` (test subjects) and
        ``n_train``.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from neuropipe.features.graph import ConnectivityGraph, GraphMetrics
    >>> from neuropipe.datasets.abide import load_abide
    >>> data = load_abide(sites=["OHSU", "KKI"])
    >>> clf = make_pipeline(ConnectivityGraph(), GraphMetrics(), LogisticRegression())
    >>> res = evaluate_fmri({"motifs": clf}, data, protocols=["leave-site-out"])
    >>> res[["session", "samples"]].values.tolist()
    [['KKI', 48], ['OHSU', 26]]
    """
    if dataset is None:
        from ..datasets.abide import load_abide

        dataset = load_abide()
    if not isinstance(pipelines, dict) or not pipelines:
        raise ValueError(
            "pipelines must be a non-empty dict {name: estimator}; for MOABB-style files use "
            "load_pipeline_files('pipelines/fmri')."
        )
    if isinstance(protocols, str):
        protocols = [protocols]
    y = check_labels(np.asarray(dataset.y))
    X = dataset.X
    if len(X) != len(y):
        raise ValueError(f"dataset.X has {len(X)} subjects but dataset.y has {len(y)}.")
    splits = {p: fmri_splits(p, y, dataset.site, random_state) for p in protocols}
    tasks = [(name, pipe, protocol) for name, pipe in pipelines.items() for protocol in splits]
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_run_folds)(pipe, X, y, splits[protocol])
        for _, pipe, protocol in tqdm(tasks, disable=not verbose, desc="fMRI CV")
    )
    rows = [
        {
            "dataset": getattr(dataset, "name", "fmri"),
            "pipeline": name,
            "evaluation": protocol,
            "subject": "all",
            "session": fold,
            "score": score,
            "chance": chance,
            "time": duration,
            "samples": len(test),
            "n_train": len(train),
        }
        for (name, _, protocol), results in zip(tasks, outputs)
        for (fold, train, test), (score, chance, duration) in zip(splits[protocol], results)
    ]
    return pd.DataFrame(rows)


def summarize_fmri(results):
    """One row per pipeline x protocol: mean and sd of the fold accuracies, and chance.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`evaluate_fmri`.

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


def load_pipeline_files(path=PIPELINE_DIR, paradigm="fmri", include_slow=False):
    """The pipelines of the files in ``path`` that list ``paradigm``, as a name -> estimator dict.

    Parameters
    ----------
    path : str | path-like
        Folder of pipeline files (default: the repository's ``pipelines/fmri``).
    paradigm : str
        Keep pipelines whose ``'paradigms'`` list contains it.
    include_slow : bool
        Also keep pipelines marked ``"slow": True`` (``benchmarks/bench_fmri.py`` runs all).
    """
    configs = load_pipelines(path, include_slow=include_slow)
    if not configs:
        raise FileNotFoundError(f"No pipeline files in {str(path)!r}.")
    return {c["name"]: c["pipeline"] for c in configs if paradigm in c["paradigms"]}


def _markdown(summary):
    lines = [
        "| pipeline | protocol | folds | accuracy (mean ± sd over folds) | pooled | chance | "
        "time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        lines.append(
            f"| {row.pipeline} | {row.evaluation} | {row.folds} | {row.score_mean:.3f} ± "
            f"{row.score_std:.3f} | {row.pooled:.3f} | {row.chance:.3f} | {row.time:.0f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    """Command line: evaluate the fMRI pipeline files and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipelines", default=str(PIPELINE_DIR), help="pipeline folder")
    parser.add_argument("--protocols", nargs="+", default=list(PROTOCOLS))
    parser.add_argument(
        "--data", nargs="+", default=None, help="ABIDE folder(s) (default: bundled copy)"
    )
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default=None, help="write the per-fold results to this CSV")
    args = parser.parse_args(argv)

    from ..datasets.abide import load_abide

    results = evaluate_fmri(
        load_pipeline_files(args.pipelines),
        load_abide(args.data),
        protocols=args.protocols,
        n_jobs=args.n_jobs,
        verbose=True,
    )
    if args.out:
        results.to_csv(args.out, index=False)
    print(_markdown(summarize_fmri(results)))


if __name__ == "__main__":
    main()
