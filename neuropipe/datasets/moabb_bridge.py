"""Run MOABB offline on the bundled files.

:func:`install_eegbci_offline` lays the EEGMMIDB files out where ``mne.datasets.eegbci``
and ``moabb.datasets.PhysionetMI`` look for them, after checking each against the
PhysioNet SHA-256 registry MNE ships; :func:`physionet_mi` returns a ``PhysionetMI``
restricted to the subjects and runs that exist there; :class:`BundledSSVEPExo` is a
MOABB dataset over the bundled SSVEP files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import mne
import numpy as np
from moabb.datasets.base import BaseDataset

from .._validation import DataFileError
from .eeg import EEGMMIDBHandsFeet, EEGMMIDBLeftRight, SSVEPExo, bundled_path
from .paths import file_sha256

__all__ = ["install_eegbci_offline", "physionet_mi", "BundledSSVEPExo", "eegbci_checksums"]


def eegbci_checksums() -> dict[str, str]:
    """PhysioNet's SHA-256 of every EEGMMIDB file, from ``mne/data/eegbci_checksums.txt``.

    Returns
    -------
    checksums : dict
        ``"S001/S001R04.edf"`` -> hex digest.
    """
    registry = Path(mne.__file__).parent / "data" / "eegbci_checksums.txt"
    checksums = {}
    for line in registry.read_text().splitlines():
        if line.strip():
            name, digest = line.split()[:2]
            checksums[name.split("1.0.0/")[-1]] = digest
    return checksums


def install_eegbci_offline(root=None, source=None, set_env: bool = True) -> Path:
    """Lay bundled EEGMMIDB files out as MNE's ``eegbci`` fetcher stores them.

    Every ``SNNN/SNNNRKK.edf`` of ``source`` is checked against PhysioNet's SHA-256 and
    linked (or copied) to ``root/MNE-eegbci-data/files/eegmmidb/1.0.0/SNNN/``, where
    ``mne.datasets.eegbci.load_data`` and MOABB's ``PhysionetMI`` find it without
    downloading.

    Parameters
    ----------
    root : str | Path | None
        Folder that will hold ``MNE-eegbci-data``; default ``~/mne_data``.
    source : str | Path | None
        Folder of ``SNNN`` sub-folders; default the bundled ``data/eegmmidb``.
    set_env : bool
        Also set ``MNE_DATASETS_EEGBCI_PATH`` to ``root`` and
        ``MOABB_DOWNLOAD_PROVIDER=upstream`` in ``os.environ`` for this process.

    Returns
    -------
    root : Path

    Raises
    ------
    DataFileError
        If a file's checksum differs from PhysioNet's.
    """
    source = Path(source) if source is not None else bundled_path("eegmmidb")
    root = Path(root) if root is not None else Path.home() / "mne_data"
    target = root / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0"
    checksums = eegbci_checksums()
    for edf in sorted(source.glob("S[0-9][0-9][0-9]/S*R[0-9][0-9].edf")):
        key = f"{edf.parent.name}/{edf.name}"
        dest = target / key
        if dest.exists() and dest.stat().st_size == edf.stat().st_size:
            continue
        if checksums.get(key) != file_sha256(edf):
            raise DataFileError(
                f"{str(edf)!r} does not match PhysioNet's SHA-256 for {key}; the file is "
                f"damaged (e.g. CRLF-converted). Restore it from the original dataset."
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.symlink(edf.resolve(), dest)
        except OSError:
            shutil.copy2(edf, dest)
    if set_env:
        os.environ["MNE_DATASETS_EEGBCI_PATH"] = str(root)
        os.environ["MOABB_DOWNLOAD_PROVIDER"] = "upstream"
    return root


def physionet_mi(subjects=None, root=None):
    """A MOABB ``PhysionetMI`` (imagery) that runs offline on the bundled files.

    Parameters
    ----------
    subjects : list of int | None
        Subjects; default all bundled left/right subjects.
    root : str | Path | None
        Where to lay the files out (see :func:`install_eegbci_offline`).

    Returns
    -------
    dataset : moabb.datasets.PhysionetMI
        With ``feet_runs`` emptied unless every subject has the hands/feet runs.
    """
    from moabb.datasets import PhysionetMI

    install_eegbci_offline(root)
    available = EEGMMIDBLeftRight().subjects
    subjects = available if subjects is None else list(subjects)
    unknown = [s for s in subjects if s not in available]
    if unknown:
        raise ValueError(f"Subjects {unknown} are not bundled; bundled are {available}.")
    dataset = PhysionetMI(subjects=subjects)
    if not set(subjects) <= set(EEGMMIDBHandsFeet().subjects):
        dataset.feet_runs = []
    return dataset


class BundledSSVEPExo(BaseDataset):
    """MOABB dataset over the bundled SSVEP exoskeleton files (code ``BundledSSVEPExo``).

    Same events and interval as MOABB's ``SSVEPExo`` (``{"13": 2, "17": 4, "21": 3,
    "rest": 1}``, 2-4 s), one MOABB session per recording, and no download.

    Parameters
    ----------
    subjects : list of int | None
        Subjects; default all bundled.
    path : str | Path | None
        Folder of ``subjectNN`` sub-folders; default the bundled copy.
    """

    def __init__(self, subjects=None, path=None):
        self._source = SSVEPExo(path)
        available = self._source.subjects
        super().__init__(
            subjects=available,
            sessions_per_subject=2,
            events={"13": 2, "17": 4, "21": 3, "rest": 1},
            code="BundledSSVEPExo",
            interval=[2, 4],
            paradigm="ssvep",
            doi="10.1016/j.neucom.2016.01.007",
            selected_subjects=subjects,
        )

    def _get_single_subject_data(self, subject):
        sessions = {}
        for session, files, events in self._source._subject_files(subject):
            (raw_file, _), = files
            raw = mne.io.read_raw_fif(raw_file, preload=True, verbose="ERROR")
            found = mne.read_events(events[0], verbose="ERROR")
            stim = np.zeros((1, raw.n_times))
            stim[0, found[:, 0] - raw.first_samp] = found[:, 2]
            info = mne.create_info(["stim"], raw.info["sfreq"], "stim")
            raw.add_channels([mne.io.RawArray(stim, info, verbose="ERROR")], force_update_info=True)
            sessions[session] = {"0": raw}
        return sessions

    def data_path(self, subject, path=None, force_update=False, update_path=None, verbose=None):
        folder = self._source.path / f"subject{subject:02d}"
        return [str(p) for p in sorted(folder.glob("*_raw.fif"))]
