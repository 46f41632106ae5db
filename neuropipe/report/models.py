"""What the report reads of the fitted models: the task artifacts of a results folder.

``neuropipe benchmark`` stores, beside each task's ``tasks/<key>.csv`` and ``.json``, a
``tasks/<key>.npz`` of per-fold arrays (:mod:`neuropipe.evaluation.artifacts`). This module
finds them, says which dataset, pipeline and subject each belongs to, and turns their
folds into what a figure draws: the predictions of a confusion matrix, the mean score
map of a feature selector, a decoded trajectory. Nothing is loaded from a dataset and
nothing is fitted.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..benchmark.artifact_files import ARTIFACT_SUFFIX, load_artifacts, read_artifacts_meta
from ..benchmark.results import read_results

__all__ = ["confusion_predictions", "find_task_artifacts", "score_maps", "trajectory"]

#: Columns of :func:`find_task_artifacts`.
INDEX_COLUMNS = ["dataset", "pipeline", "subject", "protocol", "family", "path"]


def _describe(path: Path) -> dict:
    """Dataset, pipeline and subject of a task's artifacts: from the file, else its JSON
    record (``task`` fields), else its CSV (one dataset, pipeline and subject)."""
    fields = read_artifacts_meta(path)
    sidecar, table = path.with_suffix(".json"), path.with_suffix(".csv")
    if not {"dataset", "pipeline"} <= set(fields) and sidecar.is_file():
        record = json.loads(sidecar.read_text())
        record = record.get("task", record) if isinstance(record, dict) else {}
        fields = {k: str(v) for k, v in record.items() if not isinstance(v, (dict, list))}
    if not {"dataset", "pipeline"} <= set(fields) and table.is_file():
        rows = read_results(table)
        for column in ("dataset", "pipeline", "subject"):
            if column in rows and rows[column].nunique() == 1:
                fields[column] = str(rows[column].iloc[0])
    missing = {"dataset", "pipeline"} - set(fields)
    if missing:
        raise ValueError(f"no {' or '.join(sorted(missing))} in the file, its .json or its .csv")
    return fields


def find_task_artifacts(folder) -> pd.DataFrame:
    """The task artifacts of a results folder, one row per ``tasks/*.npz``.

    Parameters
    ----------
    folder : str | Path
        Folder written by ``neuropipe benchmark --output``.

    Returns
    -------
    index : pandas.DataFrame
        Columns ``dataset``, ``pipeline``, ``subject`` and ``protocol`` (text, ``""``
        when unknown), ``family`` (``"eeg"``, ``"fmri"`` or ``"decoding"``) and ``path``;
        ``index.attrs["unreadable"]`` lists ``"file: why"`` for the files skipped.

    Examples
    --------
    >>> find_task_artifacts("no-such-folder").empty
    True
    """
    rows, unreadable = [], []
    tasks = Path(folder) / "tasks"
    for path in sorted(tasks.glob(f"*{ARTIFACT_SUFFIX}")) if tasks.is_dir() else []:
        try:
            fields = _describe(path)
            with np.load(path, allow_pickle=False) as data:
                family = str(data["fold0__family"]) if "fold0__family" in data.files else "eeg"
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            unreadable.append(f"{path.name}: {' '.join(str(exc).split())[:120]}")
            continue
        rows.append(
            {
                "dataset": fields["dataset"],
                "pipeline": fields["pipeline"],
                "subject": fields.get("subject", ""),
                "protocol": fields.get("protocol", ""),
                "family": family,
                "path": path,
            }
        )
    index = pd.DataFrame(rows, columns=INDEX_COLUMNS)
    index.attrs["unreadable"] = unreadable
    return index


def confusion_predictions(folds):
    """True and predicted classes of every test fold, and the classes' names.

    Parameters
    ----------
    folds : list of dict
        :func:`neuropipe.benchmark.artifact_files.load_artifacts` of one task.

    Returns
    -------
    y_true, y_pred : ndarray, shape (n_trials,)
    labels : ndarray
        Classes in row order (the codes ``0..k-1`` when names were stored).
    display_labels : list of str
        Their names (``classes`` artifact), else the labels themselves.

    Examples
    --------
    >>> import numpy as np
    >>> folds = [{"y_true": np.array([0, 1]), "y_pred": np.array([0, 0]),
    ...           "classes": np.array(["left", "right"])}]
    >>> confusion_predictions(folds)[3]
    ['left', 'right']
    """
    y_true = np.concatenate([np.asarray(f["y_true"]).ravel() for f in folds])
    y_pred = np.concatenate([np.asarray(f["y_pred"]).ravel() for f in folds])
    classes = folds[0].get("classes")
    if classes is not None and y_true.dtype.kind in "iu" and y_pred.dtype.kind in "iu":
        labels = np.arange(len(classes))
        return y_true, y_pred, labels, [str(c) for c in classes]
    labels = np.unique(np.r_[y_true, y_pred])
    return y_true, y_pred, labels, [str(c) for c in labels]


def _selectors(fold):
    return sorted({int(key[8:].split("_", 1)[0]) for key in fold if key.startswith("selector")})


def score_maps(folds) -> list[dict]:
    """Channel x frequency score maps of a task's feature selectors, over its folds.

    For each selector with a channel x frequency grid, the folds that share its most
    frequent grid (a band chosen by inner CV may differ between folds) are combined:
    the scores are averaged (each fold's selector scored its own training trials), the
    map is signed by the class difference summed over the test folds when it was
    stored (two classes: red where the second class has more power), and the features
    kept by at least half of the folds are marked.

    Parameters
    ----------
    folds : list of dict
        :func:`neuropipe.benchmark.artifact_files.load_artifacts` of one task.

    Returns
    -------
    maps : list of dict
        ``stage`` (names of the feature steps, joined by ``+``), ``kind`` (selector
        class), ``scores`` (n_channels, n_freqs), ``signed`` (bool), ``channels``,
        ``freqs``, ``selected`` (bool, n_channels x n_freqs), ``folds`` (folds
        combined) and ``of`` (folds with this selector).

    Examples
    --------
    >>> import numpy as np
    >>> fold = {"selector0_scores": np.array([[0.1, 0.5]]), "selector0_support":
    ...         np.array([[False, True]]), "selector0_channels": np.array(["C3"]),
    ...         "selector0_freqs": np.array([8.0, 9.0]), "selector0_stage": np.array(["psd"]),
    ...         "selector0_direction": np.array([[1, -1]])}
    >>> [m["scores"].tolist() for m in score_maps([fold, fold])]
    [[[0.1, -0.5]]]
    """
    maps = []
    for i in sorted({i for fold in folds for i in _selectors(fold)}):
        key = f"selector{i}_"
        present = [f for f in folds if f"{key}scores" in f]
        gridded = [f for f in present if f"{key}channels" in f and f"{key}freqs" in f]
        if not gridded:
            continue
        grids = [
            (tuple(map(str, f[f"{key}channels"])), tuple(map(float, f[f"{key}freqs"])))
            for f in gridded
        ]
        grid = max(set(grids), key=grids.count)
        chosen = [f for f, g in zip(gridded, grids) if g == grid]
        scores = np.mean([f[f"{key}scores"] for f in chosen], axis=0)
        signed = all(f"{key}direction" in f for f in chosen)
        if signed:
            direction = np.sign(np.sum([f[f"{key}direction"] for f in chosen], axis=0))
            scores = np.where(direction < 0, -scores, scores)
        stage = chosen[0].get(f"{key}stage")
        maps.append(
            {
                "stage": "+".join(map(str, np.atleast_1d(stage))) if stage is not None else "",
                "kind": str(chosen[0].get(f"{key}kind", "selector")),
                "scores": scores,
                "signed": signed,
                "channels": list(grid[0]),
                "freqs": np.asarray(grid[1]),
                "selected": np.mean([f[f"{key}support"] for f in chosen], axis=0) >= 0.5,
                "folds": len(chosen),
                "of": len(present),
            }
        )
    return maps


def trajectory(folds) -> dict | None:
    """The stored window of a decoder's test segment (first fold with one), or None.

    Returns
    -------
    window : dict | None
        ``y_true`` and ``y_pred`` (n_bins, n_states), ``n_test`` (length of the whole
        test segment), ``bin_size`` (s, or None) and ``state_names`` (or None).

    Examples
    --------
    >>> import numpy as np
    >>> trajectory([{"y_true": np.zeros((5, 2)), "y_pred": np.ones((5, 2))}])["n_test"]
    5
    """
    for fold in folds:
        y_true = np.asarray(fold["y_true"])
        if y_true.ndim == 1:
            y_true = y_true[:, None]
        if y_true.dtype.kind not in "fiu" or y_true.size == 0:
            continue
        return {
            "y_true": y_true,
            "y_pred": np.reshape(fold["y_pred"], y_true.shape),
            "n_test": int(fold.get("n_test", len(y_true))),
            "bin_size": float(fold["bin_size"]) if "bin_size" in fold else None,
            "state_names": list(map(str, fold["state_names"])) if "state_names" in fold else None,
        }
    return None


def load_task(row) -> list[dict]:
    """The folds of one row of :func:`find_task_artifacts`."""
    return load_artifacts(row["path"])
