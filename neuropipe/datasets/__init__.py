"""Bundled sample datasets, each knowing its files, labels and provenance.

>>> from neuropipe.datasets import list_datasets, load_dataset
>>> "eegmmidb-leftright" in list_datasets()["name"].tolist()
True
"""

from __future__ import annotations

import pandas as pd

from .._validation import check_option
from .abide import load_abide
from .decoding import load_flint2012, load_stevenson2011
from .eeg import EEGDataset, EEGMMIDBHandsFeet, EEGMMIDBLeftRight, SSVEPExo, bundled_path

__all__ = [
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


def get_dataset(name: str, path=None) -> EEGDataset:
    """Return the dataset object called ``name`` (see :func:`list_datasets`).

    Parameters
    ----------
    name : str
        Dataset name, e.g. ``"eegmmidb-leftright"``.
    path : str | Path | None
        A folder of the full dataset; default the bundled copy.
    """
    check_option("name", name, list(EEG_DATASETS))
    return EEG_DATASETS[name](path)


def load_dataset(name: str, subjects=None, path=None, paradigm=None, **kwargs):
    """Load a dataset by name.

    Parameters
    ----------
    name : str
        Dataset name (see :func:`list_datasets`).
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
    >>> len(ep), sorted(set(ep.y))
    (45, ['feet', 'hands'])
    """
    return get_dataset(name, path).load(subjects=subjects, paradigm=paradigm, **kwargs)


def list_datasets() -> pd.DataFrame:
    """Table of the bundled datasets: name, modality, paradigms, subjects, classes, licence."""
    rows = []
    for name, cls in EEG_DATASETS.items():
        dataset = cls()
        rows.append(
            {
                "name": name,
                "modality": "EEG",
                "paradigms": ", ".join(cls.paradigms),
                "subjects": len(dataset.subjects),
                "classes": ", ".join(sorted(set(map(str, cls.event_map.values())))),
                "licence": cls.licence,
                "description": cls.description,
                "path": str(dataset.path),
            }
        )
    for name, (modality, task, n, licence, loader, folder) in OTHER_DATASETS.items():
        rows.append(
            {
                "name": name,
                "modality": modality,
                "paradigms": "fmri" if modality == "fMRI" else "decoding",
                "subjects": n,
                "classes": task,
                "licence": licence,
                "description": f"neuropipe.datasets.{loader}()",
                "path": str(bundled_path(folder)),
            }
        )
    return pd.DataFrame(rows)
