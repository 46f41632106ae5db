"""Bundled EEG datasets: PhysioNet EEGMMIDB motor imagery and the SSVEP exoskeleton set.

Each dataset knows its files, its event coding and the epoching of each paradigm it
serves (the MOABB paradigm names), and loads from the copy bundled in ``data/`` or
from a user's folder of the full dataset (any number of subjects).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .._validation import DataFileError, check_option
from ..io.eeg import EpochsData, read_continuous, read_epochs
from .base import Dataset
from .paths import find_data

__all__ = ["bundled_path", "EEGDataset", "EEGMMIDBLeftRight", "EEGMMIDBHandsFeet", "SSVEPExo"]

_REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def bundled_path(name: str = "") -> Path:
    """Return the folder of sample data ``name`` (see :mod:`neuropipe.datasets.paths`).

    Looks in ``$NEUROPIPE_DATA`` when set, else the clone's ``data/`` and then
    ``~/neuropipe_data``; the folder's files are checked against its ``SHA256SUMS.txt``
    (once per process).

    Parameters
    ----------
    name : str
        Sub-folder, e.g. ``"eegmmidb"``; empty for the data root.

    Raises
    ------
    FileNotFoundError
        If the folder is nowhere; the message says where it looked and how to get it.

    Examples
    --------
    >>> (bundled_path("eegmmidb") / "PROVENANCE.md").exists()
    True
    """
    return find_data(name)


class EEGDataset(Dataset):
    """Base class of an EEG dataset stored as files, one or more per subject and session.

    Subclasses define ``name``, ``folder``, ``event_map``, ``paradigms`` (MOABB paradigm
    name -> epoching keyword arguments), ``_find_subjects`` and ``_subject_files``; the
    modality is ``"eeg"`` (see :class:`~neuropipe.datasets.Dataset`).

    Parameters
    ----------
    path : str | Path | None
        Folder of the dataset; default the bundled copy.
    """

    modality = "eeg"
    data_type = "EEG"
    event_map: dict = {}
    paradigms: dict = {}

    def __init__(self, path=None):
        self.path = Path(path) if path is not None else bundled_path(self.folder)
        if not self.path.is_dir():
            raise FileNotFoundError(
                f"Dataset folder {str(self.path)!r} does not exist; give the folder that holds "
                f"the {self.name} files."
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: subjects {self.subjects}, {self.path}>"

    @classmethod
    def table_row(cls) -> dict:
        """As :meth:`Dataset.table_row`, the classes being the labels of ``event_map``."""
        classes = ", ".join(sorted(set(map(str, cls.event_map.values()))))
        return {**super().table_row(), "classes": classes}

    def left_out(self) -> list[int]:
        """Subjects with a folder in :attr:`path` that the dataset does not load (runs it
        needs are missing).

        Examples
        --------
        >>> EEGMMIDBHandsFeet().left_out()  # the other bundled subjects lack runs 6, 10, 14
        [2, 3, 4, 5, 6]
        """
        found = set()
        for folder in self.path.rglob("*"):
            match = re.fullmatch(r"(?:S|subject|sub-)(\d+)", folder.name)
            if match and folder.is_dir():
                found.add(int(match.group(1)))
        return sorted(found - set(self.subjects))

    @property
    def subjects(self) -> list[int]:
        """Subjects whose files are in ``path``."""
        return self._find_subjects()

    @property
    def n_classes(self) -> int:
        return len(set(self.event_map.values()))

    def load(self, subjects=None, paradigm: str | None = None, **kwargs) -> EpochsData:
        """Load labelled epochs of some subjects.

        Parameters
        ----------
        subjects : list of int | int | None
            Subjects to load; default all subjects present.
        paradigm : str | None
            MOABB paradigm whose epoching to use (window, band, filter bank); default
            the first of ``paradigms``.
        **kwargs
            Overrides of the epoching (``tmin``, ``tmax``, ``l_freq``, ``h_freq``,
            ``picks``, ``filter_bank``...), passed to :func:`neuropipe.io.read_epochs`.

        Returns
        -------
        epochs : EpochsData
            With ``subject``, ``session`` and ``run`` in ``metadata``.
        """
        paradigm = self.check_paradigm(paradigm)
        options = {**self.paradigms[paradigm], **kwargs}
        available = self.subjects
        if subjects is None:
            subjects = available
        subjects = [int(s) for s in np.atleast_1d(subjects)]
        unknown = [s for s in subjects if s not in available]
        if unknown:
            raise ValueError(
                f"Subjects {unknown} are not in {str(self.path)!r}; available subjects of "
                f"{self.name!r} there: {available}."
            )
        parts = []
        for subject in subjects:
            for session, files, events in self._subject_files(subject):
                parts.append(
                    read_epochs(
                        [f for f, _ in files],
                        self.event_map,
                        subject=subject,
                        session=session,
                        runs=[r for _, r in files],
                        events=events,
                        **options,
                    )
                )
        return EpochsData.concatenate(parts)

    #: Label of everything that is not a task in a continuous run (pseudo-online).
    idle_label = "idle"
    #: Cues that mark rest, mapped to ``idle_label`` in continuous runs (event key -> label).
    idle_events: dict = {}

    def epoching(self, paradigm: str | None = None) -> dict:
        """The epoching options of ``paradigm`` (``tmin``, ``tmax``, ``l_freq``...), as
        :meth:`load` applies them by default.

        Examples
        --------
        >>> SSVEPExo().epoching("SSVEP")
        {'tmin': 2.0, 'tmax': 4.0, 'l_freq': 7.0, 'h_freq': 45.0}
        """
        return dict(self.paradigms[self.check_paradigm(paradigm)])

    def load_continuous(self, subject: int, paradigm: str | None = None) -> list:
        """Every run of a subject as a continuous recording with the label in force.

        Task cues are labelled as in :meth:`load` for as long as each lasts (its
        annotation's duration, else until the next cue); rest cues (``idle_events``) and
        every sample outside a cue are ``idle_label``.

        Parameters
        ----------
        subject : int
        paradigm : str | None
            MOABB paradigm whose channels (``picks``) to keep; default the first.

        Returns
        -------
        runs : list of ContinuousRun
            In the order of :meth:`load`, unfiltered, in microvolts.

        Examples
        --------
        >>> runs = EEGMMIDBLeftRight().load_continuous(1)
        >>> [r.run for r in runs], sorted(set(runs[0].labels.tolist()))
        (['R04', 'R08', 'R12'], ['idle', 'left_hand', 'right_hand'])
        """
        if int(subject) not in self.subjects:
            raise ValueError(
                f"Subject {subject} is not in {str(self.path)!r}; available subjects of "
                f"{self.name!r} there: {self.subjects}."
            )
        picks = self.epoching(paradigm).get("picks")
        event_map = {**self.event_map, **self.idle_events}
        runs = []
        for session, files, events in self._subject_files(int(subject)):
            for i, (path, run) in enumerate(files):
                runs.append(
                    read_continuous(
                        path,
                        event_map,
                        idle_label=self.idle_label,
                        picks=picks,
                        events=None if events is None else events[i],
                        subject=int(subject),
                        session=session,
                        run=run,
                    )
                )
        return runs


#: EEGMMIDB epochings: ``"moabb"`` is MOABB's default (``PhysionetMI.interval`` 0-3 s after
#: the cue, ``LeftRightImagery`` / ``MotorImagery`` band 8-32 Hz, 160 Hz, all 64 channels);
#: ``"short"`` is neuropipe's former default, 0.5-2.5 s band-passed 8-30 Hz.
EEGMMIDB_EPOCHINGS = {
    "moabb": dict(tmin=0.0, tmax=3.0, l_freq=8.0, h_freq=32.0),
    "short": dict(tmin=0.5, tmax=2.5, l_freq=8.0, h_freq=30.0),
}


class _EEGMMIDB(EEGDataset):
    folder = "eegmmidb"
    n_sessions = 1
    runs: tuple = ()
    licence = "ODC-By 1.0"
    epochings = EEGMMIDB_EPOCHINGS

    def load(self, subjects=None, paradigm=None, epoching="moabb", **kwargs) -> EpochsData:
        """Load labelled epochs of some subjects.

        Parameters
        ----------
        subjects : list of int | int | None
            Subjects to load; default all subjects present.
        paradigm : str | None
            MOABB paradigm name; default the dataset's only one.
        epoching : {"moabb", "short"}
            ``"moabb"`` (default): MOABB's default epochs for this dataset, 0-3 s after the
            cue, band-passed 8-32 Hz (4th-order Butterworth IIR on the continuous runs), so
            that scores sit beside MOABB's published tables. ``"short"``: 0.5-2.5 s,
            8-30 Hz (neuropipe's default before version 0.3).
        **kwargs
            Overrides of the epoching (``tmin``, ``tmax``, ``l_freq``, ``h_freq``,
            ``picks``...), passed to :func:`neuropipe.io.read_epochs`.

        Returns
        -------
        epochs : EpochsData
            With ``subject``, ``session`` and ``run`` in ``metadata``.
        """
        check_option("epoching", epoching, list(self.epochings))
        return super().load(subjects, paradigm, **{**self.epochings[epoching], **kwargs})

    #: T0 marks the rest between cues (PhysioNet EEGMMIDB description).
    idle_events = {"T0": "idle"}

    def epoching(self, paradigm: str | None = None, epoching: str = "moabb") -> dict:
        """The options :meth:`load` epochs with (default ``epoching="moabb"``: 0-3 s,
        8-32 Hz).

        Examples
        --------
        >>> EEGMMIDBLeftRight().epoching()
        {'tmin': 0.0, 'tmax': 3.0, 'l_freq': 8.0, 'h_freq': 32.0}
        """
        check_option("epoching", epoching, list(self.epochings))
        return {**super().epoching(paradigm), **self.epochings[epoching]}

    def _root(self) -> Path:
        nested = self.path / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0"
        return nested if nested.is_dir() else self.path

    def _run_file(self, subject: int, run: int) -> Path:
        return self._root() / f"S{subject:03d}" / f"S{subject:03d}R{run:02d}.edf"

    def _find_subjects(self) -> list[int]:
        subjects = []
        for folder in sorted(self._root().glob("S[0-9][0-9][0-9]")):
            subject = int(folder.name[1:])
            if all(self._run_file(subject, run).exists() for run in self.runs):
                subjects.append(subject)
        return subjects

    def _subject_files(self, subject):
        files = [(self._run_file(subject, run), f"R{run:02d}") for run in self.runs]
        missing = [str(f) for f, _ in files if not f.exists()]
        if missing:
            raise DataFileError(f"Missing EEGMMIDB runs for subject {subject}: {missing}.")
        yield "0", files, None


class EEGMMIDBLeftRight(_EEGMMIDB):
    """PhysioNet EEGMMIDB imagery of the left vs right fist (runs 4, 8, 12).

    64 channels at 160 Hz, 45 trials per subject; T1 -> ``"left_hand"``, T2 ->
    ``"right_hand"`` (MOABB ``PhysionetMI`` + ``LeftRightImagery`` labels). Default
    epochs are MOABB's (``epoching="moabb"``): 0-3 s after the cue, band-passed 8-32 Hz,
    the arrays ``LeftRightImagery().get_data(PhysionetMI())`` returns (microvolts).
    ``epoching="short"`` gives 0.5-2.5 s at 8-30 Hz. Bundled: S001-S006.

    Examples
    --------
    >>> ep = EEGMMIDBLeftRight().load(subjects=[1])
    >>> ep.X.shape, sorted(set(ep.y.tolist()))
    ((45, 64, 481), ['left_hand', 'right_hand'])
    >>> EEGMMIDBLeftRight().load(subjects=[1], epoching="short").X.shape
    (45, 64, 321)
    """

    name = "eegmmidb-leftright"
    description = "EEGMMIDB motor imagery, left vs right fist (runs 4, 8, 12), 64 ch, 160 Hz"
    runs = (4, 8, 12)
    event_map = {"T1": "left_hand", "T2": "right_hand"}
    paradigms = {"LeftRightImagery": {}}


class EEGMMIDBHandsFeet(_EEGMMIDB):
    """PhysioNet EEGMMIDB imagery of both fists vs both feet (runs 6, 10, 14).

    T1 -> ``"hands"``, T2 -> ``"feet"``; same epochings as :class:`EEGMMIDBLeftRight`
    (MOABB's ``MotorImagery`` default band is also 8-32 Hz).
    Bundled: S001 only (the other bundled subjects lack these runs).
    """

    name = "eegmmidb-handsfeet"
    description = "EEGMMIDB motor imagery, both fists vs both feet (runs 6, 10, 14), 64 ch"
    runs = (6, 10, 14)
    event_map = {"T1": "hands", "T2": "feet"}
    paradigms = {"MotorImagery": {}}


class SSVEPExo(EEGDataset):
    """SSVEP exoskeleton dataset (Kalunga et al. 2016; MOABB ``SSVEPExo``).

    8 occipital channels at 256 Hz, 7 subjects x 2 sessions of 32 trials. Events
    1 -> ``"rest"``, 2 -> ``"13"``, 3 -> ``"21"``, 4 -> ``"17"`` (Hz): codes 3 and 4 are
    21 and 17 Hz, as in MOABB since it swapped its 17/21 Hz labels (``Kalunga2016``
    notes: "The events notation 17Hz and 21Hz were swapped"); the spectra of the
    bundled trials peak at their labelled frequency (tested). Epochs 2-4 s after the
    event, as MOABB. Paradigm ``"SSVEP"`` gives 3-D epochs band-passed 7-45 Hz, MOABB's
    ``SSVEP()`` default (``l_freq=1`` gives neuropipe's former 1-45 Hz);
    ``"FilterBankSSVEP"`` gives ``(n, C, T, 3)`` arrays filtered +-0.5 Hz around 13, 17
    and 21 Hz, as MOABB's ``FilterBankSSVEP``.

    Examples
    --------
    >>> ep = SSVEPExo().load(subjects=[1], paradigm="FilterBankSSVEP")
    >>> ep.X.shape
    (64, 8, 513, 3)
    """

    name = "ssvep-exo"
    folder = "ssvep_exo"
    #: The no-stimulus trials (code 1) are the idle class of a continuous run.
    idle_label = "rest"
    description = "SSVEP exoskeleton (Kalunga 2016), 4 classes, 8 ch, 256 Hz, 2 sessions"
    licence = "CC0 1.0 / CC-BY-4.0"
    event_map = {1: "rest", 2: "13", 3: "21", 4: "17"}
    paradigms = {
        "SSVEP": dict(tmin=2.0, tmax=4.0, l_freq=7.0, h_freq=45.0),
        "FilterBankSSVEP": dict(
            tmin=2.0, tmax=4.0, filter_bank=[(12.5, 13.5), (16.5, 17.5), (20.5, 21.5)]
        ),
    }
    _record = re.compile(r"record-\[(.+)\]_raw\.fif$")

    def _find_subjects(self) -> list[int]:
        return [
            int(folder.name[len("subject") :])
            for folder in sorted(self.path.glob("subject[0-9][0-9]"))
            if any(folder.glob("*_raw.fif"))
        ]

    def _subject_files(self, subject):
        folder = self.path / f"subject{subject:02d}"
        records = sorted(folder.glob("record-*_raw.fif"))
        for index, raw_file in enumerate(records):
            match = self._record.search(raw_file.name)
            record_id = match.group(1) if match else raw_file.stem
            eve_file = raw_file.with_name(raw_file.name.replace("_raw.fif", "-eve.fif"))
            if not eve_file.exists():
                raise DataFileError(
                    f"Events file {str(eve_file)!r} is missing for {raw_file.name}; the "
                    f"SSVEP recordings keep their events in a -eve.fif beside each record."
                )
            yield str(index), [(raw_file, record_id)], [eve_file]
