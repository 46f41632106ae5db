"""The one registry of datasets: every name ``get_dataset``, ``neuropipe datasets`` and
``neuropipe benchmark`` know, with its modality.

One table (as MNE's ``mne/datasets/config.py``): the bundled datasets are registered below,
in the order ``list_datasets`` shows them; :func:`register_dataset` adds a
:class:`~neuropipe.datasets.Dataset` class of your own (also as a class decorator). User
datasets need no registration: a spec (``"moabb:CODE"``, a BIDS root, a TOML description)
is opened by :func:`get_dataset` directly, and its modality is ``"eeg"``.

Examples
--------
>>> from neuropipe.datasets import dataset_modality, dataset_names
>>> dataset_names("decoding")
['flint2012', 'stevenson2011']
>>> dataset_modality("abide-pcp-cc200"), dataset_modality("moabb:PhysionetMI")
('fmri', 'eeg')
"""

from __future__ import annotations

import warnings

import pandas as pd

from .._validation import check_option
from .abide import ABIDE
from .base import MOABB_PARADIGMS, MODALITIES, PARADIGM_NAMES
from .decoding import Flint2012, Stevenson2011
from .eeg import EEGMMIDBHandsFeet, EEGMMIDBLeftRight, SSVEPExo
from .paths import data_status, find_data
from .user import is_dataset_spec, open_dataset

__all__ = [
    "MOABB_PARADIGMS",
    "PARADIGM_NAMES",
    "dataset_modality",
    "dataset_names",
    "get_dataset",
    "list_datasets",
    "load_dataset",
    "register_dataset",
    "unregister_dataset",
]

#: name -> Dataset class, in registration order.
_REGISTRY: dict[str, type] = {}


