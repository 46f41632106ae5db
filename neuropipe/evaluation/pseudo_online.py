"""Pseudo-online evaluation: a sliding window over held-out continuous runs, an idle class.

Offline protocols score epochs cut at known cues. A BCI in use sees a continuous signal
and must also say "nothing" while its user rests. The pseudo-online protocol of Carrara &
Papadopoulo ("Pseudo-online framework for BCI evaluation: a MOABB perspective", J. Neural
Eng. 21, 016003, 2024; arXiv 2308.11656) replays recorded runs as if they arrived live:
overlapping windows slide over the recording, an *idle* event stands for everything that
is not a task, and the decisions are scored with the normalized Matthews correlation
(nMCC) and the information transfer rate (ITR). Here, for each subject:

1. Every run of the subject is read as one continuous array with the label in force at
   each sample (:meth:`neuropipe.datasets.EEGDataset.load_continuous`: a task class for
   as long as its cue lasts, the idle class elsewhere; EEGMMIDB's T0 rest periods and the
   SSVEP set's no-stimulus trials are idle).
2. Leave one run out: the pipeline is fitted on the epochs of the other runs, the task
   epochs as the offline protocols cut them (same ``tmin`` and length) plus idle epochs of
   the same length cut at the rest cues, all taken from the whole training run band-passed
   *causally* (:func:`neuropipe.online.causal_filter`, the dataset's band, order 4), so the
   features match what a live decoder computes.
3. The fitted pipeline decides on the held-out run with
   :func:`neuropipe.online.decide_run`, the loop ``neuropipe online`` runs live (a window of
   the epochs' length ending every ``step`` seconds, the same causal filter from a zero
   state), and each decision is scored against the label in force at the window's last
   sample (:mod:`neuropipe.evaluation.online_metrics`).

Nothing is chosen on the held-out run: the window is the offline epoch's length, the band
the dataset's, the step a parameter fixed before the run (``DEFAULT_STEP``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.preprocessing import LabelEncoder

from ..datasets import get_dataset
from ..online import causal_filter, decide_run
from ..preprocessing import with_recording_info
from .artifacts import fold_artifacts
from .online_metrics import normalized_mcc, run_scores
from .protocols import to_schema

__all__ = [
    "DEFAULT_STEP",
    "PseudoOnlineData",
    "evaluate_pseudo_online",
    "load_pseudo_online",
    "shifted_chance",
    "summarize_pseudo_online",
    "training_epochs",
]

#: Seconds between two decisions. Half a second: a decision rate (2 per second) of the
#: order of the online motor-imagery and SSVEP studies the paper compares with, at a
#: cost that keeps the benchmark on the bundled data to minutes; it is a parameter, never
#: chosen on held-out runs.
DEFAULT_STEP = 0.5

#: Order of the causal Butterworth band-pass (MOABB's IIR filter is a 4th-order
#: Butterworth, applied forward and backward offline).
FILTER_ORDER = 4

#: Shifts of the circular-shift null distribution behind ``chance_p95`` and the p-value.
N_SHIFTS = 99


@dataclass
class PseudoOnlineData:
    """A subject's continuous runs and the epoching its pipelines were written for.

    Attributes
    ----------
    runs : list of ContinuousRun
        Every run of the subject (:meth:`neuropipe.datasets.EEGDataset.load_continuous`).
    tmin, tmax : float
        The offline epochs' window relative to each cue (``tmax`` included, as MNE does):
        training epochs, task and idle, start at ``cue + tmin`` and hold
        ``round((tmax - tmin) * sfreq) + 1`` samples, the decision window's length.
    l_freq, h_freq : float | None
        The band of the offline epochs, applied causally.
    """

    runs: list
    tmin: float
    tmax: float
    l_freq: float | None = None
    h_freq: float | None = None

    @property
    def sfreq(self) -> float:
        return float(self.runs[0].sfreq)

    @property
    def n_window(self) -> int:
        """Samples per window: those of an offline epoch."""
        return int(round((self.tmax - self.tmin) * self.sfreq)) + 1


def load_pseudo_online(
    dataset: str, paradigm: str | None, subject: int, data_path=None
) -> PseudoOnlineData:
    """A subject's continuous runs with the epoching of ``paradigm``.

    Parameters
    ----------
    dataset : str
        A dataset name or description (see :func:`neuropipe.datasets.get_dataset`) whose
        dataset class reads continuous runs (``load_continuous``).
    paradigm : str | None
        The MOABB paradigm whose window and band to use; default the dataset's first.
    subject : int
    data_path : str | Path | None
        The folder of dataset folders to read (see :func:`neuropipe.datasets.get_dataset`);
        None: the search of the sample data.

    Returns
    -------
    data : PseudoOnlineData

    Examples
    --------
    >>> data = load_pseudo_online("eegmmidb-leftright", "LeftRightImagery", 1)
    >>> len(data.runs), data.n_window, data.l_freq, data.h_freq
    (3, 481, 8.0, 32.0)
    """
    source = get_dataset(dataset, data_path=data_path)
    if not hasattr(source, "load_continuous"):
        raise ValueError(
            f"Dataset {dataset!r} cannot be read as continuous runs, which the pseudo-online "
            f"protocol needs; use a bundled EEG dataset or another --protocol."
        )
    options = source.epoching(paradigm)
    if options.get("filter_bank") is not None:
        raise ValueError(
            f"Paradigm {paradigm!r} of {dataset!r} epochs through a filter bank; the "
            f"pseudo-online protocol decides on one causally band-passed signal, so run it "
            f"with a single-band paradigm (pipelines whose first step is FilterBank do)."
        )
    return PseudoOnlineData(
        source.load_continuous(subject, paradigm),
        float(options["tmin"]),
        float(options["tmax"]),
        options.get("l_freq"),
        options.get("h_freq"),
    )


def training_epochs(run, *, tmin, n_window, l_freq, h_freq, filter_order=FILTER_ORDER):
    """Epochs of every cue of a run (task and idle), cut from the causally filtered run.

    Parameters
    ----------
    run : ContinuousRun
    tmin : float
        Start of each epoch relative to its cue, in seconds.
    n_window : int
        Samples per epoch.
    l_freq, h_freq : float | None
        Band of :func:`neuropipe.online.causal_filter`, applied to the whole run.
    filter_order : int

    Returns
    -------
    X : ndarray, shape (n_epochs, n_channels, n_window)
    y : ndarray of str, shape (n_epochs,)
        The cue's label (idle cues give the idle label); cues whose epoch runs past the
        run's end are left out.

    Examples
    --------
    >>> data = load_pseudo_online("eegmmidb-leftright", None, 1)
    >>> X, y = training_epochs(data.runs[0], tmin=0.0, n_window=481, l_freq=8.0, h_freq=32.0)
    >>> X.shape, sorted(set(y.tolist()))
    ((30, 64, 481), ['idle', 'left_hand', 'right_hand'])
    """
    filtered = causal_filter(run.data, run.sfreq, l_freq, h_freq, filter_order)
    starts = run.events["sample"].to_numpy() + int(round(tmin * run.sfreq))
    keep = (starts >= 0) & (starts + n_window <= run.n_times)
    X = np.stack([filtered[:, s : s + n_window] for s in starts[keep]])
    return X, run.events["label"].to_numpy()[keep].astype(str)


def shifted_chance(y_true, y_pred, min_shift: int, n_shifts: int = N_SHIFTS) -> np.ndarray:
    """nMCC of the decisions against circularly shifted labels: the chance distribution.

    Shifting the label sequence by more than a window keeps the runs' structure (how long
    each label and each decision lasts, how often they change) and breaks their alignment,
    so the shifted scores are those of a decider as persistent as this one that knows
    nothing of the labels; overlapping windows make independent-sample thresholds too low.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n_windows,)
    min_shift : int
        Smallest shift in windows (those of one window's length).
    n_shifts : int
        Shifts, evenly spaced in ``[min_shift, n_windows - min_shift]``.

    Returns
    -------
    null : ndarray, shape (n_used,)
        Empty when the run is shorter than two window lengths.

    Examples
    --------
    >>> truth = np.repeat(["idle", "left", "idle", "right"] * 5, 6)
    >>> null = shifted_chance(truth, truth, min_shift=6, n_shifts=20)
    >>> null.size, bool(null.min() < 1.0)
    (20, True)
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    n = len(y_true)
    if n - 2 * min_shift < 1:
        return np.empty(0)
    shifts = np.unique(np.linspace(min_shift, n - min_shift, n_shifts).astype(int))
    return np.array([normalized_mcc(np.roll(y_true, k), y_pred) for k in shifts])


def _decide(estimator, run, data, step, filter_order):
    return decide_run(
        estimator,
        run.data,
        run.sfreq,
        window=data.n_window / run.sfreq,
        step=step,
        l_freq=data.l_freq,
        h_freq=data.h_freq,
        filter_order=filter_order,
    )


def evaluate_pseudo_online(
    pipelines: dict,
    data: PseudoOnlineData,
    dataset: str,
    *,
    step: float = DEFAULT_STEP,
    filter_order: int = FILTER_ORDER,
    permute_labels: bool = False,
    random_state: int | None = 42,
    artifacts: list | None = None,
) -> pd.DataFrame:
    """Leave one run out: fit on the other runs' epochs, decide on the held-out run.

    Parameters
    ----------
    pipelines : dict of str -> estimator
        Pipelines taking epochs ``(n_epochs, n_channels, n_times)`` (cloned per fold).
    data : PseudoOnlineData
        One subject's runs (two or more).
    dataset : str
        Dataset name written into the results.
    step : float
        Seconds between two decisions.
    filter_order : int
        Order of the causal Butterworth band-pass.
    permute_labels : bool
        Shuffle the training labels (a control: the scores must then sit at chance).
    random_state : int | None
        Seed of the label permutation.
    artifacts : list | None
        If a list, each held-out run's decisions are appended to it
        (:func:`~neuropipe.evaluation.artifacts.fold_artifacts` of the windows, plus
        ``window_time``, ``step``, ``idle`` and ``row``): the report's timeline.

    Returns
    -------
    results : pandas.DataFrame
        Rows of :data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`, one per pipeline
        and held-out run (``session`` is the run): ``score`` the nMCC over the run's
        windows (``scoring="nmcc"``, ``chance`` 0.5, ``chance_p95`` and
        ``permutation_pvalue`` from :func:`shifted_chance`), ``itr_bits_min``,
        ``false_activations_min``, ``onset_latency_s`` (median over the trials with a
        correct decision) and ``onset_detected`` (their fraction); ``samples`` the
        training epochs, ``time`` the fit's and ``predict_time`` the decisions' CPU
        seconds, ``n_classes`` the classes with idle.
    """
    runs = list(data.runs)
    if len(runs) < 2:
        raise ValueError(
            f"The pseudo-online protocol leaves one run out and needs two runs or more per "
            f"subject; subject {runs[0].subject if runs else '?'} has {len(runs)}."
        )
    epochs = [
        training_epochs(
            run,
            tmin=data.tmin,
            n_window=data.n_window,
            l_freq=data.l_freq,
            h_freq=data.h_freq,
            filter_order=filter_order,
        )
        for run in runs
    ]
    # the channel names and rate the pipelines leave to the data (as the offline protocols)
    told = {
        name: with_recording_info(pipeline, ch_names=runs[0].ch_names, sfreq=runs[0].sfreq)
        for name, pipeline in pipelines.items()
    }
    idle = runs[0].idle_label
    encoder = LabelEncoder().fit(np.concatenate([y for _, y in epochs] + [[idle]]))
    idle_code = int(encoder.transform([idle])[0])
    n_classes = len(encoder.classes_)
    rng = np.random.default_rng(random_state)
    rows = []
    for held_out, run in enumerate(runs):
        X_train = np.concatenate([X for i, (X, _) in enumerate(epochs) if i != held_out])
        y_train = encoder.transform(
            np.concatenate([y for i, (_, y) in enumerate(epochs) if i != held_out])
        )
        if permute_labels:
            y_train = rng.permutation(y_train)
        trials = run.trials()
        trials["label"] = encoder.transform(trials["label"].to_numpy())
        for name, pipeline in told.items():
            estimator = clone(pipeline)
            start = time.process_time()
            estimator.fit(X_train, y_train)
            fit_time = time.process_time() - start
            start = time.process_time()
            decisions = _decide(estimator, run, data, step, filter_order)
            predict_time = time.process_time() - start
            ends = decisions["sample"].to_numpy()
            window_time = decisions["time"].to_numpy(dtype=float)
            y_pred = decisions["label"].to_numpy().astype(int)
            y_true = encoder.transform(run.labels[ends])
            scores = run_scores(
                window_time,
                y_true,
                y_pred,
                idle=idle_code,
                n_classes=n_classes,
                step=step,
                trials=trials,
            )
            min_shift = int(np.ceil(data.n_window / round(step * run.sfreq)))
            null = shifted_chance(y_true, y_pred, min_shift)
            row = len(rows)
            rows.append(
                {
                    "score": scores["nmcc"],
                    "time": fit_time,
                    "samples": len(y_train),
                    "subject": run.subject,
                    "session": str(run.run),
                    "dataset": dataset,
                    "pipeline": name,
                    "evaluation": "pseudo-online",
                    "scoring": "nmcc",
                    "chance": 0.5,
                    "chance_p95": float(np.quantile(null, 0.95)) if null.size else np.nan,
                    "n_classes": n_classes,
                    "predict_time": predict_time,
                    "permutation_pvalue": (
                        float((1 + np.sum(null >= scores["nmcc"])) / (1 + null.size))
                        if null.size
                        else np.nan
                    ),
                    **{k: scores[k] for k in _EXTRA_COLUMNS},
                }
            )
            if artifacts is not None:
                found = fold_artifacts(
                    estimator,
                    None,
                    y_true,
                    y_pred,
                    family="eeg",
                    classes=encoder.classes_,
                    ch_names=run.ch_names,
                )
                found.update(
                    window_time=window_time,
                    step=np.asarray(float(step)),
                    idle=np.asarray(idle_code),
                    trial_onset=trials["onset"].to_numpy(dtype=float),
                    trial_latency=scores["latencies"],
                    row=np.asarray(row),
                    test_index=np.arange(len(y_true)),
                )
                artifacts.append(found)
    return to_schema(rows, "eeg")


#: The pseudo-online columns of the results table, beside ``score`` (the nMCC).
_EXTRA_COLUMNS = ("itr_bits_min", "false_activations_min", "onset_latency_s", "onset_detected")


def summarize_pseudo_online(results: pd.DataFrame, by=("dataset", "pipeline")) -> pd.DataFrame:
    """Mean pseudo-online scores: runs averaged within each subject, then over subjects.

    Parameters
    ----------
    results : pandas.DataFrame
        Results table; its ``evaluation == "pseudo-online"`` rows are summarized.
    by : sequence of str
        Grouping columns (``("dataset", "pipeline", "subject")`` gives per-subject rows).

    Returns
    -------
    table : pandas.DataFrame
        ``by`` columns, then ``nmcc``, ``chance_p95``, ``itr_bits_min``,
        ``false_activations_min``, ``onset_latency_s``, ``onset_detected`` and
        ``subjects`` (or ``runs`` with ``subject`` in ``by``); sorted by nMCC within
        each dataset.

    Examples
    --------
    >>> table = pd.DataFrame({"dataset": "d", "pipeline": "p", "subject": [1, 1, 2],
    ...     "evaluation": "pseudo-online", "score": [0.6, 0.7, 0.5], "chance_p95": 0.55,
    ...     "itr_bits_min": 1.0, "false_activations_min": 2.0, "onset_latency_s": 1.5,
    ...     "onset_detected": 0.5})
    >>> float(summarize_pseudo_online(table)["nmcc"].iloc[0])
    0.575
    """
    by = list(by)
    rows = results[results["evaluation"] == "pseudo-online"].rename(columns={"score": "nmcc"})
    columns = ["nmcc", "chance_p95", *_EXTRA_COLUMNS]
    keys = list(dict.fromkeys([*by, "subject"]))
    per_subject = rows.groupby(keys, as_index=False).agg(
        **{c: (c, "mean") for c in columns}, runs=("nmcc", "size")
    )
    if "subject" in by:
        table = per_subject
    else:
        table = per_subject.groupby(by, as_index=False).agg(
            **{c: (c, "mean") for c in columns}, subjects=("subject", "nunique")
        )
    order = [c for c in ("dataset",) if c in by]
    return table.sort_values([*order, "nmcc"], ascending=[True] * len(order) + [False])
