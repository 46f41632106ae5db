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
import pandas as pd

from .._logging import logger
from .._validation import DataFileError
from ..io.eeg import (
    EpochsData,
    RecordingWarning,
    _check_edf_header,
    _check_finite_samples,
    _file_format,
    _match_events,
    _raw_events,
    epochs_from_raw,
    mne_warnings,
    read_epochs,
    read_raw,
    standardize_channel_names,
)
from .base import MOABB_PARADIGMS, Dataset

__all__ = [
    "BIDSDataset",
    "DatasetSpecError",
    "MOABBDataset",
    "TOMLDataset",
    "open_dataset",
    "is_dataset_spec",
]

#: The file a folder or a BIDS root uses to describe its epoching.
CONFIG_NAME = "neuropipe.toml"
_KEYS = (
    "name",
    "paradigm",
    "interval",
    "band",
    "events",
    "subjects",
    "picks",
    "task",
    "on_ch_mismatch",
)
#: mne-bids' choices when channels.tsv and the recording name channels differently.
_CH_MISMATCH = ("raise", "reorder", "rename")


#: Specs whose recordings' events were checked in this process: (event map, then path,
#: size and modification time of every file).
_CHECKED_SPECS: set = set()


class DatasetSpecError(ValueError):
    """A dataset spec (TOML description, BIDS root) is malformed; the message names the
    field and the fix. Raised when the dataset is opened, before any task starts."""


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


def _pair(config, key, source, what, example, *, minimum=None):
    """``config[key]`` as two increasing finite numbers, or a DatasetSpecError."""
    value = config[key]
    numbers = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and all(np.isfinite(value))
    )
    if not numbers:
        raise DatasetSpecError(
            f"{source}: {key!r} must be {what} (two numbers), e.g. {key} = {example}, got "
            f"{value!r}."
        )
    low, high = (float(v) for v in value)
    if not low < high:
        raise DatasetSpecError(
            f"{source}: {key!r} = {value!r} is reversed or empty: the first value must be "
            f"lower than the second, e.g. {key} = {[min(low, high), max(low, high)]}."
        )
    if minimum is not None and low < minimum:
        raise DatasetSpecError(
            f"{source}: {key!r} = {value!r} starts below {minimum:g}; frequencies are >= 0 Hz."
        )
    return low, high


def _epoching(config: dict, source: str) -> tuple[dict, dict, list]:
    """Event map, epoching keyword arguments and paradigm names of a TOML config, every
    field checked (type, order, known paradigm) with its name and the fix."""
    unknown = sorted(set(config) - set(_KEYS))
    if unknown:
        raise DatasetSpecError(f"{source}: unknown keys {unknown}; the keys are {list(_KEYS)}.")
    for key in ("events", "interval", "paradigm"):
        if key not in config:
            raise DatasetSpecError(
                f"{source} lacks {key!r}: give 'events' (event -> label), 'interval' "
                f"([tmin, tmax] in s) and 'paradigm' (e.g. \"LeftRightImagery\")."
            )
    events = config["events"]
    if not isinstance(events, dict) or not events:
        raise DatasetSpecError(
            f"{source}: 'events' must be a table of event -> label, e.g. [events] T1 = "
            f'"left_hand", got {events!r}.'
        )
    labels = [v for v in events.values() if not isinstance(v, (str, int)) or str(v) == ""]
    if labels:
        raise DatasetSpecError(
            f"{source}: [events] maps each event to a class label (a non-empty string), got "
            f'{labels[0]!r}; write e.g. T1 = "left_hand".'
        )
    tmin, tmax = _pair(config, "interval", source, "[tmin, tmax] in s", "[0.5, 2.5]")
    options = {"tmin": tmin, "tmax": tmax}
    if "band" in config:
        options["l_freq"], options["h_freq"] = _pair(
            config, "band", source, "[l_freq, h_freq] in Hz", "[8.0, 30.0]", minimum=0.0
        )
    if "picks" in config:
        picks = config["picks"]
        if not isinstance(picks, list) or not picks or not all(isinstance(c, str) for c in picks):
            raise DatasetSpecError(
                f"{source}: 'picks' must be a list of channel names, e.g. picks = [\"C3\", "
                f'"Cz", "C4"], got {picks!r}.'
            )
        options["picks"] = list(picks)
    paradigms = config["paradigm"]
    paradigms = [paradigms] if isinstance(paradigms, str) else paradigms
    if not isinstance(paradigms, list) or not paradigms:
        raise DatasetSpecError(
            f"{source}: 'paradigm' must be a paradigm name or a list of them, e.g. paradigm = "
            f'"LeftRightImagery", got {config["paradigm"]!r}.'
        )
    strange = [p for p in paradigms if p not in MOABB_PARADIGMS]
    if strange:
        raise DatasetSpecError(
            f"{source}: 'paradigm' lists {strange}, which are not MOABB paradigm names; the "
            f"paradigms of an EEG dataset are {list(MOABB_PARADIGMS)}."
        )
    for key in ("name", "task"):
        if key in config and not isinstance(config[key], str):
            raise DatasetSpecError(f"{source}: {key!r} must be a string, got {config[key]!r}.")
    return {k: str(v) for k, v in events.items()}, options, list(paradigms)


