"""Calibrate a pipeline on one patient's recordings, then label the epochs of another.

The workflow of a clinical session: :func:`fit_recording` cuts labelled epochs from one
or more calibration recordings, fits a pipeline file's pipeline on them and returns a
:class:`ClinicalModel` (the fitted pipeline plus what it was calibrated on: channel names,
sampling rate, classes, epoching), which :meth:`ClinicalModel.save` writes with
:func:`neuropipe.persistence.save` (skops, never pickle). :func:`predict_recording` loads
such a model, refuses a recording whose channels or sampling rate differ from the
calibration's, epochs it the same way and returns one row per epoch with the predicted
label and the class probabilities.

A model also keeps the amplitude statistics of its calibration epochs (per-channel
log-variance, and a Riemannian potato from pyRiemann), so that garbage is never labelled
with confidence: a recording in another unit (volts for microvolts: 1e6 times larger) or
with a flat, dead or disconnected channel is refused with a :class:`~neuropipe.DataFileError`
naming the problem, and each epoch whose amplitude on some channel is far outside the
calibration's is flagged in the ``outlier`` and ``quality`` columns (or refused, with
``on_outlier="refuse"``).

The command line offers the same: ``neuropipe fit`` and ``neuropipe predict``
(:mod:`neuropipe.clinical_cli`).

Examples
--------
>>> import os, tempfile
>>> from neuropipe.datasets import bundled_path
>>> folder = bundled_path("eegmmidb") / "S001"
>>> pipeline_file = bundled_path().parent / "pipelines" / "psd_lda.py"
>>> model = fit_recording(pipeline_file, [folder / "S001R04.edf", folder / "S001R08.edf"],
...                       {"T1": "left", "T2": "right"}, tmin=0.5, tmax=2.5,
...                       l_freq=8.0, h_freq=30.0)
>>> model.n_epochs
{'left': 16, 'right': 14}
>>> path = model.save(os.path.join(tempfile.mkdtemp(), "model.skops"))
>>> labels = predict_recording(path, folder / "S001R12.edf")
>>> list(labels.columns)  # doctest: +NORMALIZE_WHITESPACE
['epoch', 'onset', 'event', 'expected', 'label', 'proba_left', 'proba_right', 'outlier',
 'quality', 'potato_z']
>>> print(prediction_summary(labels))  # doctest: +ELLIPSIS
Labelled 15 epochs (...); accuracy on the 15 epochs with a calibrated event: ...
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import mne
import numpy as np
import pandas as pd

from . import __version__
from ._input_checks import (
    amplitude_statistics,
    check_channel_amplitudes,
    check_flat_channels,
    check_same_sfreq,
    check_unit_scale,
    log_variance,
)
from ._validation import (
    DataFileError,
    check_ch_names,
    check_labels,
    check_option,
    check_sfreq,
)
from .benchmark.pipeline_files import load_pipeline_file
from .datasets import MOABB_PARADIGMS
from .io.eeg import epochs_from_raw, read_epochs, read_raw, standardize_channel_names
from .persistence import check_output_file, load, save
from .preprocessing import with_recording_info

__all__ = [
    "ClinicalModel",
    "calibration_statistics",
    "check_quality",
    "fit_recording",
    "load_model",
    "parse_event_map",
    "predict_recording",
    "prediction_summary",
]

#: Paradigms of pipelines that take EEG epochs (MOABB names); others cannot be calibrated.
EEG_PARADIGMS = MOABB_PARADIGMS
_FORMAT = "neuropipe.clinical"
#: Version 2 added the calibration statistics (``ClinicalModel.calibration``).
_FORMAT_VERSION = 2

#: An epoch is flagged as an outlier when a channel's amplitude in it differs from that
#: channel's calibration mean by more than this factor (on the log-variance scale, at
#: least 5 calibration standard deviations away as well).
EPOCH_LIMIT = 10.0
EPOCH_Z_LIMIT = 5.0


@dataclass
class ClinicalModel:
    """A pipeline calibrated on one patient, with what it was calibrated on.

    Attributes
    ----------
    pipeline : sklearn estimator
        The fitted pipeline.
    ch_names : list of str
        Channels of the calibration epochs, in order (standardised names).
    sfreq : float
        Sampling rate of the calibration recordings in Hz.
    event_map : dict
        Event key (annotation such as ``"T1"``, or event code) -> class label.
    epoching : dict
        ``tmin``, ``tmax``, ``l_freq``, ``h_freq``, ``filter_bank``: how epochs are cut
        and filtered, before fit and before predict alike.
    pipeline_name : str
        Name of the pipeline in its file.
    pipeline_file : str
        Pipeline file it came from.
    n_epochs : dict
        Class label -> number of calibration epochs.
    calibration_files : list of str
        Names of the calibration recordings.
    neuropipe_version : str
        Version that fitted the model.
    calibration : dict
        Amplitude statistics of the calibration epochs that :func:`predict_recording`
        checks recordings against (see :func:`calibration_statistics`).
    """

    pipeline: object
    ch_names: list
    sfreq: float
    event_map: dict
    epoching: dict
    pipeline_name: str = ""
    pipeline_file: str = ""
    n_epochs: dict = field(default_factory=dict)
    calibration_files: list = field(default_factory=list)
    neuropipe_version: str = __version__
    calibration: dict = field(default_factory=dict)

    @property
    def classes(self) -> list:
        """Class labels in the order of the probability columns."""
        return list(self.pipeline.classes_)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}: {v}" for k, v in self.n_epochs.items())
        return (
            f"<ClinicalModel {self.pipeline_name!r} | {len(self.ch_names)} channels at "
            f"{self.sfreq:g} Hz, epochs {self.epoching['tmin']:g}-{self.epoching['tmax']:g} s, "
            f"calibrated on {counts}>"
        )

    def to_dict(self) -> dict:
        """The model as the plain dict written to disk (only trusted types inside)."""
        return {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "pipeline": self.pipeline,
            "metadata": {
                "ch_names": [str(c) for c in self.ch_names],
                "sfreq": float(self.sfreq),
                "event_keys": [str(k) for k in self.event_map],
                "event_labels": [_plain(v) for v in self.event_map.values()],
                "epoching": {k: _plain(v) for k, v in self.epoching.items()},
                "pipeline_name": str(self.pipeline_name),
                "pipeline_file": str(self.pipeline_file),
                "n_epochs_labels": [_plain(k) for k in self.n_epochs],
                "n_epochs_counts": [int(v) for v in self.n_epochs.values()],
                "calibration_files": [str(f) for f in self.calibration_files],
                "neuropipe_version": str(self.neuropipe_version),
                "calibration": dict(self.calibration),
            },
        }

    @classmethod
    def from_dict(cls, content, source: str = "the model") -> ClinicalModel:
        """Rebuild a model from :meth:`to_dict` output, checking its layout."""
        if not isinstance(content, dict) or content.get("format") != _FORMAT:
            raise DataFileError(
                f"{source} is not a calibrated model from neuropipe fit (no "
                f"{_FORMAT!r} format marker); a pipeline saved with neuropipe.save has no "
                f"channel names or epoching to check a recording against. Calibrate with "
                f"neuropipe fit / fit_recording."
            )
        if content.get("format_version") != _FORMAT_VERSION:
            why = (
                " (version 1 models hold no calibration statistics, so recordings in the "
                "wrong unit or with dead channels could not be detected)"
                if content.get("format_version") == 1
                else ""
            )
            raise DataFileError(
                f"{source} has model format version {content.get('format_version')!r}; this "
                f"neuropipe reads version {_FORMAT_VERSION}{why}. Calibrate the model again "
                f"with neuropipe fit."
            )
        try:
            meta = content["metadata"]
            return cls(
                pipeline=content["pipeline"],
                ch_names=list(meta["ch_names"]),
                sfreq=float(meta["sfreq"]),
                event_map=dict(zip(meta["event_keys"], meta["event_labels"])),
                epoching=dict(meta["epoching"]),
                pipeline_name=meta["pipeline_name"],
                pipeline_file=meta["pipeline_file"],
                n_epochs=dict(zip(meta["n_epochs_labels"], meta["n_epochs_counts"])),
                calibration_files=list(meta["calibration_files"]),
                neuropipe_version=meta["neuropipe_version"],
                calibration=dict(meta["calibration"]),
            )
        except (KeyError, TypeError) as exc:
            raise DataFileError(
                f"{source} is an incomplete neuropipe model (missing {exc}); calibrate again."
            ) from exc

    def save(self, path) -> Path:
        """Write the model with :func:`neuropipe.persistence.save` and return the path."""
        return save(self.to_dict(), path)


def _plain(value):
    """numpy scalars and tuples -> Python scalars and lists, which skops trusts."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def load_model(path, trusted=None) -> ClinicalModel:
    """Load a :class:`ClinicalModel` written by :meth:`ClinicalModel.save`.

    Parameters
    ----------
    path : str | Path
        The ``.skops`` model file.
    trusted : list of (str | type) | None
        Extra types to trust, see :func:`neuropipe.persistence.load`.

    Returns
    -------
    model : ClinicalModel
    """
    return ClinicalModel.from_dict(load(path, trusted=trusted), source=repr(str(path)))