def register_dataset(cls):
    """Register a dataset class under its ``name``, so every tool finds it by name.

    Usable as a class decorator. The class has a non-empty ``name`` not registered yet, a
    ``modality`` (``"eeg"``, ``"fmri"``, ``"decoding"``: the paradigm family that evaluates
    it), and a constructor taking ``path=None`` (see :class:`~neuropipe.datasets.Dataset`).

    Parameters
    ----------
    cls : type
        The dataset class, usually a :class:`~neuropipe.datasets.Dataset` subclass.

    Returns
    -------
    cls : type
        The same class (so ``@register_dataset`` leaves it unchanged).

    Raises
    ------
    ValueError
        If ``name`` or ``modality`` is missing or empty, or ``name`` is registered already.

    Examples
    --------
    >>> from neuropipe.datasets import Dataset, get_dataset, unregister_dataset
    >>> @register_dataset
    ... class Tiny(Dataset):
    ...     name, modality, paradigms = "tiny", "decoding", ["decoding"]
    ...     subjects = [1]
    ...     def load(self, subjects=None, paradigm=None, **kwargs):
    ...         return [0.0, 1.0]
    >>> get_dataset("tiny").load(), dataset_modality("tiny")
    ([0.0, 1.0], 'decoding')
    >>> _ = unregister_dataset("tiny")
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_dataset takes a class, got {cls!r}; decorate the class.")
    for attribute, example in (("name", '"my-dataset"'), ("modality", '"eeg"')):
        value = getattr(cls, attribute, None)
        if not isinstance(value, str) or not value:
            raise ValueError(
                f"Dataset class {cls.__name__} has no {attribute} (got {value!r}); set the "
                f"class attribute, e.g. {attribute} = {example}."
            )
    if not callable(getattr(cls, "load", None)):
        raise ValueError(
            f"Dataset class {cls.__name__} has no load method; define "
            f"load(self, subjects=None, paradigm=None, **kwargs)."
        )
    if cls.name in _REGISTRY:
        raise ValueError(
            f"A dataset named {cls.name!r} is registered already ({_REGISTRY[cls.name].__name__}); "
            f"give {cls.__name__} another name, or unregister_dataset({cls.name!r}) first."
        )
    _REGISTRY[cls.name] = cls
    return cls


def unregister_dataset(name: str) -> type:
    """Remove a registered dataset (a test's, a plugin's) and return its class.

    Parameters
    ----------
    name : str
        A registered name (see :func:`dataset_names`).

    Returns
    -------
    cls : type

    Examples
    --------
    >>> from neuropipe.datasets import Flint2012
    >>> unregister_dataset("flint2012") is Flint2012
    True
    >>> "flint2012" in dataset_names()
    False
    >>> _ = register_dataset(Flint2012)  # back, now last in the table
    """
    check_option("name", name, list(_REGISTRY))
    return _REGISTRY.pop(name)


def dataset_names(modality: str | None = None) -> list[str]:
    """The registered dataset names, in registration order.

    Parameters
    ----------
    modality : str | None
        Only the datasets of this modality (``"eeg"``, ``"fmri"``, ``"decoding"``).

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> dataset_names("eeg")
    ['eegmmidb-leftright', 'eegmmidb-handsfeet', 'ssvep-exo']
    """
    if modality is None:
        return list(_REGISTRY)
    known = list(dict.fromkeys([*MODALITIES, *(c.modality for c in _REGISTRY.values())]))
    check_option("modality", modality, known)
    return [name for name, cls in _REGISTRY.items() if cls.modality == modality]


def _registered(name):
    """The class registered as ``name``, None for a user dataset spec; otherwise an error
    listing the registered names."""
    if str(name) not in _REGISTRY and is_dataset_spec(name):
        return None
    check_option("name", str(name), list(_REGISTRY))
    return _REGISTRY[str(name)]


def dataset_modality(name) -> str:
    """The modality of a registered dataset, or ``"eeg"`` for a user dataset spec.

    Parameters
    ----------
    name : str | Path
        A registered name, or a spec (``"moabb:CODE"``, a BIDS root, a TOML description).

    Returns
    -------
    modality : str

    Raises
    ------
    ValueError
        If ``name`` is neither registered nor a spec; the message lists the names.

    Examples
    --------
    >>> dataset_modality("ssvep-exo"), dataset_modality("docs/examples/eegmmidb_s001.toml")
    ('eeg', 'eeg')
    """
    cls = _registered(name)
    return "eeg" if cls is None else cls.modality


def get_dataset(name, path=None, data_path=None):
    """Return the dataset object of a registered name or of a user dataset spec.

    Parameters
    ----------
    name : str | Path
        A registered name (see :func:`dataset_names`, :func:`list_datasets`), e.g.
        ``"eegmmidb-leftright"``, ``"abide-pcp-cc200"``, ``"flint2012"``; or a user
        dataset (:mod:`neuropipe.datasets.user`): ``"moabb:PhysionetMI"`` (any MOABB
        dataset by code), a BIDS root, or a TOML description (a ``.toml`` file or a folder
        with ``neuropipe.toml``).
    path : str | Path | None
        For a registered name: the folder of the data (for ABIDE, a list of folders too);
        default its sample data (:mod:`neuropipe.datasets.paths`). A spec names its own
        files: no ``path``.
    data_path : str | Path | None
        A folder of dataset folders (as a checkout's ``data/``): a registered dataset with
        a sample-data ``folder`` reads ``data_path/<folder>`` and only that
        (:func:`~neuropipe.datasets.paths.find_data`; an error naming it when it is not
        there) instead of the search of the sample data. Not used by a spec, nor by a
        dataset without a ``folder``.

    Returns
    -------
    dataset : Dataset
        With ``name``, ``modality``, ``subjects``, ``paradigms``, ``path`` and
        ``load(subjects, paradigm, **kwargs)``.

    Examples
    --------
    >>> get_dataset("eegmmidb-leftright").subjects
    [1, 2, 3, 4, 5, 6]
    >>> list(get_dataset("moabb:PhysionetMI").paradigms)[:2]
    ['LeftRightImagery', 'MotorImagery']
    >>> get_dataset("stevenson2011").load().X.shape
    (15536, 171)
    >>> root = find_data()  # a folder of dataset folders
    >>> get_dataset("flint2012", data_path=root).path == root / "flint2012"
    True
    """
    cls = _registered(name)
    if cls is None:
        if path is not None:
            raise ValueError(
                f"path={str(path)!r} applies to registered datasets; the spec {str(name)!r} "
                f"names its own files: drop path."
            )
        return open_dataset(name)
    if data_path is not None and getattr(cls, "folder", ""):
        if path is not None:
            raise ValueError(
                f"get_dataset({str(name)!r}) was given both path (the dataset's folder) and "
                f"data_path (a folder of dataset folders); give one."
            )
        path = find_data(cls.folder, data_path=data_path)
    return cls(path=path)


def load_dataset(name: str, subjects=None, path=None, paradigm=None, **kwargs):
    """Load a dataset by name: ``get_dataset(name, path).load(subjects, paradigm, **kwargs)``.

    Parameters
    ----------
    name : str
        Dataset name (see :func:`list_datasets`) or user dataset spec (see
        :func:`get_dataset`: ``"moabb:CODE"``, a BIDS root, a TOML description).
    subjects : list | None
        Subjects to load; default all available.
    path : str | Path | None
        A folder of the full dataset; default the bundled copy.
    paradigm : str | None
        Paradigm whose epoching to use (EEG: a MOABB paradigm); default the dataset's first.
    **kwargs
        Options of the dataset's ``load``: for EEG the epoching overrides (``tmin``,
        ``tmax``, ``l_freq``, ``h_freq``, ``picks``...).

    Returns
    -------
    data : neuropipe.io.EpochsData | sklearn.utils.Bunch
        EpochsData for EEG; the Bunch of :func:`load_abide`, :func:`load_flint2012`...
        for the others.

    Examples
    --------
    >>> ep = load_dataset("eegmmidb-handsfeet", subjects=[1])
    >>> len(ep), sorted(set(ep.y.tolist()))
    (45, ['feet', 'hands'])
    """
    return get_dataset(name, path).load(subjects=subjects, paradigm=paradigm, **kwargs)


def _row(name: str, cls) -> dict:
    """The list_datasets row of a registered class, its files looked at."""
    row = {"name": name, **cls.table_row(), "subjects": 0, "path": ""}
    if cls.folder:
        status = data_status(cls.folder)
        state, detail = status["state"], status["detail"]
        if state == "missing":
            return {**row, "status": state, "detail": detail}
        dataset = cls(path=status["path"])  # the folder data_status found
    else:  # not sample data: its own default path, no checksums
        try:
            dataset = cls()
        except FileNotFoundError as exc:
            return {**row, "status": "missing", "detail": str(exc)}
        state, detail = "unverified", "not sample data: no checksums"
    left_out = dataset.left_out()
    if left_out:
        note = f"subjects {left_out} lack runs this dataset needs: left out"
        detail = note if state == "complete" else f"{detail}; {note}"
        if state == "partial":
            warnings.warn(f"{name}: {note}.", UserWarning, stacklevel=3)
    row.update(subjects=len(dataset.subjects), status=state, detail=detail)
    return {**row, "path": "" if dataset.path is None else str(dataset.path)}


def list_datasets() -> pd.DataFrame:
    """Table of the registered datasets: name, modality, paradigms, subjects, classes, licence.

    Every dataset has a row, found or not: ``status`` is ``complete``, ``partial`` (files
    listed in its ``SHA256SUMS.txt`` are missing), ``damaged``, ``unverified`` (no
    checksums) or ``missing``, with the ``detail`` (which files, where it looked) and the
    ``path``. Subjects left out of a dataset because runs it needs are missing are named in
    ``detail`` and warned about.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``name``, ``modality`` (the recording: ``EEG``, ``fMRI``, ``spikes``),
        ``paradigms``, ``subjects``, ``classes``, ``licence``, ``description``, ``status``,
        ``detail``, ``path``; one row per registered dataset, in registration order.

    Examples
    --------
    >>> table = list_datasets().set_index("name")
    >>> table.loc["abide-pcp-cc200", ["modality", "paradigms", "status"]].tolist()
    ['fMRI', 'fmri', 'complete']
    >>> int(table.loc["abide-pcp-cc200", "subjects"])
    249
    """
    columns = ["name", "modality", "paradigms", "subjects", "classes", "licence"]
    columns += ["description", "status", "detail", "path"]
    return pd.DataFrame([_row(name, cls) for name, cls in _REGISTRY.items()], columns=columns)


# the bundled datasets, in the order list_datasets shows them
for _dataset in (EEGMMIDBLeftRight, EEGMMIDBHandsFeet, SSVEPExo, ABIDE, Flint2012, Stevenson2011):
    register_dataset(_dataset)
