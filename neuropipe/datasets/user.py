"""The user's own EEG datasets: any MOABB dataset by code, a BIDS root, a TOML-described folder.

:func:`open_dataset` turns a dataset *spec* into an object with the interface of the
bundled :class:`~neuropipe.datasets.EEGDataset` (``name``, ``subjects``, ``paradigms``,
``load(subjects, paradigm, **epoching)`` returning :class:`~neuropipe.io.EpochsData` in
microvolts), so ``neuropipe benchmark --datasets SPEC`` and
:func:`neuropipe.datasets.load_dataset` take it unchanged:

- ``"moabb:CODE"``, e.g. ``"moabb:PhysionetMI"``: the MOABB dataset of that code (or class
  name), epoched by MOABB's own paradigm; it runs offline when the files are already in
  MNE's data folder (see :func:`neuropipe.datasets.moabb_bridge.install_eegbci_offline`).
  Without subjects named, only the subjects whose files are already there are used
  (:meth:`MOABBDataset.local_subjects`); naming subjects lets MOABB download theirs.
- a BIDS root (a folder with ``dataset_description.json``, or ``"bids:FOLDER"``): the EEG
  recordings read with ``mne_bids.read_raw_bids``; their events (``events.tsv``
  ``trial_type``) are labelled, windowed and filtered as a ``neuropipe.toml`` at the root
  says (the keys below, without ``[subjects]``).
- a ``.toml`` file, or a folder holding ``neuropipe.toml``, that lists the recordings::

      name = "my-study"                  # optional, shown in tables
      paradigm = "LeftRightImagery"      # MOABB paradigm name(s) pipelines declare
      interval = [0.5, 2.5]              # epoch window in s after each event
      band = [8.0, 30.0]                 # band-pass in Hz (optional)
      [events]                           # event (annotation name or code) -> label
      T1 = "left_hand"
      T2 = "right_hand"
      [subjects]                         # subject -> files (one session),
      1 = ["S001/S001R04.edf", "S001/S001R08.edf"]          # or -> {session: files}
      2 = { "0" = ["S002/S002R04.edf"], "1" = ["S002/S002R08.edf"] }

  File names are relative to the TOML file and may be glob patterns (``"S001/*.edf"``).

Examples
--------
>>> import tempfile, pathlib
>>> from neuropipe.datasets import bundled_path, get_dataset
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> runs = [str(bundled_path("eegmmidb") / "S001" / f"S001R{r:02d}.edf") for r in (4, 8, 12)]
>>> _ = (folder / "neuropipe.toml").write_text(
...     'paradigm = "LeftRightImagery"\\ninterval = [0.5, 2.5]\\nband = [8.0, 30.0]\\n'
...     '[events]\\nT1 = "left_hand"\\nT2 = "right_hand"\\n'
...     f'[subjects]\\n1 = {runs!r}\\n'.replace("'", '"'))
>>> dataset = get_dataset(str(folder))
>>> dataset.subjects, list(dataset.paradigms)
([1], ['LeftRightImagery'])
>>> dataset.load(subjects=[1]).X.shape
(45, 64, 321)
"""

from __future__ import annotations

import glob
import logging
import os
import re
import socket
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np

from .._validation import DataFileError, check_option
from ..io.eeg import EpochsData, epochs_from_raw, read_epochs, standardize_channel_names

__all__ = ["BIDSDataset", "MOABBDataset", "TOMLDataset", "open_dataset", "is_dataset_spec"]

#: The file a folder or a BIDS root uses to describe its epoching.
CONFIG_NAME = "neuropipe.toml"
_KEYS = ("name", "paradigm", "interval", "band", "events", "subjects", "picks", "task")


def _read_toml(path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"{str(path)!r} is not valid TOML: {exc}") from exc


