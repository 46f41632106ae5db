"""Bundled sample datasets, each knowing its files, labels and provenance.

>>> from neuropipe.datasets import list_datasets, load_dataset
>>> "eegmmidb-leftright" in list_datasets()["name"].tolist()
True
"""

from __future__ import annotations

import re
import warnings

import pandas as pd

from .._validation import check_option
from .abide import load_abide
from .decoding import load_flint2012, load_stevenson2011
from .eeg import EEGDataset, EEGMMIDBHandsFeet, EEGMMIDBLeftRight, SSVEPExo, bundled_path
from .paths import (
    DataNotFoundError,
    data_status,
    default_pipelines_dir,
    find_data,
    install_sample_data,
)
from .user import BIDSDataset, MOABBDataset, TOMLDataset, is_dataset_spec, open_dataset

__all__ = [
    "BIDSDataset",
    "DataNotFoundError",
    "MOABBDataset",
    "TOMLDataset",
    "data_status",
    "default_pipelines_dir",
    "find_data",
    "install_sample_data",
    "open_dataset",
    "EEGDataset",
    "EEGMMIDBHandsFeet",
    "EEGMMIDBLeftRight",
    "SSVEPExo",
    "bundled_path",
    "get_dataset",
    "list_datasets",
    "load_abide",
    "load_dataset",
    "load_flint2012",
    "load_stevenson2011",
]

#: The other bundled datasets: name -> (modality, task, subjects, licence, loader, folder).
OTHER_DATASETS = {
    "abide-pcp-cc200": (
        "fMRI",
        "autism vs control (ROI time series, CC200)",
        249,
        "ABIDE: non-commercial research",
        "load_abide",
        "abide-pcp-cc200",
    ),
    "flint2012": (
        "spikes",
        "hand velocity decoding (M1, 100 ms bins)",
        1,
        "MIT (data: CRCNS)",
        "load_flint2012",
        "flint2012",
    ),
    "stevenson2011": (
        "spikes",
        "hand velocity decoding (171 M1 units, 50 ms bins)",
        1,
        "MIT (data: DREAM)",
        "load_stevenson2011",
        "stevenson2011",
    ),
}

EEG_DATASETS = {cls.name: cls for cls in (EEGMMIDBLeftRight, EEGMMIDBHandsFeet, SSVEPExo)}


def get_dataset(name, path=None):
    """Return the dataset object of a bundled name or of a user dataset spec.

    Parameters
    ----------
    name : str | Path
        A bundled name (see :func:`list_datasets`), e.g. ``"eegmmidb-leftright"``; or a
        user dataset (:mod:`neuropipe.datasets.user`): ``"moabb:PhysionetMI"`` (any MOABB
        dataset by code), a BIDS root, or a TOML description (a ``.toml`` file or a folder
        with ``neuropipe.toml``).
    path : str | Path | None
        For a bundled name: a folder of the full dataset; default the sample data.

    Returns
    -------
    dataset : EEGDataset | MOABBDataset | BIDSDataset | TOMLDataset
        Each has ``name``, ``subjects``, ``paradigms`` and ``load(subjects, paradigm)``.

    Examples
    --------
    >>> get_dataset("eegmmidb-leftright").subjects
    [1, 2, 3, 4, 5, 6]
    >>> list(get_dataset("moabb:PhysionetMI").paradigms)[:2]
    ['LeftRightImagery', 'MotorImagery']
    """
    if str(name) not in EEG_DATASETS and path is None and is_dataset_spec(name):
        return open_dataset(name)
    check_option("name", name, list(EEG_DATASETS))
    return EEG_DATASETS[name](path)


def load_dataset(name: str, subjects=None, path=None, paradigm=None, **kwargs):
    """Load a dataset by name.

    Parameters
    ----------
    name : str
        Dataset name (see :func:`list_datasets`) or user dataset spec (see
        :func:`get_dataset`: ``"moabb:CODE"``, a BIDS root, a TOML description).
    subjects : list of int | None
        Subjects to load; default all available.
    path : str | Path | None
        A folder of the full dataset; default the bundled copy.
    paradigm : str | None
        MOABB paradigm whose epoching to use; default the dataset's first.
    **kwargs
        Epoching overrides (``tmin``, ``tmax``, ``l_freq``, ``h_freq``, ``picks``...).

    Returns
    -------
    epochs : neuropipe.io.EpochsData

    Examples
    --------
    >>> ep = load_dataset("eegmmidb-handsfeet", subjects=[1])
    >>> len(ep), sorted(set(ep.y.tolist()))
    (45, ['feet', 'hands'])
    """
    return get_dataset(name, path).load(subjects=subjects, paradigm=paradigm, **kwargs)


def _left_out(dataset) -> list[int]:
    """Subjects with a folder in the dataset's path that it does not load (missing runs)."""
    found = set()
    for folder in dataset.path.rglob("*"):
        match = re.fullmatch(r"(?:S|subject|sub-)(\d+)", folder.name)
        if match and folder.is_dir():
            found.add(int(match.group(1)))
    return sorted(found - set(dataset.subjects))


def _status(folder: str) -> tuple[str, str]:
    status = data_status(folder)
    return status["state"], status["detail"]


def list_datasets() -> pd.DataFrame:
    """Table of the sample datasets: name, modality, paradigms, subjects, classes, licence.

    Every dataset has a row, found or not: ``status`` is ``complete``, ``partial`` (files
    listed in its ``SHA256SUMS.txt`` are missing), ``damaged`` or ``missing``, with the
    ``detail`` (which files, where it looked) and the ``path``. Subjects left out of a
    dataset because runs it needs are missing are named in ``detail`` and warned about.
    """
    rows = []
    for name, cls in EEG_DATASETS.items():
        state, detail = _status(cls.folder)
        row = {
            "name": name,
            "modality": "EEG",
            "paradigms": ", ".join(cls.paradigms),
            "subjects": 0,
            "classes": ", ".join(sorted(set(map(str, cls.event_map.values())))),
            "licence": cls.licence,
            "description": cls.description,
        }
        if state == "missing":
            rows.append({**row, "status": state, "detail": detail, "path": ""})
            continue
        dataset = cls()
        left_out = _left_out(dataset)
        if left_out:
            note = f"subjects {left_out} lack runs this dataset needs: left out"
            detail = note if state == "complete" else f"{detail}; {note}"
            if state == "partial":
                warnings.warn(f"{name}: {note}.", UserWarning, stacklevel=2)
        row.update(subjects=len(dataset.subjects), status=state, detail=detail)
        rows.append({**row, "path": str(dataset.path)})
    for name, (modality, task, n, licence, loader, folder) in OTHER_DATASETS.items():
        state, detail = _status(folder)
        rows.append(
            {
                "name": name,
                "modality": modality,
                "paradigms": "fmri" if modality == "fMRI" else "decoding",
                "subjects": 0 if state == "missing" else n,
                "classes": task,
                "licence": licence,
                "description": f"neuropipe.datasets.{loader}()",
                "status": state,
                "detail": detail,
                "path": "" if state == "missing" else str(find_data(folder, verify=False)),
            }
        )
    return pd.DataFrame(rows)
