"""Read raw EEG files of any format MNE reads and cut them into labelled epochs.

The result is an :class:`EpochsData`: the ``(n_epochs, n_channels, n_times)`` array
every neuropipe estimator takes, its labels, sampling rate, channel names and
per-epoch metadata (subject, session, run), convertible to and from
:class:`mne.Epochs`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import mne
import numpy as np
import pandas as pd

from .._validation import DataFileError, check_ch_names, check_freq_range, check_option

__all__ = [
    "ContinuousRun",
    "EpochsData",
    "RecordingWarning",
    "read_raw",
    "standardize_channel_names",
    "epochs_from_raw",
    "read_epochs",
    "labels_in_force",
    "read_continuous",
]

#: Scale from MNE's volts to the microvolts neuropipe arrays hold (as MOABB does).
EEG_UNIT_FACTOR = 1e6

_READERS = {
    ".edf": "EDF",
    ".bdf": "BDF",
    ".gdf": "GDF",
    ".fif": "FIF",
    ".fif.gz": "FIF",
    ".vhdr": "BrainVision",
    ".set": "EEGLAB",
    ".cnt": "Neuroscan CNT",
    ".mff": "EGI MFF",
    ".cdt": "Curry",
    ".lay": "Persyst",
    ".snirf": "SNIRF",
}


def _file_format(path: Path) -> str:
    name = path.name.lower()
    for ext in sorted(_READERS, key=len, reverse=True):
        if name.endswith(ext):
            return _READERS[ext]
    raise DataFileError(
        f"Unsupported EEG file type for {str(path)!r}. Supported extensions are "
        f"{', '.join(sorted(_READERS))}; convert the file with MNE first."
    )


_MAGIC = {"EDF": b"0       ", "BDF": b"\xffBIOSEMI", "GDF": b"GDF"}
#: Formats stored as a folder rather than a file.
_DIRECTORY_FORMATS = {"EGI MFF"}


def _check_magic(path: Path, fmt: str) -> None:
    magic = _MAGIC.get(fmt)
    if magic is None:
        return
    with open(path, "rb") as handle:
        head = handle.read(len(magic))
    if head != magic:
        raise DataFileError(
            f"{str(path)!r} does not start like a {fmt} file (first bytes {head!r}, expected "
            f"{magic!r}); it is truncated or corrupt, or not {fmt} despite its extension."
        )


class RecordingWarning(RuntimeWarning):
    """A recording was read but something in it is suspect (truncated, header oddities).

    MNE's own reading warnings are re-emitted with this category, prefixed with the file
    name, so ``warnings.simplefilter("error", RecordingWarning)`` turns every one of them
    into an error.
    """


def read_raw(path, *, preload: bool = True, verbose="ERROR") -> mne.io.BaseRaw:
    """Read a raw EEG recording in any format MNE reads.

    Parameters
    ----------
    path : str | Path
        EDF, BDF, GDF, FIF, BrainVision (``.vhdr``), EEGLAB (``.set``) or another
        format handled by :func:`mne.io.read_raw`.
    preload : bool
        Load the data into memory.
    verbose : str | bool
        MNE verbosity of its informative messages. MNE's warnings are always caught and
        re-emitted as :class:`RecordingWarning`, whatever the verbosity.

    Returns
    -------
    raw : mne.io.BaseRaw

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataFileError
        If ``path`` is a directory (other than an EGI ``.mff`` folder), the extension is
        unknown, the file is truncated or corrupt, an EDF / BDF channel's calibration
        fields are not numbers or give it no scale (digital or physical minimum equal to
        the maximum), or the loaded samples are NaN or infinite.

    Warns
    -----
    RecordingWarning
        If an EDF / BDF file holds fewer data records than its header declares (a cut
        file: the samples past the cut are missing), or MNE warned while reading.

    Examples
    --------
    >>> from neuropipe.datasets import bundled_path
    >>> raw = read_raw(bundled_path("eegmmidb") / "S001" / "S001R04.edf")
    >>> raw.info["sfreq"]
    160.0
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"EEG file not found: {str(path)!r}. Check the path.")
    fmt = _file_format(path)
    if path.is_dir() and fmt not in _DIRECTORY_FORMATS:
        raise DataFileError(f"{str(path)!r} is a directory, not an EEG file in {fmt} format.")
    _check_magic(path, fmt)
    if fmt in ("EDF", "BDF"):
        _check_edf_header(path, fmt)
    with mne_warnings(path.name):
        try:
            raw = mne.io.read_raw(path, preload=preload, verbose=_at_least_warning(verbose))
        except Exception as exc:
            raise DataFileError(
                f"Could not read {str(path)!r} as {fmt}: {type(exc).__name__}: {exc}. The file "
                f"may be truncated or corrupt; re-export or re-download it."
            ) from exc
    if raw.n_times == 0:
        raise DataFileError(f"{str(path)!r} holds no samples.")
    if raw.preload:
        _check_finite_samples(raw, path)
    return raw


