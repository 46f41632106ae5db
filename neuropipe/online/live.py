"""Live decoding of a Lab Streaming Layer stream with a model from ``neuropipe fit``.

:func:`run_online` connects to an LSL stream with mne-lsl's
:class:`~mne_lsl.stream.StreamLSL`, checks the stream's channels and sampling rate against
the model's (the checks of ``neuropipe predict``), picks the model's channels in the
model's order, converts the samples to microvolts (neuropipe's EEG unit), and pushes every
new chunk into a :class:`~neuropipe.online.SlidingWindowDecoder` built from the model's
epoching (window = the calibration epochs' length, causal band-pass = the calibration's
``l_freq`` / ``h_freq``). Each decision is handed to :class:`DecisionWriter`, which prints
it, appends it to a CSV file and pushes its label on an LSL string-marker outlet.

With ``replay=FILE``, a :class:`~mne_lsl.player.PlayerLSL` first replays the recording as a
live stream (real time, once) and the loop decodes it as it would a device; the
decisions then also carry ``file_sample``, the index in the file of each window's last
sample, found by locating the first received chunk in the file (the first samples a
client receives depend on when it connected), so that they can be compared with
:func:`~neuropipe.online.decide_run` on the same samples.

A stream that cannot be found within ``connect_timeout`` seconds, that delivers no new
sample for ``stall_timeout`` seconds, or that outruns the decoder (samples overwritten
in the buffer) ends the session with a :class:`StreamError` naming the problem.

mne-lsl is imported inside the functions that use it, so that ``import neuropipe.online``
works without it.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
import uuid
from pathlib import Path

import mne
import numpy as np
import pandas as pd

from .._validation import EPOCHS_SCALE
from ..clinical import ClinicalModel, _check_classifier, _check_recording, load_model
from ..io.eeg import read_raw, standardize_channel_names
from ..persistence import check_output_file
from .decoder import SlidingWindowDecoder

__all__ = [
    "DecisionWriter",
    "StreamError",
    "connect_stream",
    "model_decoder",
    "run_online",
    "stream_channels",
]


class StreamError(ConnectionError):
    """An LSL stream was not found, stalled, or delivered samples faster than decoded."""


#: liblsl's configuration when the user has none ($LSLAPICFG): its log limited to fatal
#: errors, so that a replay's end does not print "Stream transmission broke off" on
#: stderr (neuropipe reports a lost stream itself).
_LSL_CONFIG = "[log]\nlevel = -3\n"


def _lsl():
    if "LSLAPICFG" not in os.environ:  # read by liblsl at its first use
        path = Path(tempfile.gettempdir()) / "neuropipe_lsl_api.cfg"
        if not path.exists() or path.read_text() != _LSL_CONFIG:
            path.write_text(_LSL_CONFIG)
        os.environ["LSLAPICFG"] = str(path)
    try:
        import mne_lsl  # noqa: F401
    except ImportError as exc:  # pragma: no cover - mne-lsl is a dependency
        raise ImportError(
            "Live decoding needs mne-lsl (the MNE project's Lab Streaming Layer client); "
            "install it with 'pip install mne-lsl'."
        ) from exc
    from mne_lsl import lsl, player, stream

    return lsl, player, stream


def model_decoder(model, step, *, filter_order=4, filter_init="steady") -> SlidingWindowDecoder:
    """The sliding-window decoder of a calibrated model.

    The window holds as many samples as the calibration epochs
    (``round((tmax - tmin) * sfreq) + 1``: MNE includes ``tmax``); the causal band-pass is
    the calibration's ``l_freq`` / ``h_freq``, started by default from the steady state of
    the first sample, so that an amplifier's DC offset causes no step transient.

    Parameters
    ----------
    model : ClinicalModel
        A model from :func:`~neuropipe.clinical.fit_recording` / ``neuropipe fit``.
    step : float
        Time between two decisions in seconds.
    filter_order : int
        Order of the causal Butterworth band-pass.
    filter_init : {"steady", "zeros"}
        Initial state of the filter (see :func:`~neuropipe.online.causal_filter`).

    Returns
    -------
    decoder : SlidingWindowDecoder

    Examples
    --------
    >>> from neuropipe.clinical import ClinicalModel
    >>> from sklearn.dummy import DummyClassifier
    >>> model = ClinicalModel(DummyClassifier().fit([[0], [1]], ["a", "b"]), ["C3", "C4"],
    ...                       160.0, {"T1": "a", "T2": "b"},
    ...                       {"tmin": 0.5, "tmax": 2.5, "l_freq": 8.0, "h_freq": 30.0,
    ...                        "filter_bank": None})
    >>> decoder = model_decoder(model, step=0.0625)
    >>> decoder.n_window, decoder.n_step
    (321, 10)
    """
    if not isinstance(model, ClinicalModel):
        raise TypeError(
            f"model must be a ClinicalModel from neuropipe fit / fit_recording, got "
            f"{type(model).__name__}; for a bare pipeline use SlidingWindowDecoder."
        )
    ep = model.epoching
    if ep.get("filter_bank"):
        raise ValueError(
            f"The model was calibrated on a filter bank {ep['filter_bank']}; online "
            f"decoding filters one band. Calibrate a model with --l-freq / --h-freq."
        )
    _check_classifier(model.pipeline, "The model's pipeline")
    n_window = round((ep["tmax"] - ep["tmin"]) * model.sfreq) + 1
    return SlidingWindowDecoder(
        model.pipeline,
        model.sfreq,
        window=n_window / model.sfreq,
        step=step,
        l_freq=ep["l_freq"],
        h_freq=ep["h_freq"],
        filter_order=filter_order,
        filter_init=filter_init,
        classes=model.classes if hasattr(model.pipeline, "predict_proba") else None,
    )


def connect_stream(name, *, source_id=None, timeout=10.0, bufsize=30.0):
    """Connect to the LSL stream ``name``, acquisition left to the caller.

    Parameters
    ----------
    name : str
        Name of the LSL stream.
    source_id : str | None
        Its source id, when several streams share the name.
    timeout : float
        Seconds to wait for the stream.
    bufsize : float
        Seconds of samples the stream's buffer holds between two reads.

    Returns
    -------
    stream : mne_lsl.stream.StreamLSL
        Connected, with ``acquisition_delay=None``: call ``stream.acquire()`` to pull.

    Raises
    ------
    StreamError
        If no stream (or several) match within ``timeout``.
    """
    lsl, _, stream_module = _lsl()
    found = lsl.resolve_streams(timeout=timeout, name=name, source_id=source_id)
    if not found:
        others = sorted({s.name for s in lsl.resolve_streams(timeout=0.5)})
        raise StreamError(
            f"No LSL stream named {name!r}"
            + (f" with source id {source_id!r}" if source_id else "")
            + f" found within {timeout:g} s (streams seen: {others or 'none'}); start the "
            f"acquisition (or replay a file with --replay FILE) and check the name."
        )
    if len(found) > 1:
        raise StreamError(
            f"{len(found)} LSL streams are named {name!r} (source ids "
            f"{sorted(s.source_id for s in found)}); choose one with --source-id."
        )
    stream = stream_module.StreamLSL(bufsize, name=name, source_id=found[0].source_id)
    try:
        stream.connect(acquisition_delay=None, timeout=timeout)
    except RuntimeError as exc:
        raise StreamError(f"Could not connect to the LSL stream {name!r}: {exc}") from exc
    return stream


def stream_channels(model, info, source="the stream"):
    """Indices of the model's channels in a stream and their factors to microvolts.

    The stream's channel names are standardised as the EEG loaders do (``'C3..'`` ->
    ``'C3'``); its sampling rate and channels are checked as ``neuropipe predict`` checks
    a recording: missing channels or another rate are refused. Extra channels are left
    out; the model's channels are taken in the model's order.

    Parameters
    ----------
    model : ClinicalModel
        The calibrated model.
    info : mne.Info
        The stream's measurement info (``StreamLSL.info``), channel units included.
    source : str
        Name of the stream in messages.

    Returns
    -------
    picks : ndarray of int, shape (n_model_channels,)
        Stream channel of each model channel.
    scale : ndarray, shape (n_model_channels, 1)
        Factor from the stream's unit to microvolts, per picked channel (1e6 for volts,
        1 for a channel declared in microvolts).

    Raises
    ------
    ValueError
        If the sampling rate differs or a model channel is missing.
    """
    proxy = mne.io.RawArray(
        np.zeros((len(info["ch_names"]), 1)),
        mne.create_info(list(info["ch_names"]), info["sfreq"], "eeg"),
        verbose="ERROR",
    )
    standardize_channel_names(proxy)
    names = list(proxy.ch_names)
    present = [c for c in model.ch_names if c in names]
    if present:  # else every stream channel stays, for the error to name them
        proxy.reorder_channels(present)
    _check_recording(model, proxy, source)
    picks = np.array([names.index(c) for c in model.ch_names])
    unit_mul = np.array([info["chs"][i]["unit_mul"] for i in picks], dtype=float)
    return picks, (EPOCHS_SCALE * 10.0**unit_mul)[:, np.newaxis]


def _locate(first_chunk, data):
    """Index in ``data`` (n_channels, n_times) where ``first_chunk`` starts, or None."""
    n = first_chunk.shape[1]
    candidates = np.flatnonzero(np.all(data == first_chunk[:, :1], axis=0))
    found = [int(i) for i in candidates if np.array_equal(data[:, i : i + n], first_chunk)]
    return found[0] if len(found) == 1 else None


class DecisionWriter:
    """Emit decisions: print them, append them to a CSV file, push them on an LSL outlet.

    Parameters
    ----------
    output : str | Path | None
        CSV file written row by row (header first, flushed after every chunk).
    outlet : str | None
        Name of an LSL outlet (type ``Markers``, one ``string`` channel ``label``,
        irregular rate) on which each decision's label is pushed, stamped with the LSL
        time at which it was decided.
    echo : callable | None
        Called with one line of text per decision (``print`` in the CLI).
    """

    def __init__(self, output=None, outlet=None, echo=None):
        self.output = None if output is None else check_output_file(output)
        self.echo = echo
        self._file = self._writer = None
        self._outlet = None
        if outlet is not None:
            lsl, _, _ = _lsl()
            sinfo = lsl.StreamInfo(
                outlet, "Markers", 1, 0.0, "string", f"neuropipe-{uuid.uuid4().hex[:12]}"
            )
            sinfo.set_channel_names(["label"])
            self._outlet = lsl.StreamOutlet(sinfo)

    def write(self, decisions: pd.DataFrame) -> None:
        """Emit the rows of one chunk's decisions."""
        if decisions.empty:
            return
        if self.output is not None:
            if self._file is None:
                self._file = open(self.output, "w", newline="")  # noqa: SIM115
                self._writer = csv.writer(self._file)
                self._writer.writerow(decisions.columns)
            self._writer.writerows(decisions.itertuples(index=False))
            self._file.flush()
        for row in decisions.itertuples(index=False):
            if self._outlet is not None:
                self._outlet.push_sample([str(row.label)])
            if self.echo is not None:
                probas = [
                    f"{c[6:]} {getattr(row, c):.2f}"
                    for c in decisions.columns
                    if c.startswith("proba_")
                ]
                extra = f"  ({', '.join(probas)})" if probas else ""
                self.echo(f"{row.time:9.3f} s  {row.label}{extra}")

    def close(self) -> None:
        """Close the CSV file and the outlet."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._outlet = None


def _replay(path, name):
    """Start a PlayerLSL on ``path`` (once, real time); return it and the file's samples."""
    _, player_module, _ = _lsl()
    raw = read_raw(path)
    player = player_module.PlayerLSL(
        raw,
        n_repeat=1,
        name=name,
        source_id=f"neuropipe-replay-{uuid.uuid4().hex[:12]}",
        annotations=False,
    )
    player.start()
    return player, raw.get_data()