def parse_event_map(text: str) -> dict:
    """Parse ``"T1=left,T2=right"`` into ``{"T1": "left", "T2": "right"}``.

    Examples
    --------
    >>> parse_event_map("T1=left, T2=right")
    {'T1': 'left', 'T2': 'right'}
    """
    if not isinstance(text, str):
        raise TypeError(f"The event map must be a string like 'T1=left,T2=right', got {text!r}.")
    event_map = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, label = (s.strip() for s in item.partition("="))
        if not sep or not key or not label:
            raise ValueError(
                f"Invalid event mapping {item!r} in {text!r}; write EVENT=LABEL pairs "
                f"separated by commas, e.g. 'T1=left,T2=right'."
            )
        if key in event_map:
            raise ValueError(f"Event {key!r} is mapped twice in {text!r}.")
        event_map[key] = label
    if not event_map:
        raise ValueError("The event map is empty; give EVENT=LABEL pairs, e.g. 'T1=left,T2=right'.")
    return event_map


def _pick_pipeline(pipeline_file, name):
    configs = load_pipeline_file(pipeline_file)
    if name is not None:
        configs = [c for c in configs if c["name"] == name]
        if not configs:
            names = [c["name"] for c in load_pipeline_file(pipeline_file)]
            raise ValueError(
                f"No pipeline named {name!r} in {str(pipeline_file)!r}; it defines {names}."
            )
    if len(configs) > 1:
        raise ValueError(
            f"{str(pipeline_file)!r} defines {len(configs)} pipelines "
            f"{[c['name'] for c in configs]}; choose one with name=... (CLI: --name)."
        )
    config = configs[0]
    paradigms = list(config["paradigms"])
    if not set(paradigms) & set(EEG_PARADIGMS):
        raise ValueError(
            f"Pipeline {config['name']!r} is for paradigms {paradigms}, not EEG epochs; "
            f"calibrate an EEG pipeline (paradigms {list(EEG_PARADIGMS)})."
        )
    _check_classifier(config["pipeline"], f"Pipeline {config['name']!r}")
    return config