def _epoching(config: dict, source: str) -> tuple[dict, dict, list]:
    """Event map, epoching keyword arguments and paradigm names of a TOML config."""
    unknown = sorted(set(config) - set(_KEYS))
    if unknown:
        raise ValueError(f"{source}: unknown keys {unknown}; the keys are {list(_KEYS)}.")
    for key in ("events", "interval", "paradigm"):
        if key not in config:
            raise ValueError(
                f"{source} lacks {key!r}: give 'events' (event -> label), 'interval' "
                f"([tmin, tmax] in s) and 'paradigm' (e.g. \"LeftRightImagery\")."
            )
    events = config["events"]
    if not isinstance(events, dict) or not events:
        raise ValueError(f"{source}: 'events' must be a table of event -> label, got {events!r}.")
    interval = config["interval"]
    if not (isinstance(interval, list) and len(interval) == 2):
        raise ValueError(f"{source}: 'interval' must be [tmin, tmax] in s, got {interval!r}.")
    options = {"tmin": float(interval[0]), "tmax": float(interval[1])}
    if "band" in config:
        band = config["band"]
        if not (isinstance(band, list) and len(band) == 2):
            raise ValueError(f"{source}: 'band' must be [l_freq, h_freq] in Hz, got {band!r}.")
        options["l_freq"], options["h_freq"] = band
    if "picks" in config:
        options["picks"] = list(config["picks"])
    paradigms = config["paradigm"]
    paradigms = [paradigms] if isinstance(paradigms, str) else list(paradigms)
    return {k: str(v) for k, v in events.items()}, options, paradigms


def _subject_number(label: str, index: int) -> int:
    digits = re.fullmatch(r"\D*(\d+)", str(label))
    return int(digits.group(1)) if digits else index


class _UserDataset:
    """Shared shell: ``subjects``, ``paradigms`` and checks of ``load``'s arguments."""

    name = ""
    paradigms: dict = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: subjects {self.subjects}>"

    @property
    def subjects(self) -> list[int]:
        """Subjects of the dataset."""
        return sorted(self._subjects)

    @property
    def default_subjects(self) -> list[int]:
        """Subjects used when none are named (``load(subjects=None)``, a benchmark)."""
        return self.subjects

    def _check_load(self, subjects, paradigm):
        paradigm = paradigm or next(iter(self.paradigms))
        check_option("paradigm", paradigm, list(self.paradigms))
        subjects = (
            self.default_subjects
            if subjects is None
            else [int(s) for s in np.atleast_1d(subjects)]
        )
        unknown = [s for s in subjects if s not in self._subjects]
        if unknown:
            raise ValueError(
                f"Subjects {unknown} are not in {self.name!r}; its subjects are {self.subjects}."
            )
        return subjects, paradigm


class TOMLDataset(_UserDataset):
    """A folder of recordings described by a TOML file (see :mod:`neuropipe.datasets.user`).

    Parameters
    ----------
    path : str | Path
        The ``.toml`` file, or a folder holding ``neuropipe.toml``.
    name : str | None
        Name used in result tables; default the spec ``str(path)``.
    """

    def __init__(self, path, name=None):
        path = Path(path)
        self.config_file = path / CONFIG_NAME if path.is_dir() else path
        if not self.config_file.is_file():
            raise FileNotFoundError(f"Dataset description {str(self.config_file)!r} not found.")
        config = _read_toml(self.config_file)
        source = repr(str(self.config_file))
        self.event_map, self.options, paradigms = _epoching(config, source)
        self.paradigms = {p: {} for p in paradigms}
        self.name = name or str(path)
        self.title = config.get("name", self.config_file.parent.name)
        table = config.get("subjects")
        if not isinstance(table, dict) or not table:
            raise ValueError(
                f"{source} lacks a [subjects] table of subject -> files (or session -> files)."
            )
        self._subjects = {}
        for label, entry in table.items():
            sessions = entry if isinstance(entry, dict) else {"0": entry}
            files = {str(s): self._resolve(f, source) for s, f in sessions.items()}
            self._subjects[_subject_number(label, len(self._subjects) + 1)] = files

    def _resolve(self, entries, source) -> list[Path]:
        entries = [entries] if isinstance(entries, str) else list(entries)
        root = self.config_file.parent
        files = []
        for entry in entries:
            pattern = str(root / entry)
            found = sorted(glob.glob(pattern)) if glob.has_magic(entry) else [pattern]
            missing = [f for f in found if not Path(f).is_file()]
            if not found or missing:
                raise DataFileError(
                    f"{source} lists {entry!r}, but {missing or pattern!r} does not exist "
                    f"(file names are relative to the TOML file's folder)."
                )
            files.extend(Path(f) for f in found)
        return files

    def load(self, subjects=None, paradigm=None, **kwargs) -> EpochsData:
        """Load labelled epochs (microvolts) of some subjects; ``kwargs`` override the epoching.

        Returns
        -------
        epochs : EpochsData
            With ``subject``, ``session`` and ``run`` (file stem) in ``metadata``.
        """
        subjects, paradigm = self._check_load(subjects, paradigm)
        options = {**self.options, **self.paradigms[paradigm], **kwargs}
        parts = [
            read_epochs(files, self.event_map, subject=subject, session=session, **options)
            for subject in subjects
            for session, files in self._subjects[subject].items()
        ]
        return EpochsData.concatenate(parts)


