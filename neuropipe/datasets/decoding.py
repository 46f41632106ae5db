"""Bundled continuous-decoding datasets: monkey M1 features with hand velocity.

- ``flint2012``: 10 PCA features of 96-channel spike counts, 100 ms bins (the DKF
  paper's own session, Burkhart et al. 2020, section 4.5).
- ``stevenson2011``: 171 sorted M1 units, 50 ms bins (Stevenson et al. 2011).

Each loader reads ``<name>/`` on the sample-data path (``$NEUROPIPE_DATA``, else the
clone's ``data/``, else ``~/neuropipe_data``: :func:`neuropipe.datasets.paths.find_data`)
or a folder of the same layout, checks it against ``SHA256SUMS.txt`` when that file is
present (:func:`neuropipe.datasets.paths.verify_folder`), and returns a
:class:`sklearn.utils.Bunch` that knows its evaluation protocol and provenance.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._validation import DataFileError
from ..io.decoding import read_decoding_csv, read_decoding_mat
from .base import Dataset
from .eeg import bundled_path
from .paths import verify_folder

__all__ = ["Flint2012", "Stevenson2011", "load_flint2012", "load_stevenson2011"]


def _folder(path, name: str, files: list[str]) -> Path:
    folder = bundled_path(name) if path is None else Path(path)
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {missing}; pass the folder holding {files} as 'path' "
            f"(the bundled copy is data/{name})."
        )
    return folder


def _verify(folder: Path) -> None:
    """Check the files listed in ``SHA256SUMS.txt``, if there is one (the first problem raises)."""
    missing, mismatched = verify_folder(folder, cached=False)
    sums = folder / "SHA256SUMS.txt"
    if mismatched:
        raise DataFileError(
            f"{str(folder / mismatched[0])!r} does not match its checksum in {str(sums)!r}: "
            f"it is corrupt or was modified; restore the file, or pass verify=False to load "
            f"it anyway."
        )
    if missing:
        raise FileNotFoundError(
            f"{str(folder / missing[0])!r}, listed in {str(sums)!r}, is missing; restore it, "
            f"or pass verify=False."
        )


#: What each loader returns besides the arrays: the feature names' prefix, then the
#: fields of the Bunch (``protocol``: the contiguous train / test split of the papers).
_DATASETS = {
    "flint2012": (
        "pc",
        {
            "state_names": ["vx", "vy"],
            "bin_size": 0.1,
            "subject": 1,
            "session": "trial1",
            "protocol": {"train_size": 5000, "test_size": 1000, "gap": 0},
        },
    ),
    "stevenson2011": (
        "unit",
        {
            "state_names": ["vx", "vy"],
            "bin_size": 0.05,
            "subject": 1,
            "session": "0",
            "protocol": {"train_size": 0.7, "test_size": 0.15, "gap": 0.15},
        },
    ),
}


def _bunch(name: str, folder: Path, X, y) -> Bunch:
    """The Bunch of dataset ``name``: arrays, ``_DATASETS`` fields, PROVENANCE.md."""
    prefix, fields = copy.deepcopy(_DATASETS[name])
    provenance = folder / "PROVENANCE.md"
    return Bunch(
        X=X,
        y=y,
        feature_names=[f"{prefix}{i}" for i in range(X.shape[1])],
        **fields,
        dataset=name,
        description=provenance.read_text() if provenance.is_file() else "",
    )


def load_flint2012(path=None, verify=True):
    """Monkey M1 session of Flint et al. (2012), as preprocessed in the DKF paper.

    Parameters
    ----------
    path : str | Path | None
        Folder with ``x.csv`` and ``z.csv``; ``None`` uses the bundled copy.
    verify : bool
        Check the files against ``SHA256SUMS.txt`` (when the folder has one).

    Returns
    -------
    data : Bunch
        ``X`` (7792, 10) z-scored PCA features, 100 ms bins, row ``t`` the bin before
        velocity ``t``; ``y`` (7792, 2) hand velocity (x, y); ``feature_names``,
        ``state_names``, ``bin_size`` (s), ``subject``, ``session``, ``dataset``,
        ``protocol`` (the paper's split: train rows 0-4999, test 5000-5999) and
        ``description`` (PROVENANCE.md).

    Raises
    ------
    FileNotFoundError
        If the folder lacks a file (or one listed in ``SHA256SUMS.txt``).
    DataFileError
        If a file does not match its checksum, ``SHA256SUMS.txt`` is malformed, or a
        file cannot be parsed.

    Examples
    --------
    >>> data = load_flint2012()
    >>> data.X.shape, data.y.shape, data.protocol["train_size"]
    ((7792, 10), (7792, 2), 5000)
    """
    folder = _folder(path, "flint2012", ["x.csv", "z.csv"])
    if verify:
        _verify(folder)
    X, y = read_decoding_csv(folder / "x.csv", folder / "z.csv")
    return _bunch("flint2012", folder, X, y)


def load_stevenson2011(path=None, verify=True):
    """Macaque M1 spike counts with hand velocity (Stevenson et al. 2011).

    Parameters
    ----------
    path : str | Path | None
        Folder with ``m1_stevenson_2011.mat``; ``None`` uses the bundled copy.
    verify : bool
        Check the file against ``SHA256SUMS.txt`` (when the folder has one).

    Returns
    -------
    data : Bunch
        ``X`` (15536, 171) spike counts in 50 ms bins; ``y`` (15536, 2) hand velocity
        (x, y); ``feature_names``, ``state_names``, ``bin_size`` (s), ``subject``,
        ``session``, ``dataset``, ``protocol`` (contiguous 70 % train, 15 % validation
        skipped, last 15 % test) and ``description`` (PROVENANCE.md).

    Raises
    ------
    FileNotFoundError
        If the folder lacks a file (or one listed in ``SHA256SUMS.txt``).
    DataFileError
        If a file does not match its checksum, ``SHA256SUMS.txt`` is malformed, or a
        file cannot be parsed.

    Examples
    --------
    >>> data = load_stevenson2011()
    >>> data.X.shape, data.y.shape
    ((15536, 171), (15536, 2))
    """
    fname = "m1_stevenson_2011.mat"
    folder = _folder(path, "stevenson2011", [fname])
    if verify:
        _verify(folder)
    X, y = read_decoding_mat(folder / fname, state_rows=[0, 1])
    return _bunch("stevenson2011", folder, X, y)


class _DecodingSession(Dataset):
    """One bundled recording session (subject 1) with hand velocity: modality decoding."""

    modality = "decoding"
    paradigms = ["decoding"]
    data_type = "spikes"

    def __init__(self, path=None):
        super().__init__(bundled_path(self.folder) if path is None else path)

    @property
    def subjects(self) -> list[int]:
        """``[1]``: one monkey, one session."""
        return [1]

    def load(self, subjects=None, paradigm=None, verify=True) -> Bunch:
        """The loader's Bunch of :attr:`path` (see :func:`load_flint2012`,
        :func:`load_stevenson2011`).

        Parameters
        ----------
        subjects : list of int | None
            ``[1]`` or None (the one session).
        paradigm : {"decoding", None}
            The only paradigm of the dataset.
        verify : bool
            Check the files against ``SHA256SUMS.txt`` (when the folder has one).

        Returns
        -------
        data : sklearn.utils.Bunch
        """
        self.check_paradigm(paradigm)
        if subjects is not None and [int(s) for s in np.atleast_1d(subjects)] != [1]:
            raise ValueError(
                f"{self.name!r} has one subject, 1; got subjects={subjects!r} (pass None or [1])."
            )
        return self._loader(self.path, verify=verify)


class Flint2012(_DecodingSession):
    """The Flint et al. (2012) session as a dataset (``"flint2012"``): :meth:`load`
    returns what :func:`load_flint2012` returns.

    Parameters
    ----------
    path : str | Path | None
        Folder with ``x.csv`` and ``z.csv``; ``None`` uses the bundled copy.

    Examples
    --------
    >>> Flint2012().load().X.shape
    (7792, 10)
    """

    name = folder = "flint2012"
    classes = "hand velocity decoding (M1, 100 ms bins)"
    licence = "MIT (data: CRCNS)"
    description = "neuropipe.datasets.load_flint2012()"
    _loader = staticmethod(load_flint2012)


class Stevenson2011(_DecodingSession):
    """The Stevenson et al. (2011) session as a dataset (``"stevenson2011"``):
    :meth:`load` returns what :func:`load_stevenson2011` returns.

    Parameters
    ----------
    path : str | Path | None
        Folder with ``m1_stevenson_2011.mat``; ``None`` uses the bundled copy.

    Examples
    --------
    >>> Stevenson2011().load().X.shape
    (15536, 171)
    """

    name = folder = "stevenson2011"
    classes = "hand velocity decoding (171 M1 units, 50 ms bins)"
    licence = "MIT (data: DREAM)"
    description = "neuropipe.datasets.load_stevenson2011()"
    _loader = staticmethod(load_stevenson2011)