def _check_classifier(pipeline, what):
    """Refuse a pipeline that cannot label epochs (no ``predict``: it ends in a transformer)."""
    if not hasattr(pipeline, "predict"):
        last = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
        raise ValueError(
            f"{what} ends with {type(last).__name__}, which has no predict(): it transforms "
            f"epochs but cannot label them. End the pipeline with a classifier (e.g. "
            f"LinearDiscriminantAnalysis) to calibrate it."
        )


def _check_pipeline_sfreq(pipeline, sfreq, source):
    """Refuse a pipeline whose steps were written for another sampling rate."""
    for key, value in pipeline.get_params(deep=True).items():
        if (key == "sfreq" or key.endswith("__sfreq")) and isinstance(value, (int, float)):
            if not np.isclose(float(value), sfreq):
                raise ValueError(
                    f"The pipeline's parameter {key!r} is {value} Hz but {source} is sampled "
                    f"at {sfreq:g} Hz; its frequencies would be wrong. Resample the "
                    f"recordings to {value} Hz or edit sfreq in the pipeline file."
                )


def _potato_log_distances(X, covmean):
    """Log Riemannian distance of each epoch's (OAS) covariance to ``covmean``."""
    from pyriemann.estimation import Covariances

    try:
        from pyriemann.geometry.distance import distance_riemann
    except ImportError:  # pyRiemann < 0.12
        from pyriemann.utils.distance import distance_riemann

    covs = Covariances("oas").fit_transform(X)
    return np.log(np.maximum(np.ravel(distance_riemann(covs, covmean)), 1e-300)), covs