def run_online(
    model,
    stream,
    *,
    step=0.0625,
    duration=None,
    replay=None,
    source_id=None,
    output=None,
    outlet=None,
    echo=None,
    connect_timeout=10.0,
    stall_timeout=5.0,
    trusted=None,
) -> pd.DataFrame:
    """Decode an LSL stream live with a calibrated model.

    Parameters
    ----------
    model : str | Path | ClinicalModel
        A model from ``neuropipe fit`` / :func:`~neuropipe.clinical.fit_recording`.
    stream : str
        Name of the LSL stream (with ``replay``, the name given to the replayed stream).
    step : float
        Time between two decisions in seconds.
    duration : float | None
        Stop after this many seconds of stream samples (None: until the stream ends,
        the replay is over, or Ctrl-C).
    replay : str | Path | None
        A recording (any MNE-readable file) to replay with ``PlayerLSL`` and decode.
    source_id : str | None
        Source id of the stream, when several share its name.
    output : str | Path | None
        CSV file of the decisions.
    outlet : str | None
        Name of the LSL marker outlet on which decisions are pushed (None: no outlet).
    echo : callable | None
        Called with one line of text per decision.
    connect_timeout : float
        Seconds to wait for the stream to appear.
    stall_timeout : float
        Seconds without a new sample after which the session ends with an error.
    trusted : list | None
        Extra types to trust when loading the model.

    Returns
    -------
    decisions : DataFrame
        One row per decision: ``sample`` (index of the window's last sample, counted from
        the first received sample), ``time`` (``sample / sfreq``), ``label``,
        ``proba_<class>``, ``lsl_time`` (LSL timestamp of the window's last sample),
        ``latency_ms`` (from the arrival of the chunk that ended the window to the
        decision), and with ``replay`` ``file_sample`` (index in the file).

    Raises
    ------
    StreamError
        If the stream is not found, stalls, or outruns the decoder.
    ValueError
        If the stream's channels or sampling rate do not match the model's.
    """
    lsl, _, _ = _lsl()
    if not isinstance(model, ClinicalModel):
        model = load_model(model, trusted=trusted)
    decoder = model_decoder(model, step)
    if duration is not None and not float(duration) > 0:
        raise ValueError(f"'duration' must be a positive number of seconds, got {duration!r}.")
    player, file_data = _replay(replay, stream) if replay is not None else (None, None)
    inlet = writer = None
    try:
        inlet = connect_stream(
            stream,
            source_id=source_id,
            timeout=connect_timeout,
            bufsize=max(30.0, 4 * decoder.n_window / decoder.sfreq),
        )
        source = f"the LSL stream {stream!r}"
        picks, scale = stream_channels(model, inlet.info, source)
        writer = DecisionWriter(output, outlet, echo)
        return _loop(lsl, inlet, decoder, picks, scale, writer, duration, stall_timeout, file_data)
    finally:
        if writer is not None:
            writer.close()
        if inlet is not None:
            inlet.disconnect()
        if player is not None:
            player.stop()