def _numbered_subjects(labels, source, what) -> dict:
    """``{subject number: label}``, refusing two labels that read as the same number."""
    numbers = {}
    for index, label in enumerate(labels, start=1):
        numbers.setdefault(_subject_number(label, index), []).append(label)
    clashes = {n: found for n, found in numbers.items() if len(found) > 1}
    if clashes:
        number, found = next(iter(clashes.items()))
        raise DatasetSpecError(
            f"{source}: {what} {found} all read as subject {number} (a label is read by its "
            f"digits, a label without digits by its position), so one would replace the "
            f"other's recordings; give each subject its own number."
        )
    return {n: found[0] for n, found in numbers.items()}


def _check_events_present(event_map, recordings, source) -> None:
    """Refuse an [events] key found in no recording, and a recording with none of them.

    ``recordings`` is a list of ``(name, available)``: the event keys of each recording
    (``{key: code}``, as :func:`neuropipe.io.eeg._raw_events` returns them).
    """
    seen = set()
    for name, available in recordings:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the files that lack some events say so at load
            try:
                seen |= set(_match_events(event_map, available, "ignore", name))
            except DataFileError as exc:
                raise DatasetSpecError(f"{source}: {exc}") from exc
    absent = [k for k in event_map if k not in seen]
    if absent:
        holds = sorted({str(k) for _, available in recordings for k in available})
        raise DatasetSpecError(
            f"{source}: [events] {absent} occur in none of its {len(recordings)} recording(s) "
            f"(they hold {holds[:12]}); fix the event names in [events]."
        )


def _subject_number(label: str, index: int) -> int:
    digits = re.fullmatch(r"\D*(\d+)", str(label))
    return int(digits.group(1)) if digits else index