def _potato_reference(X):
    """A Riemannian potato (Barachant et al. 2013) of the calibration epochs, one pass.

    Reference: the log-Euclidean mean of the OAS covariances (closed form; pyRiemann's
    ``Potato`` iterates the Riemannian mean: seconds for 30 epochs of 64 channels);
    z-scores of the log Riemannian distances to it, with mean and standard deviation
    taken over the epochs within 3 of them, as the first pass of pyRiemann's ``Potato``.
    """
    from pyriemann.estimation import Covariances

    try:
        from pyriemann.geometry.mean import mean_logeuclid
    except ImportError:  # pyRiemann < 0.12
        from pyriemann.utils.mean import mean_logeuclid

    covmean = mean_logeuclid(Covariances("oas").fit_transform(X))
    distances, _ = _potato_log_distances(X, covmean)
    spread = max(float(distances.std()), 1e-6)
    keep = (distances - distances.mean()) / spread < 3.0
    return {
        "potato_covmean": np.asarray(covmean),
        "potato_mean": float(distances[keep].mean()),
        "potato_std": float(max(distances[keep].std(), 1e-6)),
    }


def calibration_statistics(X, ch_names, source="the calibration data") -> dict:
    """Amplitude statistics of calibration epochs, which new recordings are checked against.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times) or (n_epochs, n_channels, n_times, n_bands)
        Calibration epochs, as the pipeline receives them (microvolts, filtered).
    ch_names : list of str
        Channel names, for error messages.
    source : str
        Name of the data in error messages.

    Returns
    -------
    statistics : dict
        ``logvar_mean`` and ``logvar_std``: per channel, mean and standard deviation over
        epochs of the log-variance; for 3-D epochs (3 or more), a Riemannian potato of
        the OAS covariances (pyRiemann): its reference ``potato_covmean`` and the mean
        and standard deviation (``potato_mean``, ``potato_std``) of the log-distances
        of the epochs it keeps.

    Raises
    ------
    DataFileError
        If a channel is flat (zero variance) in a calibration epoch.
    """
    logvar = log_variance(X)
    flat = ~np.isfinite(logvar)
    if flat.any():
        names = [ch_names[i] for i in np.flatnonzero(flat.any(axis=0))]
        raise DataFileError(
            f"Channel(s) {names} are flat (zero variance) in {int(flat.any(axis=1).sum())} of "
            f"{len(X)} epochs of {source}: dead or disconnected electrodes. A model "
            f"calibrated on them would label garbage; fix the recording or interpolate the "
            f"channels (raw.interpolate_bads) before calibrating."
        )
    statistics = amplitude_statistics(logvar)
    if X.ndim == 3 and len(X) >= 3:
        statistics.update(_potato_reference(X))
    return statistics


