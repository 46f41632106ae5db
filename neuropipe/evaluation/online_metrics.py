"""Scores of a run decided window by window: nMCC, ITR, false activations, onset latency.

A pseudo-online evaluation (:mod:`neuropipe.evaluation.pseudo_online`) slides a window
over a held-out continuous run and decides at every step; each window is scored against
the label in force at its last sample, with an idle class for everything that is not a
task. Carrara & Papadopoulo ("Pseudo-online framework for BCI evaluation: a MOABB
perspective", J. Neural Eng. 21, 016003, 2024; arXiv 2308.11656) score such runs with the
normalized Matthews correlation coefficient and the information transfer rate; the false
activations per minute of rest and the onset latency say what a user of the BCI meets:
commands issued while resting, and the wait between a cue and the first correct decision.

Every function takes the per-window labels as plain arrays (any labels: names or codes),
so they are tested against hand-computed values on tiny runs.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import matthews_corrcoef

__all__ = [
    "normalized_mcc",
    "wolpaw_bits",
    "itr_bits_per_min",
    "false_activations_per_min",
    "onset_latencies",
    "run_scores",
]


def _pair(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(
            f"y_true and y_pred must be 1-D and of one non-zero length (one label per "
            f"window), got shapes {y_true.shape} and {y_pred.shape}."
        )
    return y_true, y_pred


def normalized_mcc(y_true, y_pred) -> float:
    """Normalized Matthews correlation, ``(MCC + 1) / 2``: 0.5 at chance, 1 when perfect.

    The multiclass MCC is :func:`sklearn.metrics.matthews_corrcoef` (Gorodkin's R_K); a
    decider that always gives one label has MCC 0 (scikit-learn's convention), nMCC 0.5.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n_windows,)
        Label in force at the end of each window, and the decision on it.

    Returns
    -------
    nmcc : float

    Examples
    --------
    >>> normalized_mcc(["idle", "left", "idle", "right"], ["idle", "left", "idle", "right"])
    1.0
    >>> normalized_mcc(["idle", "left", "idle", "right"], ["idle"] * 4)
    0.5
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float((matthews_corrcoef(y_true, y_pred) + 1.0) / 2.0)


def wolpaw_bits(accuracy: float, n_classes: int) -> float:
    """Bits per decision of Wolpaw's formula (Wolpaw et al. 2000, IEEE Trans. Rehab. Eng.).

    ``B = log2 N + P log2 P + (1 - P) log2((1 - P) / (N - 1))`` for ``N`` classes and
    accuracy ``P``; 0 at or below chance (``P <= 1 / N``: no information is transferred,
    the formula's negative values are not used), ``log2 N`` at ``P = 1``.

    Parameters
    ----------
    accuracy : float
        Fraction of correct decisions, in [0, 1].
    n_classes : int
        Number of classes a decision chooses from (the idle class included), >= 2.

    Returns
    -------
    bits : float

    Examples
    --------
    >>> wolpaw_bits(1.0, 4), wolpaw_bits(0.25, 4)
    (2.0, 0.0)
    >>> round(wolpaw_bits(0.75, 2), 4)
    0.1887
    """
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"'accuracy' must be in [0, 1], got {accuracy!r}.")
    if n_classes < 2:
        raise ValueError(f"'n_classes' must be >= 2, got {n_classes!r}.")
    if accuracy <= 1.0 / n_classes:
        return 0.0
    bits = np.log2(n_classes) + accuracy * np.log2(accuracy)
    if accuracy < 1.0:
        bits += (1.0 - accuracy) * np.log2((1.0 - accuracy) / (n_classes - 1))
    return float(bits)


def itr_bits_per_min(y_true, y_pred, n_classes: int, decision_time: float) -> float:
    """Information transfer rate in bits per minute: Wolpaw bits per decision x decisions/min.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n_windows,)
    n_classes : int
        Classes a decision chooses from, the idle class included.
    decision_time : float
        Seconds per decision: the step of the sliding window (one decision per step).
        Overlapping windows make consecutive decisions dependent, which Wolpaw's formula
        does not model: the rate is an upper bound, comparable between pipelines scored
        with the same window and step, not with offline trial-based ITRs.

    Returns
    -------
    itr : float

    Examples
    --------
    >>> round(itr_bits_per_min([0, 1, 0, 1], [0, 1, 1, 1], n_classes=2, decision_time=0.5), 2)
    22.65
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if not decision_time > 0:
        raise ValueError(f"'decision_time' must be > 0 seconds, got {decision_time!r}.")
    accuracy = float(np.mean(y_true == y_pred))
    return wolpaw_bits(accuracy, n_classes) * 60.0 / decision_time


def false_activations_per_min(y_true, y_pred, idle, step: float) -> float:
    """Task decisions that start while the user rests, per minute of rest.

    A *false activation* is the onset of a task decision in a window whose label in force
    is ``idle``: a window decided as a task class whose previous window was decided
    otherwise (idle, or another task class; the first window counts as following an idle
    decision). A task decision held over several windows is one activation, as a device
    would receive one command. Minutes of rest are the idle-labelled windows times
    ``step``.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n_windows,)
        In window order.
    idle : label
        The idle class.
    step : float
        Seconds between consecutive windows.

    Returns
    -------
    rate : float
        NaN when no window is idle-labelled.

    Examples
    --------
    >>> # rest windows 0-3 and 6-7; onsets of task decisions at 1 and 7 (2 is held)
    >>> truth = ["i", "i", "i", "i", "L", "L", "i", "i"]
    >>> decided = ["i", "L", "L", "i", "L", "L", "i", "R"]
    >>> false_activations_per_min(truth, decided, "i", step=0.5)  # 2 / (6 * 0.5 / 60)
    40.0
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if not step > 0:
        raise ValueError(f"'step' must be > 0 seconds, got {step!r}.")
    rest = y_true == idle
    if not rest.any():
        return float("nan")
    previous = np.r_[np.asarray([idle], dtype=y_pred.dtype), y_pred[:-1]]
    onsets = (y_pred != idle) & (y_pred != previous)
    return float(np.sum(onsets & rest) / (rest.sum() * step / 60.0))