class _UserDataset(Dataset):
    """Shared shell: ``subjects``, ``paradigms`` and checks of ``load``'s arguments; an EEG
    :class:`~neuropipe.datasets.Dataset` (``path`` is set by each kind)."""

    modality = "eeg"
    data_type = "EEG"
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
        paradigm = self.check_paradigm(paradigm)
        subjects = (
            self.default_subjects if subjects is None else [int(s) for s in np.atleast_1d(subjects)]
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

    Attributes
    ----------
    path : None
        The description lists its files, which may lie outside its folder
        (``config_file`` is the description).
    """

    def __init__(self, path, name=None):
        super().__init__()  # path None: the description lists files, which may lie anywhere
        path = Path(path)
        self.config_file = path / CONFIG_NAME if path.is_dir() else path
        if not self.config_file.is_file():
            raise FileNotFoundError(f"Dataset description {str(self.config_file)!r} not found.")
        config = _read_toml(self.config_file)
        source = repr(str(self.config_file))
        if "on_ch_mismatch" in config:
            raise DatasetSpecError(
                f"{source}: 'on_ch_mismatch' applies to BIDS roots (channels.tsv) only; remove it."
            )
        self.event_map, self.options, paradigms = _epoching(config, source)
        self.paradigms = {p: {} for p in paradigms}
        self.name = name or str(path)
        self.title = config.get("name", self.config_file.parent.name)
        table = config.get("subjects")
        if not isinstance(table, dict) or not table:
            raise ValueError(
                f"{source} lacks a [subjects] table of subject -> files (or session -> files)."
            )
        numbers = _numbered_subjects(list(table), source, "[subjects] labels")
        self._subjects = {}
        for number, label in numbers.items():
            entry = table[label]
            sessions = entry if isinstance(entry, dict) else {"0": entry}
            if not sessions:
                raise DatasetSpecError(
                    f"{source}: subject {label!r} lists no session; give files, e.g. "
                    f'{label} = ["S001/run1.edf"].'
                )
            files = {str(s): self._resolve(f, source, label) for s, f in sessions.items()}
            self._subjects[number] = files
        self._check_events(source)

    def _check_events(self, source):
        """Up front: every [events] key is in some recording, and every recording holds
        one of them (headers and annotations only; the samples are read at load)."""
        files = [f for sessions in self._subjects.values() for fs in sessions.values() for f in fs]
        key = (repr(sorted(self.event_map.items())),) + tuple(
            (str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files
        )
        if key in _CHECKED_SPECS:  # opened again in this process (a task, a worker)
            return
        recordings = []
        for sessions in self._subjects.values():
            for files in sessions.values():
                for file in files:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # said again when the file loads
                        raw = read_raw(file, preload=False)
                        try:
                            _, available = _raw_events(raw, None, None)
                        except DataFileError as exc:
                            raise DatasetSpecError(f"{source}: {file.name}: {exc}") from exc
                    recordings.append((repr(file.name), available))
        _check_events_present(self.event_map, recordings, source)
        _CHECKED_SPECS.add(key)

    def _resolve(self, entries, source, label) -> list[Path]:
        entries = [entries] if isinstance(entries, str) else entries
        if (
            not isinstance(entries, list)
            or not entries
            or not all(isinstance(e, str) and e for e in entries)
        ):
            raise DatasetSpecError(
                f"{source}: subject {label!r} must list file names (strings, relative to the "
                f'TOML file), e.g. {label} = ["S001/run1.edf"], got {entries!r}.'
            )
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
    on_ch_mismatch : {"raise", "reorder", "rename", "warn"} | None
        What to do when ``channels.tsv`` and the recording name channels differently
        (mne-bids' ``read_raw_bids`` option): ``"reorder"`` when they hold the same
        names in another order, ``"rename"`` when the order is right and the names
        differ, ``"warn"`` to ignore ``channels.tsv`` (its bad channels too); default the
        TOML key ``on_ch_mismatch``, else ``"raise"``.

    Attributes
    ----------
    path, root : Path
        The BIDS root.

    Notes
    -----
    Checked when the dataset is opened (:class:`DatasetSpecError` naming the field):
    the epoching keys, unique subject numbers, and that every ``[events]`` key is a
    ``trial_type`` of some ``events.tsv``. At load: channels marked ``bad`` in
    ``channels.tsv`` are left out of the epochs of every recording loaded together (and
    said in the log), events with an ``n/a`` onset are counted in a
    :class:`~neuropipe.io.eeg.RecordingWarning`, and MNE's reading warnings (a truncated
    file...) come through as :class:`~neuropipe.io.eeg.RecordingWarning`, as for the
    bundled files.
    """

    def __init__(
        self,
        root,
        events=None,
        interval=None,
        band=None,
        paradigm=None,
        task=None,
        name=None,
        on_ch_mismatch=None,
    ):
        import mne_bids

        super().__init__(root)
        self.root = self.path
        if not (self.root / "dataset_description.json").is_file():
            raise FileNotFoundError(
                f"{str(self.root)!r} is not a BIDS root (no dataset_description.json)."
            )
        config_file = self.root / CONFIG_NAME
        config = _read_toml(config_file) if config_file.is_file() else {}
        given = {"events": events, "interval": interval, "band": band, "paradigm": paradigm}
        config.update(
            {k: (list(v) if isinstance(v, tuple) else v) for k, v in given.items() if v is not None}
        )
        self.task = task or config.pop("task", None)
        source = f"BIDS root {str(self.root)!r} (settings from {CONFIG_NAME} or arguments)"
        self.on_ch_mismatch = on_ch_mismatch or config.pop("on_ch_mismatch", "raise")
        if self.on_ch_mismatch not in _CH_MISMATCH + ("warn",):
            raise DatasetSpecError(
                f"{source}: 'on_ch_mismatch' must be one of {list(_CH_MISMATCH) + ['warn']}, "
                f"got {self.on_ch_mismatch!r}."
            )
        self.event_map, self.options, paradigms = _epoching(config, source)
        self.paradigms = {p: {} for p in paradigms}
        self.name = name or str(root)
        labels = mne_bids.get_entity_vals(self.root, "subject")
        if not labels:
            raise DataFileError(f"{str(self.root)!r} holds no sub-* folder.")
        self._subjects = _numbered_subjects(labels, source, "BIDS subjects")
        recordings = []
        for label in self._subjects.values():
            for bids_path in self._recordings(label):
                table = self._events_table(bids_path)
                types = [] if table is None else table["trial_type"].astype(str).unique()
                recordings.append((repr(bids_path.basename), {t: i for i, t in enumerate(types)}))
        _check_events_present(self.event_map, recordings, source)

    @staticmethod
    def _events_table(bids_path):
        """The recording's ``events.tsv`` (onset and trial_type as text), or None."""
        fpath = Path(bids_path.fpath)
        events = fpath.with_name(fpath.name.rsplit("_", 1)[0] + "_events.tsv")
        if not events.is_file():
            return None
        table = pd.read_csv(events, sep="\t", dtype=str, keep_default_na=False)
        if "trial_type" not in table or "onset" not in table:
            return None
        return table

    def _count_na_onsets(self, bids_path) -> None:
        """Warn with the number of listed events whose onset is ``n/a`` (mne-bids drops
        them)."""
        table = self._events_table(bids_path)
        if table is None:
            return
        listed = table[table["trial_type"].isin([str(k) for k in self.event_map])]
        na = listed["onset"].str.strip().str.lower().isin(["n/a", "nan", ""])
        if na.any():
            counts = listed[na]["trial_type"].value_counts().sort_index()
            detail = ", ".join(f"{t} {n}" for t, n in counts.items())
            warnings.warn(
                f"{bids_path.basename}: {int(na.sum())} of {len(listed)} events have an 'n/a' "
                f"onset in events.tsv and are dropped ({detail}); give their onsets or "
                f"remove the rows.",
                RecordingWarning,
                stacklevel=3,
            )

    def _read(self, bids_path):
        """Read one recording: neuropipe's header checks and MNE's warnings, as
        :func:`neuropipe.io.eeg.read_raw`, and the channel-mismatch choice in words."""
        import mne_bids

        fpath = Path(bids_path.fpath)
        fmt = _file_format(fpath)
        if fmt in ("EDF", "BDF"):
            _check_edf_header(fpath, fmt)
        self._count_na_onsets(bids_path)
        with mne_warnings(bids_path.basename):
            try:
                raw = mne_bids.read_raw_bids(
                    bids_path, on_ch_mismatch=self.on_ch_mismatch, verbose="WARNING"
                )
            except Exception as exc:
                if not (isinstance(exc, RuntimeError) and "mismatch" in str(exc).lower()):
                    raise DataFileError(
                        f"Could not read {bids_path.basename!r}: {type(exc).__name__}: {exc}. "
                        f"The file may be truncated or corrupt; re-export or re-download it."
                    ) from exc
                raise DataFileError(
                    f"{bids_path.basename}: channels.tsv and the recording name the channels "
                    f"differently. Set on_ch_mismatch in {CONFIG_NAME} (or "
                    f'BIDSDataset(on_ch_mismatch=...)): "reorder" if they hold the same '
                    f'names in another order, "rename" if the order is right and the names '
                    f'differ, "warn" to ignore channels.tsv.'
                ) from exc
            raw.load_data(verbose="WARNING")
        _check_finite_samples(raw, fpath)
        return raw

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

        subjects, paradigm = self._check_load(subjects, paradigm)
        options = {**self.options, **self.paradigms[paradigm], **kwargs}
        recordings = [
            (subject, bids_path, self._read(bids_path))
            for subject in subjects
            for bids_path in self._recordings(self._subjects[subject])
        ]
        for _, _, raw in recordings:
            standardize_channel_names(raw)
        # channels.tsv's bad channels: left out of every recording loaded together, so the
        # epochs keep one channel set
        bads = sorted({c for _, _, raw in recordings for c in raw.info["bads"]})
        if bads:
            marked = sorted({p.basename for _, p, raw in recordings if raw.info["bads"]})
            logger.warning(
                "%s: channels %s are marked bad in channels.tsv (%s) and are left out of the "
                "epochs of the %d recording(s) loaded.",
                self.name,
                bads,
                ", ".join(marked[:3]) + (", ..." if len(marked) > 3 else ""),
                len(recordings),
            )
        parts = []
        for subject, bids_path, raw in recordings:
            raw.drop_channels([c for c in bads if c in raw.ch_names])
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

    Attributes
    ----------
    path : None
        MOABB keeps the files in MNE's data folder.
    """

    def __init__(self, code, name=None):
        import moabb.paradigms

        super().__init__()  # path None: the files are in MNE's data folder
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
            try:
                data, labels, meta = runner.get_data(
                    self.dataset, subjects=subjects, return_epochs=not filter_bank
                )
            except Exception as exc:
                if not _network_error(exc):
                    raise
                raise ConnectionError(
                    f"{self.name}: subject(s) {subjects} are not all on disk and MOABB could "
                    f"not download them ({type(exc).__name__}, no network?); connect to the "
                    f"internet, or copy the files into MNE's data folder "
                    f"(neuropipe.datasets.moabb_bridge.install_eegbci_offline for EEGBCI) and "
                    f"name only subjects found there (MOABBDataset.local_subjects())."
                ) from exc
            if filter_bank:  # 4-D arrays: channel names and rate from the first recording
                raw = next(
                    iter(
                        next(
                            iter(self.dataset.get_data(subjects[:1])[subjects[0]].values())
                        ).values()
                    )
                )
                picks = mne.pick_types(raw.info, eeg=True, exclude="bads")
                sfreq, ch_names = raw.info["sfreq"], [raw.ch_names[i] for i in picks]
                X = data
            else:
                sfreq, ch_names = data.info["sfreq"], list(data.ch_names)
                X = data.get_data() * self.dataset.unit_factor
        meta = meta.reset_index(drop=True)
        return EpochsData(np.asarray(X), np.asarray(labels), float(sfreq), ch_names, meta)


def _network_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a failed download: requests', urllib3's,
    urllib's or the socket's errors, which say so in their own words."""
    while exc is not None:
        module = type(exc).__module__.split(".")[0]
        if module in ("requests", "urllib3", "urllib", "pooch", "socket") or isinstance(
            exc, (ConnectionError, TimeoutError, socket.gaierror)
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def is_dataset_spec(spec) -> bool:
    """Whether ``spec`` names a user dataset (MOABB code, BIDS root or TOML description)."""
    spec = str(spec)
    if spec.startswith(("moabb:", "bids:")):
        return True
    path = Path(spec)
    return path.suffix == ".toml" or (
        path.is_dir()
        and ((path / CONFIG_NAME).is_file() or (path / "dataset_description.json").is_file())
    )


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
        return MOABBDataset(text[len("moabb:") :], name=text)
    if text.startswith("bids:"):
        return BIDSDataset(text[len("bids:") :], name=text)
    path = Path(text)
    if path.is_dir() and (path / "dataset_description.json").is_file():
        return BIDSDataset(path, name=text)
    if path.suffix == ".toml" or (path / CONFIG_NAME).is_file():
        return TOMLDataset(path, name=text)
    raise FileNotFoundError(
        f"{text!r} is not a dataset: give a bundled name, 'moabb:CODE', a BIDS root (with "
        f"dataset_description.json) or a .toml description (or a folder with {CONFIG_NAME})."
    )