def check_quality(model, X, source="the recording") -> pd.DataFrame:
    """Check epochs against the model's calibration statistics.

    Parameters
    ----------
    model : ClinicalModel
        A calibrated model (its ``calibration`` statistics and ``ch_names``).
    X : ndarray, shape (n_epochs, n_channels, n_times) or (n_epochs, n_channels, n_times, n_bands)
        Epochs of a new recording, cut and filtered as at calibration.
    source : str
        Name of the recording in messages.

    Returns
    -------
    quality : pandas.DataFrame
        One row per epoch: ``outlier`` (bool: a channel's amplitude differs from its
        calibration mean by more than :data:`EPOCH_LIMIT` times and
        :data:`EPOCH_Z_LIMIT` standard deviations), ``quality`` (``"ok"`` or the reason)
        and ``potato_z`` (Riemannian potato z-score against the calibration
        epochs, for information; NaN for filter-bank epochs; it also grows with the
        slow drift between sessions, so it does not flag by itself).

    Raises
    ------
    DataFileError
        If the recording as a whole is outside the calibration: a channel flat in half of
        the epochs or more, a median amplitude more than
        :data:`~neuropipe._input_checks.SCALE_LIMIT` times the calibration's either way
        (another unit), or a channel whose amplitude relative to the others differs by more
        than :data:`~neuropipe._input_checks.CHANNEL_LIMIT` times (dead or disconnected).
    """
    stats = model.calibration
    mean, std = np.asarray(stats["logvar_mean"]), np.asarray(stats["logvar_std"])
    names = list(model.ch_names)
    logvar = log_variance(X)
    check_flat_channels(logvar, names, source)
    scale = check_unit_scale(
        logvar,
        mean,
        source,
        reference="those of the calibration recordings",
        fix="convert it to the calibration's unit, or calibrate a model on recordings like it.",
    )
    check_channel_amplitudes(logvar, mean, scale, names, source)
    deviation = logvar - mean
    with np.errstate(invalid="ignore"):
        z = deviation / std
    bad = (np.abs(deviation) > 2 * np.log(EPOCH_LIMIT)) & (np.abs(z) > EPOCH_Z_LIMIT)
    reasons = []
    for row, flags in zip(deviation, bad):
        if not flags.any():
            reasons.append("ok")
            continue
        worst = int(np.argmax(np.where(flags, np.abs(row), -1.0)))
        others = int(flags.sum()) - 1
        reasons.append(
            f"amplitude x{np.exp(row[worst] / 2):.3g} of calibration on {names[worst]}"
            + (f" and {others} other channel(s)" if others else "")
        )
    potato_z = np.full(len(X), np.nan)
    if X.ndim == 3 and "potato_covmean" in stats:
        distances, _ = _potato_log_distances(X, np.asarray(stats["potato_covmean"]))
        potato_z = (distances - stats["potato_mean"]) / stats["potato_std"]
    return pd.DataFrame({"outlier": bad.any(axis=1), "quality": reasons, "potato_z": potato_z})


