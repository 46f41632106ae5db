"""Datasets: one interface (:class:`Dataset`) and one registry of names.

Every dataset, bundled (EEG, ABIDE fMRI, the decoding sessions) or the user's own
(``"moabb:CODE"``, a BIDS root, a TOML description), has a ``name``, a ``modality``, its
``subjects`` and ``paradigms``, a ``path`` and ``load``; :func:`get_dataset` returns it by
name, :func:`register_dataset` adds one, :func:`list_datasets` tabulates the registry.

>>> from neuropipe.datasets import dataset_names, list_datasets
>>> list_datasets()["name"].tolist() == dataset_names()
True
"""

from __future__ import annotations

from .abide import ABIDE, load_abide
from .base import MOABB_PARADIGMS, PARADIGM_NAMES, Dataset
from .decoding import Flint2012, Stevenson2011, load_flint2012, load_stevenson2011
from .eeg import EEGDataset, EEGMMIDBHandsFeet, EEGMMIDBLeftRight, SSVEPExo, bundled_path
from .paths import (
    DataNotFoundError,
    data_status,
    default_pipelines_dir,
    find_data,
    install_sample_data,
)
from .registry import (
    dataset_modality,
    dataset_names,
    get_dataset,
    list_datasets,
    load_dataset,
    register_dataset,
    unregister_dataset,
)
from .user import BIDSDataset, MOABBDataset, TOMLDataset, open_dataset

__all__ = [
    "ABIDE",
    "BIDSDataset",
    "DataNotFoundError",
    "Dataset",
    "Flint2012",
    "MOABBDataset",
    "MOABB_PARADIGMS",
    "PARADIGM_NAMES",
    "Stevenson2011",
    "TOMLDataset",
    "dataset_modality",
    "dataset_names",
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
    "register_dataset",
    "unregister_dataset",
]