def _loop(lsl, inlet, decoder, picks, scale, writer, duration, stall_timeout, file_data):
    n_max = None if duration is None else round(float(duration) * decoder.sfreq)
    offset = None
    frames = []
    last_arrival = time.monotonic()
    try:
        while n_max is None or decoder.n_samples < n_max:
            inlet.acquire()
            n_new = inlet.n_new_samples
            if n_new == 0:
                if time.monotonic() - last_arrival > stall_timeout:
                    raise StreamError(
                        f"The LSL stream {inlet.name!r} stalled: no new sample for "
                        f"{stall_timeout:g} s after {decoder.n_samples} samples; check the "
                        f"amplifier and the network (the decisions so far are kept)."
                    )
                time.sleep(0.001)
                continue
            arrival = lsl.local_clock()
            last_arrival = time.monotonic()
            if n_new > inlet.n_buffer:
                raise StreamError(
                    f"The decoder fell behind the LSL stream {inlet.name!r}: "
                    f"{n_new - inlet.n_buffer} samples were overwritten before they were "
                    f"decoded; use a longer step or a lighter pipeline."
                )
            data, stamps = inlet.get_data()
            chunk, stamps = data[:, -n_new:], stamps[-n_new:].copy()
            if n_max is not None and decoder.n_samples + n_new > n_max:
                keep = n_max - decoder.n_samples
                chunk, stamps = chunk[:, :keep], stamps[:keep]
            if file_data is not None and offset is None:
                offset = _locate(chunk, file_data)
                if offset is None:
                    raise StreamError(
                        "The replayed stream's first samples were not found in the file; "
                        "the replay cannot be aligned with the file."
                    )
            first = decoder.n_samples
            decisions = decoder.push(chunk[picks] * scale)
            decided = lsl.local_clock()
            decisions["lsl_time"] = stamps[decisions["sample"].to_numpy() - first]
            decisions["latency_ms"] = (decided - arrival) * 1e3
            if file_data is not None:
                decisions["file_sample"] = decisions["sample"] + offset
            writer.write(decisions)
            frames.append(decisions)
            if file_data is not None and offset + decoder.n_samples >= file_data.shape[1]:
                break  # the whole file was decoded
    except KeyboardInterrupt:
        pass  # Ctrl-C ends a live session; the decisions so far are kept
    if not frames:
        return pd.DataFrame(columns=decoder.columns)
    return pd.concat(frames, ignore_index=True)