@contextmanager
def mne_warnings(name: str):
    """Catch MNE's warnings while reading ``name`` and re-emit them as
    :class:`RecordingWarning` prefixed with the file name (read at WARNING verbosity at
    least, so none is silenced)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for record in caught:
        warnings.warn(f"{name}: MNE: {record.message}", RecordingWarning, stacklevel=4)


def _at_least_warning(verbose):
    """MNE verbosity that still emits warnings (ours to catch), never quieter."""
    if verbose is True or (isinstance(verbose, str) and verbose.upper() in ("DEBUG", "INFO")):
        return verbose
    if isinstance(verbose, int) and not isinstance(verbose, bool) and verbose < 30:
        return verbose
    return "WARNING"


@dataclass(frozen=True)
class _EDFHeader:
    """The fields of an EDF / BDF header that scaling and length depend on."""

    labels: list
    units: list
    n_records: int
    record_seconds: float
    physical_min: np.ndarray
    physical_max: np.ndarray
    digital_min: np.ndarray
    digital_max: np.ndarray
    samples_per_record: np.ndarray
    header_bytes: int
    bytes_per_sample: int


def _read_edf_header(path: Path, fmt: str) -> _EDFHeader | None:
    """Parse an EDF / BDF header (EDF spec, Kemp et al. 1992), or None if it is unreadable.

    MNE has no public accessor for the per-channel physical / digital ranges it scales
    with, so the fixed-width ASCII fields are read here. Fields that are not numbers
    become NaN; a header too short or malformed to locate the fields gives None and is
    left to MNE's reader to reject.
    """
    with open(path, "rb") as handle:
        head = handle.read(256)
        try:
            n_signals = int(head[252:256].decode("ascii"))
            n_records = int(head[236:244].decode("ascii"))
            record_seconds = float(head[244:252].decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            return None
        if not 0 < n_signals < 100_000:
            return None
        fields = handle.read(256 * n_signals)
    if len(fields) < 256 * n_signals:
        return None

    def column(offset, width):
        block = fields[offset * n_signals : (offset + width) * n_signals]
        return [
            block[i * width : (i + 1) * width].decode("latin-1").strip() for i in range(n_signals)
        ]

    def numbers(offset):
        values = []
        for text in column(offset, 8):
            try:
                values.append(float(text))
            except ValueError:
                values.append(np.nan)
        return np.asarray(values)

    # label 16, transducer 80, physical dimension 8, then the 8-byte numeric fields
    samples = numbers(216)
    if not np.all(np.isfinite(samples)):
        return None
    return _EDFHeader(
        labels=column(0, 16),
        units=column(96, 8),
        n_records=n_records,
        record_seconds=record_seconds,
        physical_min=numbers(104),
        physical_max=numbers(112),
        digital_min=numbers(120),
        digital_max=numbers(128),
        samples_per_record=samples.astype(np.int64),
        header_bytes=256 * (n_signals + 1),
        bytes_per_sample=3 if fmt == "BDF" else 2,
    )


#: Physical units of an EDF / BDF header that MNE scales, in microvolts per unit; MNE reads
#: any other unit, and a blank one, as volts.
VOLTAGE_UNITS = {"uv": 1.0, "µv": 1.0, "μv": 1.0, "mv": 1e3, "v": 1e6, "nv": 1e-3}
#: Plausible span (physical maximum - minimum, in microvolts) of a channel recorded in
#: volts: from 1 µV to 10 V. EEG amplifiers span about 1 mV (EDF, +-3.2 mV or +-8 mV
#: typical) to 0.5 V (BioSemi BDF); a span outside is a wrong unit or a corrupt range,
#: and would load the samples at the wrong scale (x1e6 for volts written for
#: microvolts).
PHYSICAL_SPAN_UV = (1.0, 1e7)


def _check_units(path: Path, header: _EDFHeader, signal: np.ndarray) -> None:
    """Refuse channels whose physical range in microvolts is absurd; warn about units that
    are not a voltage (MNE reads them, and a blank unit, as volts)."""
    units = [u.lower().replace(" ", "") for u in header.units]
    factor = np.array([VOLTAGE_UNITS.get(u, 1e6) for u in units])
    blank = np.array([u == "" for u in units])
    voltage = np.array([u in VOLTAGE_UNITS for u in units]) | blank
    other = signal & ~voltage
    if other.any():
        found = sorted({header.units[i] for i in np.flatnonzero(other)})
        names = [header.labels[i] for i in np.flatnonzero(other)]
        warnings.warn(
            f"{path.name}: channel(s) {names[:5]}{' ...' if len(names) > 5 else ''} have "
            f"physical unit(s) {found}, not a voltage; MNE reads them as volts (1e6 times "
            f"their value in microvolts). Drop them (picks) if they are not EEG, or fix the "
            f"header's physical dimension.",
            RecordingWarning,
            stacklevel=4,
        )
    with np.errstate(invalid="ignore", over="ignore"):
        span = np.abs(header.physical_max - header.physical_min) * factor
    low, high = PHYSICAL_SPAN_UV
    absurd = signal & voltage & ((span < low) | (span > high))
    if absurd.any():
        i = int(np.flatnonzero(absurd)[0])
        names = [header.labels[k] for k in np.flatnonzero(absurd)]
        unit = f"unit {header.units[i]!r}" if header.units[i] else "a blank unit (read as volts)"
        raise DataFileError(
            f"{str(path)!r}: channel(s) {names[:5]}{' ...' if len(names) > 5 else ''} have a "
            f"physical range of {span[i]:.3g} µV ({header.physical_min[i]:g} to "
            f"{header.physical_max[i]:g}, {unit}), outside the {low:g} µV to {high:g} µV "
            f"(10 V) of any EEG amplifier: the unit or the range in the header is wrong, and "
            f"the samples would load at the wrong scale. Fix the header's physical dimension "
            f"(e.g. 'uV') or its physical minimum / maximum, or re-export the recording."
        )


def _check_edf_header(path: Path, fmt: str) -> None:
    """Refuse channels without a usable scale and warn about a file shorter than declared.

    MNE turns each stored integer into volts with
    ``(physical_max - physical_min) / (digital_max - digital_min)``: a field that is not a
    number makes the channel NaN, and equal digital limits leave the scale undefined
    (MNE then falls back to an arbitrary factor: values ~20,000 times too large on
    EEGMMIDB), as do equal physical limits. Annotation channels carry no samples and are
    skipped.
    """
    header = _read_edf_header(path, fmt)
    if header is None:
        return
    signal = np.array([not label.endswith("Annotations") for label in header.labels])
    limits = (header.physical_min, header.physical_max, header.digital_min, header.digital_max)
    checks = [
        (
            ~np.all(np.isfinite(np.vstack(limits)), axis=0),
            "the header's calibration fields (physical / digital minimum and maximum) of "
            "channel(s) {names} are not numbers, so their samples would be NaN or infinite; "
            "the file is corrupt: fix the header or re-export the recording.",
        )
    ]
    for kind, low, high in (
        ("digital", header.digital_min, header.digital_max),
        ("physical", header.physical_min, header.physical_max),
    ):
        checks.append(
            (
                low == high,
                f"channel(s) {{names}} have {kind} minimum == {kind} maximum in the header, "
                f"so the factor that turns stored values into volts is undefined and their "
                f"amplitudes would be meaningless (MNE falls back to an arbitrary scale). Fix "
                f"the header's {kind} limits or re-export the recording.",
            )
        )
    for bad, message in checks:
        if (signal & bad).any():
            names = [header.labels[i] for i in np.flatnonzero(signal & bad)]
            raise DataFileError(f"{str(path)!r}: " + message.format(names=names))
    _check_units(path, header, signal)
    record_bytes = int(header.samples_per_record.sum()) * header.bytes_per_sample
    if header.n_records <= 0 or record_bytes <= 0:
        return  # -1: unknown number of records (allowed while recording)
    size = path.stat().st_size - header.header_bytes
    held = max(size, 0) // record_bytes
    if held < header.n_records:
        warnings.warn(
            f"{path.name} is truncated: its header declares {header.n_records} data records "
            f"({header.n_records * header.record_seconds:g} s) but the file holds "
            f"{held} ({held * header.record_seconds:g} s); samples and events after "
            f"{held * header.record_seconds:g} s are missing. Re-export or re-download it.",
            RecordingWarning,
            stacklevel=3,
        )


def _check_finite_samples(raw: mne.io.BaseRaw, path: Path, block: int = 16) -> None:
    """Raise DataFileError when loaded samples are NaN or infinite (a few channels at a time)."""
    bad = []
    for start in range(0, len(raw.ch_names), block):
        picks = np.arange(start, min(start + block, len(raw.ch_names)))
        finite = np.isfinite(raw.get_data(picks=picks)).all(axis=1)
        bad += [raw.ch_names[i] for i in picks[~finite]]
    if bad:
        raise DataFileError(
            f"{str(path)!r} holds NaN or infinite samples in channel(s) {bad}; the file is "
            f"corrupt (for EDF / BDF, check the header's physical / digital minimum and "
            f"maximum fields): re-export or re-download it."
        )


@lru_cache(maxsize=1)
def _standard_montage():
    name = (
        "colin27_1005"
        if "colin27_1005" in mne.channels.get_builtin_montages()
        else ("standard_1005")
    )
    return mne.channels.make_standard_montage(name)


def standardize_channel_names(raw: mne.io.BaseRaw) -> mne.io.BaseRaw:
    """Map BCI2000-style names (``'C3..'``, ``'Fcz.'``) to standard 10-05 names in place.

    Names without the BCI2000 dot padding are left as they are. A standard 10-05
    montage is attached when every EEG channel is in it, so topomaps work.

    Examples
    --------
    >>> import mne, numpy as np
    >>> info = mne.create_info(["C3..", "Cz..", "Fcz."], 160.0, "eeg")
    >>> raw = mne.io.RawArray(np.zeros((3, 10)), info, verbose=False)
    >>> standardize_channel_names(raw).ch_names
    ['C3', 'Cz', 'FCz']
    """
    if any(name.endswith(".") for name in raw.ch_names):
        mne.datasets.eegbci.standardize(raw)
    montage = _standard_montage()
    eeg = [raw.ch_names[i] for i in mne.pick_types(raw.info, eeg=True)]
    known = {name.lower() for name in montage.ch_names}
    if eeg and all(name.lower() in known for name in eeg):
        raw.set_montage(montage, match_case=False, on_missing="ignore", verbose="ERROR")
    return raw


@dataclass
class EpochsData:
    """Labelled epochs as plain arrays.

    Attributes
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times) or (n_epochs, n_channels, n_times, n_bands)
        Epoch data in microvolts (MNE's volts x 1e6, as MOABB returns).
    y : ndarray, shape (n_epochs,)
        Class label of each epoch.
    sfreq : float
        Sampling rate in Hz.
    ch_names : list of str
        Channel names, standardised.
    metadata : pandas.DataFrame
        One row per epoch: ``subject``, ``session``, ``run``, ``event`` (the original
        event name or code) and ``onset`` (seconds from the start of the run).
    tmin : float
        Time of the first sample relative to the event, in seconds.
    """

    X: np.ndarray
    y: np.ndarray
    sfreq: float
    ch_names: list
    metadata: pd.DataFrame = field(default_factory=pd.DataFrame)
    tmin: float = 0.0

    def __post_init__(self):
        self.X = np.asarray(self.X, dtype=np.float64)
        self.y = np.asarray(self.y)
        if self.X.shape[0] != self.y.shape[0]:
            raise ValueError(
                f"X and y have different numbers of epochs: {self.X.shape[0]} and "
                f"{self.y.shape[0]}."
            )
        if self.X.ndim >= 2 and self.X.shape[1] != len(self.ch_names):
            raise ValueError(
                f"X has {self.X.shape[1]} channels but {len(self.ch_names)} channel names "
                f"were given."
            )
        if len(self.metadata) == 0:
            self.metadata = pd.DataFrame(index=range(len(self.y)))
        self.metadata = self.metadata.reset_index(drop=True)

    def __len__(self) -> int:
        return self.X.shape[0]

    def __repr__(self) -> str:
        classes, counts = np.unique(self.y, return_counts=True)
        per_class = ", ".join(f"{c}: {n}" for c, n in zip(classes, counts))
        return (
            f"<EpochsData | {len(self)} epochs ({per_class}), {len(self.ch_names)} channels, "
            f"{self.X.shape[2]} samples at {self.sfreq:g} Hz>"
        )

    def __getitem__(self, index) -> EpochsData:
        """Select epochs by integer index, slice or boolean mask."""
        index = np.arange(len(self))[index]
        index = np.atleast_1d(index)
        return EpochsData(
            self.X[index],
            self.y[index],
            self.sfreq,
            list(self.ch_names),
            self.metadata.iloc[index].reset_index(drop=True),
            self.tmin,
        )

    @property
    def times(self) -> np.ndarray:
        """Sample times relative to the event, in seconds."""
        return self.tmin + np.arange(self.X.shape[2]) / self.sfreq

    @classmethod
    def concatenate(cls, parts: Sequence[EpochsData]) -> EpochsData:
        """Stack several EpochsData that share channels, rate and epoch length."""
        parts = list(parts)
        if not parts:
            raise ValueError("Nothing to concatenate: the list of EpochsData is empty.")
        first = parts[0]
        for part in parts[1:]:
            check_ch_names(first.ch_names, part.ch_names, context="across files")
            if part.sfreq != first.sfreq:
                raise ValueError(
                    f"Sampling rates differ across files ({first.sfreq} and {part.sfreq} "
                    f"Hz); resample them to one rate first."
                )
            if part.X.shape[2:] != first.X.shape[2:]:
                raise ValueError(
                    f"Epoch lengths differ across files ({first.X.shape[2:]} and "
                    f"{part.X.shape[2:]})."
                )
        return cls(
            np.concatenate([p.X for p in parts]),
            np.concatenate([p.y for p in parts]),
            first.sfreq,
            list(first.ch_names),
            pd.concat([p.metadata for p in parts], ignore_index=True),
            first.tmin,
        )

    def to_mne(self) -> mne.EpochsArray:
        """Return an :class:`mne.EpochsArray` (data back in volts, labels as event ids)."""
        if self.X.ndim != 3:
            raise ValueError("Only 3-D epochs (no filter bank axis) convert to mne.Epochs.")
        labels = sorted(np.unique(self.y).tolist(), key=str)
        event_id = {str(label): code for code, label in enumerate(labels, start=1)}
        codes = np.array([event_id[str(label)] for label in self.y])
        events = np.column_stack(
            [np.arange(len(self)) * self.X.shape[2], np.zeros(len(self), int), codes]
        )
        info = mne.create_info(list(self.ch_names), self.sfreq, "eeg")
        return mne.EpochsArray(
            self.X / EEG_UNIT_FACTOR,
            info,
            events=events,
            tmin=self.tmin,
            event_id=event_id,
            metadata=self.metadata.copy() if len(self.metadata.columns) else None,
            verbose="ERROR",
        )

    @classmethod
    def from_mne(cls, epochs: mne.BaseEpochs, label_map: Mapping | None = None) -> EpochsData:
        """Build EpochsData from :class:`mne.Epochs`.

        Parameters
        ----------
        epochs : mne.BaseEpochs
        label_map : dict | None
            Event name (key of ``epochs.event_id``) -> class label. By default the
            event names themselves are the labels.
        """
        code_to_name = {code: name for name, code in epochs.event_id.items()}
        names = [code_to_name[code] for code in epochs.events[:, 2]]
        label_map = dict(label_map) if label_map is not None else {}
        y = np.array([label_map.get(name, name) for name in names])
        picks = mne.pick_types(epochs.info, eeg=True, meg=False, exclude=[])
        if len(picks) == 0:
            picks = np.arange(len(epochs.ch_names))
        metadata = epochs.metadata.copy() if epochs.metadata is not None else pd.DataFrame()
        if "event" not in metadata:
            metadata["event"] = names
        return cls(
            epochs.get_data(picks=picks) * EEG_UNIT_FACTOR,
            y,
            float(epochs.info["sfreq"]),
            [epochs.ch_names[i] for i in picks],
            metadata,
            float(epochs.tmin),
        )


def _raw_events(raw, events, stim_channel):
    """Return (events array, {event key: code}) from annotations, a stim channel or an array."""
    if events is not None:
        events = np.asarray(events)
        if events.ndim != 2 or events.shape[1] != 3:
            raise ValueError(
                f"'events' must be an MNE events array of shape (n_events, 3), got {events.shape}."
            )
        codes = np.unique(events[:, 2])
        return events, {int(c): int(c) for c in codes}
    if stim_channel is None and len(raw.annotations):
        return mne.events_from_annotations(raw, verbose="ERROR")
    stims = mne.pick_types(raw.info, stim=True, exclude=[])
    if stim_channel is not None or len(stims):
        found = mne.find_events(raw, stim_channel=stim_channel, shortest_event=1, verbose="ERROR")
        return found, {int(c): int(c) for c in np.unique(found[:, 2])}
    raise DataFileError(
        "The recording has neither annotations nor a stim channel, so no events were "
        "found; pass an events array (e.g. from mne.read_events) as 'events'."
    )


def _match_events(event_map, available, on_missing, source):
    """Map user keys (annotation names or integer codes) to codes present in the file."""
    keys = {}
    for key in event_map:
        if key in available:
            keys[key] = available[key]
        elif str(key) in available:
            keys[key] = available[str(key)]
        elif isinstance(key, str) and key.isdigit() and int(key) in available:
            keys[key] = available[int(key)]
    missing = [k for k in event_map if k not in keys]
    if not keys:
        raise DataFileError(
            f"None of the requested events {list(event_map)} are in {source}; it has "
            f"{sorted(map(str, available))}. Check the 'event_map' keys."
        )
    if missing:
        message = (
            f"Requested events {missing} are not in {source} (it has "
            f"{sorted(map(str, available))})."
        )
        if on_missing == "raise":
            raise DataFileError(message + " Pass on_missing='warn' to load the others.")
        if on_missing == "warn":
            warnings.warn(message, RuntimeWarning, stacklevel=3)
    return keys


def _band_edges(band) -> tuple:
    try:
        low, high = band
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"Each 'filter_bank' band must be an (l_freq, h_freq) pair, got {band!r}."
        ) from exc
    return low, high


def _check_band(l_freq, h_freq, sfreq: float, source: str) -> tuple:
    """Check band-pass edges against the Nyquist frequency; return them as MNE takes them.

    ``None`` (or ``l_freq=0``) leaves that edge open: no high-pass / no low-pass.
    """
    if l_freq is None and h_freq is None:
        return None, None
    nyquist = sfreq / 2.0
    try:
        low, high = check_freq_range(l_freq, h_freq, sfreq)
        if h_freq is not None and high >= nyquist:
            raise ValueError(f"'fmax' ({high} Hz) must be below the Nyquist frequency.")
    except (TypeError, ValueError) as exc:
        reason = str(exc).rstrip(".")
        raise type(exc)(
            f"Invalid band l_freq={l_freq!r}, h_freq={h_freq!r} for {source}, sampled at "
            f"{sfreq:g} Hz: {reason} (fmin is l_freq; fmax is h_freq, or the Nyquist frequency "
            f"when h_freq is None). Give 0 <= l_freq < h_freq < {nyquist:g} Hz."
        ) from exc
    return (low or None), (None if h_freq is None else high)


def epochs_from_raw(
    raw: mne.io.BaseRaw,
    event_map: Mapping,
    tmin: float,
    tmax: float,
    *,
    l_freq: float | None = None,
    h_freq: float | None = None,
    filter_bank: Sequence[tuple[float, float]] | None = None,
    filter_method: str = "iir",
    picks=None,
    events=None,
    stim_channel: str | None = None,
    allow_overlap: bool = False,
    on_missing: str = "raise",
    subject=None,
    session=None,
    run=None,
    source: str = "the recording",
) -> EpochsData:
    """Cut a raw recording into labelled epochs.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        The recording (it is filtered in place when ``l_freq``/``h_freq`` are set).
    event_map : dict
        Event key -> class label. Keys are annotation descriptions (``"T1"``) or integer
        event codes (``2``) of the stim channel or of ``events``.
    tmin, tmax : float
        Epoch window relative to each event, in seconds (``tmax`` included, as in MNE).
    l_freq, h_freq : float | None
        Band-pass edges applied to the continuous recording before epoching, with
        ``0 <= l_freq < h_freq < sfreq / 2``; ``None`` (or ``l_freq=0``) leaves that edge
        open (a low-pass or high-pass only).
    filter_bank : list of (float, float) | None
        If given, one band-passed copy per band, stacked on a last axis:
        ``X`` has shape ``(n_epochs, n_channels, n_times, n_bands)``.
    filter_method : {"iir", "fir"}
        MNE filter design ("iir", a 4th-order zero-phase Butterworth, is MOABB's).
    picks : list of str | None
        Channels to keep, in this order; default all EEG channels.
    events : ndarray, shape (n_events, 3) | None
        Events to use instead of the file's annotations / stim channel.
    stim_channel : str | None
        Stim channel to read events from, instead of annotations.
    allow_overlap : bool
        Whether windows longer than the gap between two events are accepted.
    on_missing : {"raise", "warn", "ignore"}
        What to do when some of the requested events are absent.
    subject, session, run : object
        Values written into ``metadata``.
    source : str
        Name of the recording in error messages.

    Returns
    -------
    epochs : EpochsData
    """
    check_option("on_missing", on_missing, ["raise", "warn", "ignore"])
    check_option("filter_method", filter_method, ["iir", "fir"])
    if not tmin < tmax:
        raise ValueError(f"'tmin' ({tmin} s) must be lower than 'tmax' ({tmax} s).")
    if not event_map:
        raise ValueError("'event_map' is empty; give at least one event -> label pair.")
    sfreq = float(raw.info["sfreq"])
    if filter_bank is None:
        bands = [_check_band(l_freq, h_freq, sfreq, source)]
    else:
        bands = [_check_band(*_band_edges(band), sfreq, source) for band in filter_bank]
        if not bands:
            raise ValueError("'filter_bank' is empty; give at least one (l_freq, h_freq) band.")

    found, available = _raw_events(raw, events, stim_channel)
    keys = _match_events(event_map, available, on_missing, source)
    code_to_key = {code: key for key, code in keys.items()}
    selected = found[np.isin(found[:, 2], list(code_to_key))]

    onsets = (selected[:, 0] - raw.first_samp) / sfreq
    duration = raw.n_times / sfreq
    inside = (onsets + tmin >= 0) & (onsets + tmax <= duration - 1.0 / sfreq)
    if not inside.any():
        raise ValueError(
            f"The window tmin={tmin} s to tmax={tmax} s falls outside {source} "
            f"({duration:.1f} s long) for every event; choose a window within the recording."
        )
    if not inside.all():
        warnings.warn(
            f"{int((~inside).sum())} of {len(inside)} epochs of {source} were dropped: the "
            f"window tmin={tmin} s to tmax={tmax} s runs past the start or end of the "
            f"recording.",
            RuntimeWarning,
            stacklevel=2,
        )
    selected, onsets = selected[inside], onsets[inside]
    if len(onsets) > 1 and not allow_overlap:
        gap = float(np.min(np.diff(np.sort(onsets))))
        if tmax - tmin > gap:
            raise ValueError(
                f"Epochs overlap in {source}: the window is {tmax - tmin:g} s long but two "
                f"events are only {gap:.3g} s apart. Shorten tmin/tmax, or pass "
                f"allow_overlap=True if overlapping epochs are intended."
            )

    if picks is None:
        pick_idx = mne.pick_types(raw.info, eeg=True, exclude=[])
        if len(pick_idx) == 0:
            raise DataFileError(f"{source} has no EEG channel; pass 'picks' explicitly.")
        ch_names = [raw.ch_names[i] for i in pick_idx]
    else:
        ch_names = list(picks)
        unknown = [c for c in ch_names if c not in raw.ch_names]
        if unknown:
            raise ValueError(
                f"Unknown channels {unknown} for {source}; available channels are {raw.ch_names}."
            )

    data = []
    for low, high in bands:
        band_raw = raw if len(bands) == 1 else raw.copy()
        if low is not None or high is not None:
            band_raw.filter(low, high, method=filter_method, picks=ch_names, verbose="ERROR")
        epochs = mne.Epochs(
            band_raw,
            selected,
            event_id={str(k): c for k, c in keys.items()},
            tmin=tmin,
            tmax=tmax,
            baseline=None,
            picks=ch_names,
            proj=False,
            preload=True,
            reject_by_annotation=False,
            event_repeated="drop",
            on_missing="ignore",
            verbose="ERROR",
        )
        if len(epochs) != len(selected):
            warnings.warn(
                f"MNE dropped {len(selected) - len(epochs)} epochs of {source} "
                f"(drop log: {[d for d in epochs.drop_log if d]}).",
                RuntimeWarning,
                stacklevel=2,
            )
        data.append(epochs.get_data() * EEG_UNIT_FACTOR)
    X = data[0] if filter_bank is None else np.stack(data, axis=-1)

    kept = epochs.events
    labels = np.array([event_map[code_to_key[c]] for c in kept[:, 2]])
    metadata = pd.DataFrame(
        {
            "subject": subject,
            "session": session,
            "run": run,
            "event": [str(code_to_key[c]) for c in kept[:, 2]],
            "onset": (kept[:, 0] - raw.first_samp) / sfreq,
        }
    )
    return EpochsData(X, labels, sfreq, ch_names, metadata, float(epochs.tmin))


def read_epochs(
    paths,
    event_map: Mapping,
    tmin: float,
    tmax: float,
    *,
    l_freq: float | None = None,
    h_freq: float | None = None,
    filter_bank=None,
    filter_method: str = "iir",
    picks=None,
    events=None,
    allow_overlap: bool = False,
    on_missing: str = "raise",
    subject=None,
    session=None,
    runs=None,
    verbose="ERROR",
) -> EpochsData:
    """Read one or several recordings and return their labelled epochs.

    Each file is read (any MNE format), channel names are standardised, it is
    band-passed if asked, and epoched; the epochs of all files are concatenated.

    Parameters
    ----------
    paths : str | Path | list of (str | Path)
        Recording file(s).
    event_map : dict
        Event key (annotation name such as ``"T1"`` or integer code) -> class label.
    tmin, tmax : float
        Epoch window relative to each event, in seconds.
    l_freq, h_freq, filter_bank, filter_method, picks, allow_overlap, on_missing
        See :func:`epochs_from_raw`.
    events : ndarray | str | Path | list | None
        Events per file (arrays, or ``-eve.fif`` paths) instead of annotations.
    subject, session : object
        Written into ``metadata``.
    runs : list | None
        Run label of each file (default: the file stem).

    Returns
    -------
    epochs : EpochsData

    Examples
    --------
    >>> from neuropipe.datasets import bundled_path
    >>> runs = [bundled_path("eegmmidb") / "S001" / f"S001R{r:02d}.edf" for r in (4, 8, 12)]
    >>> ep = read_epochs(runs, {"T1": "left_hand", "T2": "right_hand"}, 0.5, 2.5,
    ...                  l_freq=8.0, h_freq=30.0)
    >>> ep.X.shape
    (45, 64, 321)
    """
    single = isinstance(paths, (str, os.PathLike))
    paths = [Path(paths)] if single else [Path(p) for p in paths]
    if not paths:
        raise ValueError("'paths' is empty; give at least one recording file.")
    if events is None or (single and not isinstance(events, (list, tuple))):
        events = [events] * len(paths)
    if len(events) != len(paths):
        raise ValueError(f"Got {len(events)} event arrays for {len(paths)} files.")
    runs = [p.name.split(".")[0] for p in paths] if runs is None else list(runs)
    parts = []
    for path, ev, run in zip(paths, events, runs):
        raw = read_raw(path, verbose=verbose)
        standardize_channel_names(raw)
        if isinstance(ev, (str, os.PathLike)):
            ev = mne.read_events(ev, verbose=verbose)
        parts.append(
            epochs_from_raw(
                raw,
                event_map,
                tmin,
                tmax,
                l_freq=l_freq,
                h_freq=h_freq,
                filter_bank=filter_bank,
                filter_method=filter_method,
                picks=picks,
                events=ev,
                allow_overlap=allow_overlap,
                on_missing=on_missing,
                subject=subject,
                session=session,
                run=run,
                source=repr(path.name),
            )
        )
    return EpochsData.concatenate(parts)


@dataclass
class ContinuousRun:
    """One continuous recording with the label in force at every sample.

    What a pseudo-online evaluation slides its window over
    (:mod:`neuropipe.evaluation.pseudo_online`) and what its idle epochs are cut from.

    Attributes
    ----------
    data : ndarray, shape (n_channels, n_times)
        The unfiltered recording in microvolts (MNE's volts x 1e6, as epochs hold).
    sfreq : float
        Sampling rate in Hz.
    ch_names : list of str
        Channel names, standardised.
    labels : ndarray of str, shape (n_times,)
        The label in force at each sample: a task class from a cue for as long as the
        cue lasts, ``idle_label`` everywhere else.
    events : pandas.DataFrame
        One row per cue kept: ``sample`` (index into ``data``), ``end`` (first sample
        after the cue's span), ``label`` and ``event`` (the original annotation or code).
    idle_label : str
        The label of everything that is not a task.
    subject, session, run : object
        Where the run comes from.
    """

    data: np.ndarray
    sfreq: float
    ch_names: list
    labels: np.ndarray
    events: pd.DataFrame
    idle_label: str = "idle"
    subject: object = None
    session: object = None
    run: object = None

    @property
    def n_times(self) -> int:
        return self.data.shape[1]

    def trials(self) -> pd.DataFrame:
        """Task cues as ``onset``, ``end`` (seconds) and ``label``, idle cues left out."""
        task = self.events[self.events["label"] != self.idle_label]
        return pd.DataFrame(
            {
                "onset": task["sample"].to_numpy() / self.sfreq,
                "end": task["end"].to_numpy() / self.sfreq,
                "label": task["label"].to_numpy(),
            }
        )


def _cue_table(raw, events, event_map) -> pd.DataFrame:
    """Cues of ``event_map`` with their sample (from the first sample of ``raw``) and
    duration in samples (0 when the source gives none: events arrays, stim channels)."""
    if events is None and len(raw.annotations):
        annotations = raw.annotations
        samples = raw.time_as_index(
            annotations.onset, use_rounding=True, origin=annotations.orig_time
        )
        keys = list(annotations.description)
        durations = np.round(np.asarray(annotations.duration) * raw.info["sfreq"]).astype(int)
    else:
        found, _ = _raw_events(raw, events, None)
        samples, keys = found[:, 0] - raw.first_samp, [int(c) for c in found[:, 2]]
        durations = np.zeros(len(found), dtype=int)
    lookup = {str(k): v for k, v in event_map.items()}
    rows = [
        (int(s), int(d), lookup[str(k)], str(k))
        for s, d, k in zip(samples, durations, keys)
        if str(k) in lookup and 0 <= s < raw.n_times
    ]
    if not rows:
        raise DataFileError(
            f"None of the events {list(event_map)} are in the recording; check the "
            f"'event_map' keys."
        )
    table = pd.DataFrame(rows, columns=["sample", "duration", "label", "event"])
    return table.sort_values("sample", kind="stable").reset_index(drop=True)


def labels_in_force(events: pd.DataFrame, n_times: int, idle_label: str) -> tuple:
    """The label in force at each sample, and where each cue's span ends.

    A cue is in force from its sample for its duration; a cue without a duration (0) until
    the next cue, the last one for the median spacing of the cues. Spans stop at the next
    cue and at the end of the run; samples outside every span are ``idle_label``.

    Parameters
    ----------
    events : pandas.DataFrame
        ``sample``, ``duration`` (samples) and ``label`` of each cue, in time order.
    n_times : int
        Samples in the run.
    idle_label : str

    Returns
    -------
    labels : ndarray of str, shape (n_times,)
    ends : ndarray of int, shape (n_cues,)
        First sample after each cue's span.

    Examples
    --------
    >>> import pandas as pd
    >>> cues = pd.DataFrame({"sample": [2, 5], "duration": [2, 0], "label": ["L", "R"]})
    >>> labels, ends = labels_in_force(cues, 10, "idle")
    >>> labels.tolist(), ends.tolist()
    (['idle', 'idle', 'L', 'L', 'idle', 'R', 'R', 'R', 'idle', 'idle'], [4, 8])
    """
    samples = events["sample"].to_numpy(dtype=int)
    durations = events["duration"].to_numpy(dtype=int)
    following = np.r_[samples[1:], n_times]
    spacing = int(np.median(np.diff(samples))) if len(samples) > 1 else n_times
    span = np.where(durations > 0, durations, following - samples)
    span[-1] = durations[-1] if durations[-1] > 0 else spacing
    ends = np.minimum(np.minimum(samples + span, following), n_times)
    width = max([len(str(idle_label))] + [len(str(label)) for label in events["label"]])
    labels = np.full(n_times, idle_label, dtype=f"<U{width}")
    for start, end, label in zip(samples, ends, events["label"]):
        labels[start:end] = label
    return labels, ends


def read_continuous(
    path,
    event_map: Mapping,
    *,
    idle_label: str = "idle",
    picks=None,
    events=None,
    subject=None,
    session=None,
    run=None,
    verbose="ERROR",
) -> ContinuousRun:
    """Read a recording as one continuous array with the label in force at every sample.

    Parameters
    ----------
    path : str | Path
        Recording file (any format :func:`read_raw` reads).
    event_map : dict
        Event key (annotation name such as ``"T1"`` or integer code) -> label; map the
        rest cues to ``idle_label`` (``{"T0": "idle"}``) so they count as idle.
    idle_label : str
        Label of every sample outside a task cue.
    picks : list of str | None
        Channels to keep, in this order; default all EEG channels.
    events : ndarray, shape (n_events, 3) | str | Path | None
        Events (or a ``-eve.fif`` file) instead of the file's annotations.
    subject, session, run : object
        Written into the result.
    verbose : str | bool
        MNE verbosity.

    Returns
    -------
    run : ContinuousRun
        Unfiltered data in microvolts.

    Examples
    --------
    >>> from neuropipe.datasets import bundled_path
    >>> r = read_continuous(bundled_path("eegmmidb") / "S001" / "S001R04.edf",
    ...                     {"T0": "idle", "T1": "left_hand", "T2": "right_hand"})
    >>> r.data.shape, r.labels[:2].tolist(), len(r.trials())
    ((64, 20000), ['idle', 'idle'], 15)
    """
    path = Path(path)
    raw = read_raw(path, verbose=verbose)
    standardize_channel_names(raw)
    if isinstance(events, (str, os.PathLike)):
        events = mne.read_events(events, verbose=verbose)
    cues = _cue_table(raw, events, event_map)
    labels, ends = labels_in_force(cues, raw.n_times, idle_label)
    if picks is None:
        picks = [raw.ch_names[i] for i in mne.pick_types(raw.info, eeg=True, exclude=[])]
        if not picks:
            raise DataFileError(f"{path.name!r} has no EEG channel; pass 'picks' explicitly.")
    unknown = [c for c in picks if c not in raw.ch_names]
    if unknown:
        raise ValueError(
            f"Unknown channels {unknown} for {path.name!r}; available channels are {raw.ch_names}."
        )
    table = cues.assign(end=ends)[["sample", "end", "label", "event"]]
    return ContinuousRun(
        raw.get_data(picks=list(picks)) * EEG_UNIT_FACTOR,
        float(raw.info["sfreq"]),
        list(picks),
        labels,
        table,
        idle_label,
        subject,
        session,
        run,
    )