class BIDSDataset(_UserDataset):
    """The EEG recordings of a BIDS root, read with ``mne_bids``.

    Parameters
    ----------
    root : str | Path
        BIDS root (holds ``dataset_description.json``).
    events, interval, band, paradigm, task :
        As the TOML keys (``events`` maps ``trial_type`` values to labels); default from
        ``root/neuropipe.toml``. ``task`` restricts to one BIDS task.
    name : str | None
        Name used in result tables; default ``str(root)``.
    """

    def __init__(
        self, root, events=None, interval=None, band=None, paradigm=None, task=None, name=None
    ):
        import mne_bids

        self.root = Path(root)
        if not (self.root / "dataset_description.json").is_file():
            raise FileNotFoundError(
                f"{str(self.root)!r} is not a BIDS root (no dataset_description.json)."
            )
        config_file = self.root / CONFIG_NAME
        config = _read_toml(config_file) if config_file.is_file() else {}
        given = {"events": events, "interval": interval, "band": band, "paradigm": paradigm}
        config.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in given.items()
                       if v is not None})
        self.task = task or config.pop("task", None)
        source = f"BIDS root {str(self.root)!r} (settings from {CONFIG_NAME} or arguments)"
        self.event_map, self.options, paradigms = _epoching(config, source)
        self.paradigms = {p: {} for p in paradigms}
        self.name = name or str(root)
        labels = mne_bids.get_entity_vals(self.root, "subject")
        if not labels:
            raise DataFileError(f"{str(self.root)!r} holds no sub-* folder.")
        self._subjects = {}
        for index, label in enumerate(labels, start=1):
            self._subjects[_subject_number(label, index)] = label

    def _recordings(self, label: str):
        import mne_bids

        paths = mne_bids.find_matching_paths(
            self.root,
            subjects=label,
            tasks=self.task,
            datatypes="eeg",
            suffixes="eeg",
            extensions=[".edf", ".bdf", ".vhdr", ".set", ".fif", ".cnt", ".mff"],
        )
        if not paths:
            raise DataFileError(
                f"Subject {label!r} of {str(self.root)!r} has no EEG recording"
                f"{f' of task {self.task!r}' if self.task else ''}."
            )
        def order(path):  # run 4 before run 12
            run = str(path.run or "")
            return (path.session or "", path.task or "", int(run) if run.isdigit() else 0, run)

        return sorted(paths, key=order)

    def load(self, subjects=None, paradigm=None, **kwargs) -> EpochsData:
        """Load labelled epochs (microvolts) of some subjects; ``kwargs`` override the epoching.

        Returns
        -------
        epochs : EpochsData
            One session per BIDS session; ``run`` is the BIDS run (or task) label.
        """
        import mne_bids

        subjects, paradigm = self._check_load(subjects, paradigm)
        options = {**self.options, **self.paradigms[paradigm], **kwargs}
        parts = []
        for subject in subjects:
            for bids_path in self._recordings(self._subjects[subject]):
                raw = mne_bids.read_raw_bids(bids_path, verbose="ERROR")
                raw.load_data(verbose="ERROR")
                standardize_channel_names(raw)
                parts.append(
                    epochs_from_raw(
                        raw,
                        self.event_map,
                        subject=subject,
                        session=bids_path.session or "0",
                        run=bids_path.run or bids_path.task or "0",
                        source=repr(bids_path.basename),
                        **options,
                    )
                )
        return EpochsData.concatenate(parts)


#: MOABB paradigms tried on a MOABB dataset, in order (those whose ``is_valid`` accepts it).
_MOABB_PARADIGMS = ("LeftRightImagery", "MotorImagery", "SSVEP", "FilterBankSSVEP", "P300")
_MOABB_OPTIONS = {"tmin": "tmin", "tmax": "tmax", "l_freq": "fmin", "h_freq": "fmax"}