def onset_latencies(window_times, y_pred, onsets, ends, labels) -> np.ndarray:
    """Seconds from each cue to the first correct decision of its trial (NaN: undetected).

    Parameters
    ----------
    window_times : array-like, shape (n_windows,)
        Time of the last sample of each window (seconds from the start of the run).
    y_pred : array-like, shape (n_windows,)
        The decision on each window.
    onsets, ends : array-like, shape (n_trials,)
        Cue time of each task trial and the time its label stops being in force.
    labels : array-like, shape (n_trials,)
        The task class of each trial.

    Returns
    -------
    latencies : ndarray, shape (n_trials,)
        ``t - onset`` for the first window ending at ``onset <= t < end`` decided as the
        trial's class; NaN for a trial with no such window.

    Examples
    --------
    >>> onset_latencies([1.0, 1.5, 2.0, 2.5, 3.0], ["i", "L", "L", "R", "i"],
    ...                 onsets=[1.2, 2.4], ends=[2.4, 3.5], labels=["L", "L"])
    array([0.3, nan])
    """
    times = np.asarray(window_times, dtype=float)
    y_pred = np.asarray(y_pred)
    if times.shape != y_pred.shape:
        raise ValueError(
            f"window_times and y_pred differ in length ({times.shape} and {y_pred.shape})."
        )
    onsets, ends, labels = np.asarray(onsets, float), np.asarray(ends, float), np.asarray(labels)
    latencies = np.full(onsets.shape, np.nan)
    for i, (onset, end, label) in enumerate(zip(onsets, ends, labels)):
        hit = np.flatnonzero((times >= onset) & (times < end) & (y_pred == label))
        if hit.size:
            latencies[i] = times[hit[0]] - onset
    return latencies


def run_scores(window_times, y_true, y_pred, *, idle, n_classes: int, step: float, trials) -> dict:
    """Every score of one decided run.

    Parameters
    ----------
    window_times, y_true, y_pred : array-like, shape (n_windows,)
    idle : label
        The idle class.
    n_classes : int
        Classes of the decider, idle included (the ITR's ``N``).
    step : float
        Seconds between decisions.
    trials : pandas.DataFrame
        One row per task trial: ``onset``, ``end`` (seconds) and ``label``.

    Returns
    -------
    scores : dict
        ``nmcc``, ``accuracy``, ``itr_bits_min``, ``false_activations_min``,
        ``onset_latency_s`` (median over detected trials; NaN if none was detected),
        ``onset_detected`` (fraction of trials with a correct decision inside them) and
        ``latencies`` (per trial).

    Examples
    --------
    >>> import pandas as pd
    >>> trials = pd.DataFrame({"onset": [1.2], "end": [2.4], "label": ["L"]})
    >>> s = run_scores([1.0, 1.5, 2.0, 2.5], ["i", "L", "L", "i"], ["i", "i", "L", "i"],
    ...                idle="i", n_classes=2, step=0.5, trials=trials)
    >>> round(s["nmcc"], 3), round(s["onset_latency_s"], 2), s["onset_detected"]
    (0.789, 0.8, 1.0)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    latencies = onset_latencies(
        window_times, y_pred, trials["onset"], trials["end"], trials["label"]
    )
    detected = ~np.isnan(latencies)
    return {
        "nmcc": normalized_mcc(y_true, y_pred),
        "accuracy": float(np.mean(y_true == y_pred)),
        "itr_bits_min": itr_bits_per_min(y_true, y_pred, n_classes, step),
        "false_activations_min": false_activations_per_min(y_true, y_pred, idle, step),
        "onset_latency_s": float(np.median(latencies[detected])) if detected.any() else np.nan,
        "onset_detected": float(detected.mean()) if len(latencies) else np.nan,
        "latencies": latencies,
    }
