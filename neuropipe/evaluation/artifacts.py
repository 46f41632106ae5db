"""What the report draws from fitted models, computed during evaluation and stored with results.

The evaluation calls :func:`fold_artifacts` on every fitted test fold and the runner writes
the list of a task's folds next to its results with :func:`save_task_artifacts`; the report
reads them back with :func:`load_artifacts` and never refits a pipeline.

(Contract stub written by the lead; the report's owner fills it in.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["fold_artifacts", "load_artifacts", "save_task_artifacts"]


def fold_artifacts(estimator, X_test, y_test, y_pred, *, family: str) -> dict:
    """Arrays the report needs from one fitted fold.

    Parameters
    ----------
    estimator : fitted estimator
        The pipeline fitted on the training part of the fold.
    X_test, y_test : array-like
        The fold's test data and true targets.
    y_pred : array-like
        The estimator's predictions on ``X_test``.
    family : {"eeg", "fmri", "decoding"}
        The benchmark family of the task.

    Returns
    -------
    artifacts : dict of str to numpy.ndarray
        At least ``y_true`` and ``y_pred``.
    """
    return {"y_true": np.asarray(y_test), "y_pred": np.asarray(y_pred)}


def save_task_artifacts(path, folds: list[dict]) -> Path:
    """Write the artifacts of a task's folds to ``path`` (an ``.npz`` file)."""
    path = Path(path)
    arrays = {f"fold{i}__{k}": v for i, fold in enumerate(folds) for k, v in fold.items()}
    np.savez_compressed(path, **arrays)
    return path


def load_artifacts(path) -> list[dict]:
    """Read what :func:`save_task_artifacts` wrote, as a list of per-fold dicts."""
    with np.load(path, allow_pickle=False) as data:
        folds: dict[int, dict] = {}
        for name in data.files:
            fold, key = name.split("__", 1)
            folds.setdefault(int(fold[4:]), {})[key] = data[name]
    return [folds[i] for i in sorted(folds)]
