"""The dataset interface: what every dataset (EEG, fMRI, decoding, a user's own) offers.

A dataset has a ``name`` (the key of the registry, :mod:`neuropipe.datasets.registry`), a
``modality`` (``"eeg"``, ``"fmri"`` or ``"decoding"``: the paradigm family that evaluates
it), its ``subjects``, the ``paradigms`` it serves, the ``path`` it reads and
``load(subjects=None, paradigm=None, **kwargs)``. The bundled EEG datasets, ABIDE, the
decoding sessions and the user specs (``"moabb:CODE"``, BIDS roots, TOML descriptions)
are all :class:`Dataset` subclasses.

Examples
--------
>>> from neuropipe.datasets import Dataset, get_dataset
>>> dataset = get_dataset("flint2012")
>>> isinstance(dataset, Dataset), dataset.modality, dataset.subjects, dataset.paradigms
(True, 'decoding', [1], ['decoding'])
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from .._validation import check_option

__all__ = ["Dataset", "MODALITIES", "MOABB_PARADIGMS", "PARADIGM_NAMES"]

#: The modalities of the bundled datasets: each is evaluated by its paradigm family.
MODALITIES = ("eeg", "fmri", "decoding")

#: MOABB's paradigm names: those an EEG dataset may serve (its ``paradigms``) and a
#: pipeline file may declare.
MOABB_PARADIGMS = (
    "LeftRightImagery",
    "MotorImagery",
    "FilterBankLeftRightImagery",
    "FilterBankMotorImagery",
    "SSVEP",
    "FilterBankSSVEP",
    "P300",
    "CVEP",
    "FilterBankCVEP",
    "FixedIntervalWindowsProcessing",
    "FilterBankFixedIntervalWindowsProcessing",
    "RestingStateToP300Adapter",
    "SpeechImagery",
)

#: Every paradigm name a dataset serves and a pipeline file may declare: MOABB's, and the
#: ``"fmri"`` and ``"decoding"`` paradigms of the fMRI and decoding datasets.
PARADIGM_NAMES = MOABB_PARADIGMS + ("fmri", "decoding")


class Dataset(ABC):
    """Base class of a dataset: its name, modality, subjects, paradigms, path and ``load``.

    A subclass sets the class attributes below, implements :attr:`subjects` and
    :meth:`load`, and takes ``path`` in its constructor; registered with
    :func:`~neuropipe.datasets.register_dataset`, it is found by name by
    :func:`~neuropipe.datasets.get_dataset`, ``neuropipe datasets`` and
    ``neuropipe benchmark``.

    Parameters
    ----------
    path : str | Path | None
        Folder of the dataset; ``None`` for the subclass's default (the sample data, for
        the bundled datasets).

    Attributes
    ----------
    name : str
        The name in the registry and in result tables.
    modality : str
        ``"eeg"``, ``"fmri"`` or ``"decoding"``: which paradigm family evaluates it.
    paradigms : dict | list of str
        The paradigms it serves: MOABB paradigm names for EEG (a dict: name -> epoching
        options), ``["fmri"]`` or ``["decoding"]``.
    path : Path | None
        The folder it reads (``None`` when its files are not in one folder of its own).
    folder : str
        Its sample-data folder (see :mod:`neuropipe.datasets.paths`), ``""`` if none.
    data_type, description, licence, classes : str
        What :func:`~neuropipe.datasets.list_datasets` shows of it: the kind of recording
        (``"EEG"``, ``"fMRI"``, ``"spikes"``), a one-line description, the licence and the
        classes (or target) in words.
    n_sessions : int | None
        Sessions of every subject, when known without loading (``None``: not known); a
        protocol that needs several (``cross-session``) is not planned on a dataset with one.

    Examples
    --------
    >>> import numpy as np
    >>> class Noise(Dataset):
    ...     name, modality, paradigms = "noise", "decoding", ["decoding"]
    ...     @property
    ...     def subjects(self):
    ...         return [1]
    ...     def load(self, subjects=None, paradigm=None, **kwargs):
    ...         self.check_paradigm(paradigm)
    ...         return np.zeros((4, 2))
    >>> Noise().load().shape, Noise().path
    ((4, 2), None)
    """

    name: str = ""
    modality: str = ""
    paradigms: dict | list = []
    folder: str = ""
    data_type: str = ""
    description: str = ""
    licence: str = ""
    classes: str = ""
    n_sessions: int | None = None

    def __init__(self, path=None):
        self.path = None if path is None else Path(path)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} ({self.modality}): {self.path}>"

    @property
    @abstractmethod
    def subjects(self) -> list:
        """The subjects of the dataset (``load(subjects=None)`` loads these)."""

    @abstractmethod
    def load(self, subjects=None, paradigm=None, **kwargs):
        """Load the data of some subjects as ``paradigm`` uses it.

        Parameters
        ----------
        subjects : list | None
            Subjects to load; default all.
        paradigm : str | None
            One of :attr:`paradigms`; default the first.
        **kwargs
            Options of the dataset's loader.
        """

    def check_paradigm(self, paradigm: str | None) -> str:
        """``paradigm``, or the first of :attr:`paradigms` when None; an error naming the
        choices when the dataset does not serve it.

        Examples
        --------
        >>> from neuropipe.datasets import get_dataset
        >>> get_dataset("ssvep-exo").check_paradigm(None)
        'SSVEP'
        """
        paradigm = paradigm or next(iter(self.paradigms))
        check_option("paradigm", paradigm, list(self.paradigms))
        return paradigm

    @classmethod
    def table_row(cls) -> dict:
        """What :func:`~neuropipe.datasets.list_datasets` shows of the class, before its
        files are looked at: ``modality``, ``paradigms``, ``classes``, ``licence``,
        ``description``.

        Examples
        --------
        >>> from neuropipe.datasets import EEGMMIDBLeftRight
        >>> EEGMMIDBLeftRight.table_row()["classes"]
        'left_hand, right_hand'
        """
        return {
            "modality": cls.data_type,
            "paradigms": ", ".join(cls.paradigms),
            "classes": cls.classes,
            "licence": cls.licence,
            "description": cls.description,
        }

    def left_out(self) -> list:
        """Subjects whose files are in :attr:`path` but that the dataset does not load
        (runs it needs are missing); none by default."""
        return []