def fit_recording(
    pipeline_file,
    data_paths,
    events,
    tmin,
    tmax,
    *,
    l_freq=None,
    h_freq=None,
    filter_bank=None,
    name=None,
    output=None,
) -> ClinicalModel:
    """Calibrate a pipeline file's pipeline on labelled epochs of one or more recordings.

    Parameters
    ----------
    pipeline_file : str | Path
        A MOABB-format pipeline file (``PIPELINE = {...}``) for EEG epochs.
    data_paths : str | Path | list of (str | Path)
        Calibration recordings (EDF, BDF, GDF, FIF...), same channels and rate.
    events : dict | str
        Event key -> class label, e.g. ``{"T1": "left", "T2": "right"}`` or
        ``"T1=left,T2=right"``. Keys are annotation names or integer event codes.
    tmin, tmax : float
        Epoch window relative to each event, in seconds.
    l_freq, h_freq : float | None
        Band-pass of the continuous recordings before epoching (None: no filter).
    filter_bank : list of (float, float) | None
        Bands of a filter bank (for ``FilterBank*`` pipelines): epochs become
        ``(n_epochs, n_channels, n_times, n_bands)``.
    name : str | None
        Pipeline to use when the file defines several.
    output : str | Path | None
        If given, the model is also saved there.

    Returns
    -------
    model : ClinicalModel
        The fitted pipeline and its calibration metadata.

    Raises
    ------
    FileNotFoundError
        If a file does not exist.
    ValueError
        If the events, window, pipeline or recordings do not fit together (a
        :class:`~neuropipe.DataFileError` for unreadable recordings or a flat channel),
        the pipeline has no classifier, or ``output`` is a folder; all before fitting.
    """
    if output is not None:
        check_output_file(output)  # before any work: a folder or missing parent fails now
    event_map = parse_event_map(events) if isinstance(events, str) else events
    if not isinstance(event_map, Mapping) or not event_map:
        raise TypeError(
            f"'events' must be a non-empty dict {{event: label}} or a string like "
            f"'T1=left,T2=right', got {events!r}."
        )
    config = _pick_pipeline(pipeline_file, name)
    single = isinstance(data_paths, (str, os.PathLike))
    paths = [Path(data_paths)] if single else [Path(p) for p in data_paths]
    epochs = read_epochs(
        paths,
        dict(event_map),
        tmin,
        tmax,
        l_freq=l_freq,
        h_freq=h_freq,
        filter_bank=filter_bank,
    )
    source = "the calibration data" if len(paths) > 1 else repr(paths[0].name)
    _check_pipeline_sfreq(config["pipeline"], epochs.sfreq, source)
    check_labels(epochs.y, len(epochs), min_per_class=2)
    calibration = calibration_statistics(epochs.X, epochs.ch_names, source)
    pipeline = with_recording_info(config["pipeline"], epochs).fit(epochs.X, epochs.y)
    labels, counts = np.unique(epochs.y, return_counts=True)
    model = ClinicalModel(
        pipeline=pipeline,
        ch_names=list(epochs.ch_names),
        sfreq=float(epochs.sfreq),
        event_map={str(k): v for k, v in event_map.items()},
        epoching={
            "tmin": float(tmin),
            "tmax": float(tmax),
            "l_freq": None if l_freq is None else float(l_freq),
            "h_freq": None if h_freq is None else float(h_freq),
            "filter_bank": None if filter_bank is None else [list(b) for b in filter_bank],
        },
        pipeline_name=config["name"],
        pipeline_file=str(pipeline_file),
        n_epochs={_plain(k): int(n) for k, n in zip(labels, counts)},
        calibration_files=[p.name for p in paths],
        calibration=calibration,
    )
    if output is not None:
        model.save(output)
    return model


def _check_recording(model, raw, source):
    sfreq = check_sfreq(raw.info["sfreq"])
    check_same_sfreq(
        sfreq,
        model.sfreq,
        source,
        fitted="the model was calibrated",
        fix=f"resample the recording (raw.resample({model.sfreq:g})) or calibrate a model "
        f"at {sfreq:g} Hz.",
    )
    eeg = [raw.ch_names[i] for i in mne.pick_types(raw.info, eeg=True, exclude=[])]
    check_ch_names(model.ch_names, eeg, context=f"of {source}")


