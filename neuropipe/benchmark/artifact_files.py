"""Files of a task's fold arrays: what :func:`~neuropipe.evaluation.artifacts.fold_artifacts`
computed on every fitted fold, written beside the task's results (``tasks/<key>.npz``) and
read back by the report, which never refits a pipeline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["ARTIFACT_SUFFIX", "load_artifacts", "read_artifacts_meta", "save_task_artifacts"]

#: Suffix of a task's artifacts file, beside its ``.csv`` and ``.json`` in ``tasks/``.
ARTIFACT_SUFFIX = ".npz"

#: Prefix of the task description stored by :func:`save_task_artifacts` (``meta=``).
_META = "meta__"


def save_task_artifacts(path, folds: list[dict], *, meta: dict | None = None) -> Path:
    """Write the artifacts of a task's folds to ``path`` (an ``.npz`` file).

    Parameters
    ----------
    path : str | Path
        The file to write (``tasks/<task key>.npz``, beside the task's CSV).
    folds : list of dict
        :func:`~neuropipe.evaluation.artifacts.fold_artifacts` of each fold, in fold order.
    meta : dict of str to str | None
        What the task is (``dataset``, ``pipeline``, ``subject``...), stored in the file
        so that it describes itself; the report otherwise reads the task's JSON or CSV.

    Returns
    -------
    path : Path
    """
    path = Path(path)
    arrays = {f"fold{i}__{k}": v for i, fold in enumerate(folds) for k, v in fold.items()}
    arrays.update({f"{_META}{k}": np.asarray(str(v)) for k, v in (meta or {}).items()})
    np.savez_compressed(path, **arrays)
    return path


def load_artifacts(path) -> list[dict]:
    """Read what :func:`save_task_artifacts` wrote, as a list of per-fold dicts."""
    with np.load(path, allow_pickle=False) as data:
        folds: dict[int, dict] = {}
        for name in data.files:
            if name.startswith(_META):
                continue
            fold, key = name.split("__", 1)
            folds.setdefault(int(fold[4:]), {})[key] = data[name]
    return [folds[i] for i in sorted(folds)]


def read_artifacts_meta(path) -> dict:
    """The ``meta`` that :func:`save_task_artifacts` stored in ``path`` (maybe empty).

    Returns
    -------
    meta : dict of str to str
    """
    with np.load(path, allow_pickle=False) as data:
        return {
            name.removeprefix(_META): str(data[name])
            for name in data.files
            if name.startswith(_META)
        }