@contextmanager
def _quiet_moabb():
    """Silence MOABB's log notes ("Choosing from all possible events"); warnings stay."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


@contextmanager
def _moabb_upstream():
    """Pin MOABB's download provider to ``"upstream"`` while it lasts.

    With its default provider MOABB first fetches a NEMAR index, retrying with back-off
    for minutes when the network is unreachable; ``"upstream"`` reads the files already
    in MNE's data folder (and MOABB's NEMAR store) and fails at once for a missing one.
    """
    saved = os.environ.get("MOABB_DOWNLOAD_PROVIDER")
    os.environ["MOABB_DOWNLOAD_PROVIDER"] = "upstream"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MOABB_DOWNLOAD_PROVIDER", None)
        else:
            os.environ["MOABB_DOWNLOAD_PROVIDER"] = saved


@contextmanager
def _network_refused():
    """Refuse every network connection of this process (while probing the files on disk).

    Process-wide while it lasts: a probe runs before any task, in the main thread. MOABB's
    download provider is pinned to ``"upstream"`` meanwhile (:func:`_moabb_upstream`), so
    a refused download fails at once instead of being retried.
    """

    def refuse(*args, **kwargs):
        raise OSError("neuropipe: network refused while looking for files on disk")

    saved = socket.socket.connect, socket.create_connection, socket.getaddrinfo
    socket.socket.connect = socket.create_connection = socket.getaddrinfo = refuse
    try:
        with _moabb_upstream():
            yield
    finally:
        socket.socket.connect, socket.create_connection, socket.getaddrinfo = saved


def _flat_paths(paths):
    if isinstance(paths, (str, Path)):
        return [Path(paths)]
    return [p for item in paths for p in _flat_paths(item)]


def _on_disk(dataset, subject) -> bool:
    """Whether MOABB reads ``subject`` of ``dataset`` without the network.

    First ``dataset.data_path`` (the files of every run MOABB knows, found without
    download); failing that (``PhysionetMI`` also asks for the baseline runs 1-2, which
    its imagery paradigms never read), ``dataset.get_data`` itself.
    """
    try:
        paths = _flat_paths(dataset.data_path(subject, update_path=False, verbose=False))
    except Exception:  # noqa: BLE001 - a download refused, or any reason it cannot tell
        paths = []
    if paths and all(p.exists() for p in paths):
        return True
    try:
        dataset.get_data([subject])
    except Exception:  # noqa: BLE001 - a file missing: MOABB tried to download it
        return False
    return True


def _moabb_dataset(code: str):
    import moabb.datasets
    from moabb.datasets.utils import dataset_list

    cls = getattr(moabb.datasets, code, None)
    if isinstance(cls, type):
        return cls()
    for candidate in dataset_list:
        try:
            dataset = candidate()
        except Exception:  # noqa: BLE001 - a dataset whose constructor needs arguments
            continue
        if dataset.code == code:
            return dataset
    raise ValueError(
        f"No MOABB dataset has the code or class name {code!r}; see "
        f"moabb.datasets.utils.dataset_list (e.g. 'moabb:PhysionetMI')."
    )


class MOABBDataset(_UserDataset):
    """Any MOABB dataset, epoched by MOABB's paradigms (``"moabb:CODE"``).

    MOABB downloads the files of the subjects named unless they are in MNE's data folder
    already; with no subject named, only those already there are used
    (:meth:`local_subjects`; an error says how to name some when there is none). ``X``
    comes back in microvolts (MOABB's ``unit_factor``), as the bundled datasets'.

    Parameters
    ----------
    code : str
        MOABB dataset code or class name, e.g. ``"PhysionetMI"``.
    name : str | None
        Name used in result tables; default ``"moabb:CODE"``.
    """

    def __init__(self, code, name=None):
        import moabb.paradigms

        self.dataset = _moabb_dataset(code)
        self.name = name or f"moabb:{code}"
        self._subjects = {int(s): s for s in self.dataset.subject_list}
        self._local = None
        self.paradigms = {}
        for paradigm in _MOABB_PARADIGMS:
            with _quiet_moabb(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecation notes of paradigm arguments
                if getattr(moabb.paradigms, paradigm)().is_valid(self.dataset):
                    self.paradigms[paradigm] = {}
        if not self.paradigms:
            raise ValueError(
                f"{self.name}: none of the MOABB paradigms {list(_MOABB_PARADIGMS)} accepts "
                f"this dataset."
            )

    def local_subjects(self) -> list[int]:
        """Subjects whose files are on disk: those MOABB reads with the network refused.

        Asked once per dataset object (``data_path``, else ``get_data``, per subject).

        Returns
        -------
        subjects : list of int
        """
        import mne

        if self._local is None:
            with (
                _network_refused(),
                _quiet_moabb(),
                mne.utils.use_log_level("ERROR"),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("ignore")  # "... not found. Downloading from ..."
                self._local = [
                    s for s in self.subjects if _on_disk(self.dataset, self._subjects[s])
                ]
        return list(self._local)

    @property
    def default_subjects(self) -> list[int]:
        """The subjects already on disk (:meth:`local_subjects`): no download unasked."""
        local = self.local_subjects()
        if not local:
            raise ValueError(
                f"{self.name}: none of its {len(self._subjects)} subjects has its files on "
                f"disk (MOABB finds none in MNE's data folder with the network refused), and "
                f"neuropipe downloads only subjects named: pass --subjects 1 2 (neuropipe "
                f"benchmark) or subjects=[1, 2] (load) to let MOABB download those."
            )
        return local

    def load(self, subjects=None, paradigm=None, **kwargs) -> EpochsData:
        """Epochs of MOABB's ``paradigm().get_data(dataset, subjects)``, in microvolts.

        ``subjects=None``: the subjects already on disk (:attr:`default_subjects`); named
        subjects are downloaded by MOABB when missing.

        ``kwargs`` ``tmin``, ``tmax`` (relative to the dataset's interval start, as MOABB),
        ``l_freq`` and ``h_freq`` become the paradigm's ``tmin``, ``tmax``, ``fmin``, ``fmax``.
        """
        import mne
        import moabb.paradigms

        subjects, paradigm = self._check_load(subjects, paradigm)
        unknown = sorted(set(kwargs) - set(_MOABB_OPTIONS))
        if unknown:
            raise ValueError(
                f"{self.name}: MOABB epoching takes {list(_MOABB_OPTIONS)}, got {unknown}."
            )
        options = {_MOABB_OPTIONS[k]: v for k, v in kwargs.items()}
        filter_bank = paradigm.startswith("FilterBank")
        # subjects found on disk are read from there, without MOABB's NEMAR look-up
        on_disk = self._local is not None and set(subjects) <= set(self._local)
        with (
            mne.utils.use_log_level("ERROR"),
            _quiet_moabb(),
            _moabb_upstream() if on_disk else nullcontext(),
        ):
            runner = getattr(moabb.paradigms, paradigm)(**options)
            data, labels, meta = runner.get_data(
                self.dataset, subjects=subjects, return_epochs=not filter_bank
            )
            if filter_bank:  # 4-D arrays: channel names and rate from the first recording
                raw = next(iter(next(iter(
                    self.dataset.get_data(subjects[:1])[subjects[0]].values()
                )).values()))
                picks = mne.pick_types(raw.info, eeg=True, exclude="bads")
                sfreq, ch_names = raw.info["sfreq"], [raw.ch_names[i] for i in picks]
                X = data
            else:
                sfreq, ch_names = data.info["sfreq"], list(data.ch_names)
                X = data.get_data() * self.dataset.unit_factor
        meta = meta.reset_index(drop=True)
        return EpochsData(np.asarray(X), np.asarray(labels), float(sfreq), ch_names, meta)


def is_dataset_spec(spec) -> bool:
    """Whether ``spec`` names a user dataset (MOABB code, BIDS root or TOML description)."""
    spec = str(spec)
    if spec.startswith(("moabb:", "bids:")):
        return True
    path = Path(spec)
    return path.suffix == ".toml" or (path.is_dir() and (
        (path / CONFIG_NAME).is_file() or (path / "dataset_description.json").is_file()
    ))


def open_dataset(spec):
    """The dataset object of a spec: ``"moabb:CODE"``, a BIDS root, or a TOML description.

    Parameters
    ----------
    spec : str | Path
        ``"moabb:PhysionetMI"``; ``"bids:/path/root"`` or a folder with
        ``dataset_description.json``; a ``.toml`` file or a folder with ``neuropipe.toml``.

    Returns
    -------
    dataset : MOABBDataset | BIDSDataset | TOMLDataset
        ``name`` is ``str(spec)``, so tasks that carry it re-open the same dataset.
    """
    text = str(spec)
    if text.startswith("moabb:"):
        return MOABBDataset(text[len("moabb:"):], name=text)
    if text.startswith("bids:"):
        return BIDSDataset(text[len("bids:"):], name=text)
    path = Path(text)
    if path.is_dir() and (path / "dataset_description.json").is_file():
        return BIDSDataset(path, name=text)
    if path.suffix == ".toml" or (path / CONFIG_NAME).is_file():
        return TOMLDataset(path, name=text)
    raise FileNotFoundError(
        f"{text!r} is not a dataset: give a bundled name, 'moabb:CODE', a BIDS root (with "
        f"dataset_description.json) or a .toml description (or a folder with {CONFIG_NAME})."
    )