def predict_recording(
    model_path, data_path, *, events=None, trusted=None, on_outlier="flag"
) -> pd.DataFrame:
    """Label the epochs of a new recording with a calibrated model.

    Parameters
    ----------
    model_path : str | Path | ClinicalModel
        A model file written by :func:`fit_recording` / ``neuropipe fit``, or the model.
    data_path : str | Path
        The recording to label; it must have the calibration's EEG channels (same
        names, same order) and sampling rate.
    events : list of str | None
        Event keys to cut epochs at; default the calibration's (``event_map`` keys).
        Events not in the calibration map are labelled too (their ``expected`` is empty).
    trusted : list of (str | type) | None
        Extra types to trust when loading the model, see :func:`neuropipe.persistence.load`.
    on_outlier : {"flag", "refuse"}
        What to do with epochs whose amplitude is far outside the calibration's (see
        :func:`check_quality`): label them with ``outlier=True`` and the reason in
        ``quality``, or refuse the recording.

    Returns
    -------
    labels : pandas.DataFrame
        One row per epoch: ``epoch`` (index), ``onset`` (s from the start of the
        recording), ``event`` (its key), ``expected`` (the calibration label of that
        key, if any), ``label`` (predicted), ``proba_<class>`` for every class
        when the pipeline has ``predict_proba``, then ``outlier``, ``quality`` and
        ``potato_z`` (see :func:`check_quality`).

    Raises
    ------
    ValueError
        If the recording's channels or sampling rate differ from the model's, or it
        cannot be read, or it is outside the calibration (another unit, a flat or
        disconnected channel; with ``on_outlier="refuse"``, any outlier epoch): a
        :class:`~neuropipe.DataFileError` naming the problem.

    Warns
    -----
    RecordingWarning
        If the recording is truncated or MNE warned while reading it.
    """
    check_option("on_outlier", on_outlier, ["flag", "refuse"])
    if isinstance(model_path, ClinicalModel):
        model = model_path
    else:
        model = load_model(model_path, trusted=trusted)
    data_path = Path(data_path)
    source = repr(data_path.name)
    raw = read_raw(data_path)
    standardize_channel_names(raw)
    _check_recording(model, raw, source)
    keys = list(model.event_map) if events is None else [str(e) for e in events]
    if not keys:
        raise ValueError("'events' is empty; give the event keys to cut epochs at.")
    ep = model.epoching
    epochs = epochs_from_raw(
        raw,
        {key: key for key in keys},
        ep["tmin"],
        ep["tmax"],
        l_freq=ep["l_freq"],
        h_freq=ep["h_freq"],
        filter_bank=ep["filter_bank"],
        picks=list(model.ch_names),
        on_missing="warn",
        source=source,
    )
    pipeline = model.pipeline
    _check_classifier(pipeline, "The model's pipeline")
    quality = check_quality(model, epochs.X, source)
    if on_outlier == "refuse" and quality["outlier"].any():
        flagged = quality.index[quality["outlier"]]
        listed = "; ".join(f"epoch {i}: {quality.at[i, 'quality']}" for i in flagged[:5])
        raise DataFileError(
            f"{source}: {len(flagged)} of {len(quality)} epochs are outside the calibration "
            f"({listed}{'; ...' if len(flagged) > 5 else ''}). Check the recording, or pass "
            f"on_outlier='flag' (CLI: --on-outlier flag) to label them with a flag."
        )
    table = pd.DataFrame(
        {
            "epoch": np.arange(len(epochs)),
            "onset": epochs.metadata["onset"].to_numpy(),
            "event": epochs.metadata["event"].astype(str).to_numpy(),
        }
    )
    table["expected"] = [model.event_map.get(e) for e in table["event"]]
    table["label"] = pipeline.predict(epochs.X)
    if hasattr(pipeline, "predict_proba"):
        proba = pipeline.predict_proba(epochs.X)
        for j, label in enumerate(pipeline.classes_):
            table[f"proba_{label}"] = proba[:, j]
    return pd.concat([table, quality], axis=1)


def prediction_summary(table, source=None) -> str:
    """One line about a :func:`predict_recording` table: labels, outliers, accuracy.

    Accuracy is the fraction of epochs whose predicted ``label`` equals the ``expected``
    label of their event, over the epochs of calibrated events; also given without the
    flagged outliers when there are some.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`predict_recording`.
    source : str | None
        Recording name to print.

    Returns
    -------
    summary : str
    """
    counts = ", ".join(f"{k}: {v}" for k, v in table["label"].value_counts().items())
    where = f" of {source}" if source else ""
    parts = [f"Labelled {len(table)} epochs{where} ({counts})"]
    outlier = table["outlier"].to_numpy(bool) if "outlier" in table else np.zeros(len(table), bool)
    if outlier.any():
        parts.append(f"{int(outlier.sum())} flagged as outliers (column 'quality')")
    known = table["expected"].notna().to_numpy()
    if known.any():
        correct = (table["label"] == table["expected"]).to_numpy() & known
        text = (
            f"accuracy on the {int(known.sum())} epochs with a calibrated event: "
            f"{correct.sum() / known.sum():.3f} ({int(correct.sum())}/{int(known.sum())})"
        )
        kept = known & ~outlier
        if outlier.any() and kept.any():
            text += f", {correct[kept].sum() / kept.sum():.3f} without the outliers"
        parts.append(text)
    else:
        parts.append("no epoch has a calibrated event, so no accuracy")
    return "; ".join(parts)
