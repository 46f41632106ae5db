"""Sliding-window decoding of a continuous signal, chunk by chunk, causally.

The core of online decoding, in plain numpy: :class:`SlidingWindowDecoder` receives a
continuous recording in chunks of any size (as a Lab Streaming Layer inlet delivers them),
band-passes it causally (a Butterworth filter whose state is carried from chunk to chunk)
and labels every window of ``window`` seconds that ends on a multiple of ``step`` seconds.
:func:`decide_run` runs one decoder over a whole recording; the decisions are identical,
bit for bit, to pushing the same recording in chunks of any size, so the offline
(pseudo-online) decisions of a run are the decisions a live session makes on it.
:func:`causal_filter` is the same filter applied to a whole run, to calibrate a model on
features that match the online ones.

Windows are counted from the first pushed sample (index 0): with
``n_window = round(window * sfreq)`` and ``n_step = round(step * sfreq)``, a decision is
made for each window whose last sample has index ``end = n_window - 1 + k * n_step``
(``k = 0, 1, ...``), on the filtered samples ``end - n_window + 1`` to ``end``, given to
``model.predict`` as an array of shape ``(1, n_channels, n_window)``.

Examples
--------
>>> import numpy as np
>>> from sklearn.dummy import DummyClassifier
>>> model = DummyClassifier().fit(np.zeros((4, 1)), ["left", "left", "left", "right"])
>>> decoder = SlidingWindowDecoder(model, sfreq=100.0, window=0.5, step=0.25)
>>> decoder.push(np.zeros((2, 60)))  # the first window ends at sample 49
   sample  time label  proba_left  proba_right
0      49  0.49  left        0.75         0.25
>>> decoder.push(np.zeros((2, 40)))  # samples 60-99: the next windows end at 74 and 99
   sample  time label  proba_left  proba_right
0      74  0.74  left        0.75         0.25
1      99  0.99  left        0.75         0.25
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import sosfilt, sosfilt_zi
from sklearn.pipeline import Pipeline

from .._validation import check_option, check_positive_int, check_sfreq
from ..preprocessing import _bandpass_sos

__all__ = ["SlidingWindowDecoder", "causal_filter", "decide_run"]


def _band_sos(sfreq, l_freq, h_freq, filter_order):
    """Second-order sections of the Butterworth filter over [l_freq, h_freq], or None."""
    sfreq = check_sfreq(sfreq)
    filter_order = check_positive_int("filter_order", filter_order)
    nyquist = sfreq / 2.0
    for name, value in (("l_freq", l_freq), ("h_freq", h_freq)):
        if value is not None and not (0.0 < float(value) < nyquist):
            raise ValueError(
                f"{name!r} must be between 0 and the Nyquist frequency ({nyquist:g} Hz) "
                f"for sfreq={sfreq:g} Hz, got {value!r}; use None for no "
                f"{'high' if name == 'l_freq' else 'low'}-pass."
            )
    if l_freq is not None and h_freq is not None and float(l_freq) >= float(h_freq):
        raise ValueError(f"'l_freq' ({l_freq} Hz) must be lower than 'h_freq' ({h_freq} Hz).")
    if l_freq is None and h_freq is None:
        return None
    # the design of neuropipe.preprocessing's filters (l_freq 0: no high-pass, h_freq None: no low-pass)
    return _bandpass_sos(sfreq, 0.0 if l_freq is None else l_freq, h_freq, filter_order)


def _initial_state(sos, first, filter_init):
    """sosfilt's state before the first sample: zeros, or the steady state of its value.

    ``first`` is the first sample, shape (n_channels, 1). ``"steady"`` is the state the
    filter would be in had the signal stayed at that value forever (scipy's
    ``sosfilt_zi``): a DC offset then causes no step transient.
    """
    check_option("filter_init", filter_init, ["zeros", "steady"])
    if filter_init == "zeros":
        return np.zeros((sos.shape[0], first.shape[0], 2))
    return sosfilt_zi(sos)[:, np.newaxis, :] * first[np.newaxis, :, :]


def _as_chunk(chunk, name="chunk"):
    """A finite float64 array of shape (n_channels, n_samples), or a clear error."""
    chunk = np.asarray(chunk, dtype=np.float64)
    if chunk.ndim != 2:
        raise ValueError(
            f"{name} must have shape (n_channels, n_samples), got an array of shape {chunk.shape}."
        )
    if not np.all(np.isfinite(chunk)):
        raise ValueError(
            f"{name} contains {int(np.sum(~np.isfinite(chunk)))} NaN or infinite value(s); "
            f"the causal filter would carry them into every later decision. Replace them "
            f"(e.g. hold the last valid sample) before pushing."
        )
    return chunk


def causal_filter(data, sfreq, l_freq, h_freq, filter_order=4, *, filter_init="zeros"):
    """Band-pass a continuous run causally, as :class:`SlidingWindowDecoder` does.

    A Butterworth filter of order ``filter_order`` over ``[l_freq, h_freq]`` (high-pass
    only if ``h_freq`` is None, low-pass only if ``l_freq`` is None), applied forward in
    time with :func:`scipy.signal.sosfilt` from a zero initial state (``filter_init=
    "zeros"``) or from the steady state of the first sample (``"steady"``: a DC offset,
    as DC-coupled amplifiers give, causes no step transient).

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_times)
        Continuous signal, in the model's unit (microvolts for EEG).
    sfreq : float
        Sampling rate in Hz.
    l_freq, h_freq : float | None
        Pass band edges in Hz; None for no high-pass / no low-pass.
    filter_order : int
        Order of the Butterworth filter.
    filter_init : {"zeros", "steady"}
        Initial state of the filter.

    Returns
    -------
    filtered : ndarray, shape (n_channels, n_times)
        The filtered signal (a copy of ``data`` when both edges are None).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((1, 400))
    >>> y = causal_filter(x, 100.0, 1.0, None)  # a constant is removed by the high-pass
    >>> bool(abs(y[0, -1]) < 1e-3)
    True
    """
    data = _as_chunk(data, "data")
    sos = _band_sos(sfreq, l_freq, h_freq, filter_order)
    if sos is None or data.shape[1] == 0:
        check_option("filter_init", filter_init, ["zeros", "steady"])
        return data.copy()
    zi = _initial_state(sos, data[:, :1], filter_init)
    return sosfilt(sos, data, axis=-1, zi=zi)[0]


class SlidingWindowDecoder:
    """Label the sliding windows of a continuous signal pushed in chunks.

    Parameters
    ----------
    model : estimator
        A fitted classifier (or pipeline) taking epochs of shape
        ``(n_epochs, n_channels, n_window)``; ``predict_proba`` is used when it has one.
    sfreq : float
        Sampling rate of the pushed signal in Hz.
    window : float
        Window length in seconds (``n_window = round(window * sfreq)`` samples).
    step : float
        Time between two decisions in seconds (``n_step = round(step * sfreq)`` samples).
    l_freq, h_freq : float | None
        Causal Butterworth pass band in Hz (see :func:`causal_filter`); None for no
        high-pass / no low-pass.
    filter_order : int
        Order of the Butterworth filter.
    classes : list | None
        Names of the probability columns; default ``model.classes_``.
    filter_init : {"zeros", "steady"}
        Initial state of the causal filter: zeros (the default), or the steady state of
        the first sample, so that an amplifier's DC offset causes no step transient (see
        :func:`causal_filter`).

    Attributes
    ----------
    n_window : int
        Samples per window.
    n_step : int
        Samples between two decisions.
    n_samples : int
        Samples pushed since the start (or the last :meth:`reset`).

    See Also
    --------
    decide_run : The decisions of one decoder over a whole run.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> model = DummyClassifier().fit(np.zeros((2, 1)), ["rest", "move"])
    >>> decoder = SlidingWindowDecoder(model, 10.0, window=1.0, step=0.5)
    >>> decoder.push(np.zeros((3, 25)))[["sample", "time", "label"]]
       sample  time label
    0       9   0.9  move
    1      14   1.4  move
    2      19   1.9  move
    3      24   2.4  move
    """

    def __init__(
        self,
        model,
        sfreq,
        *,
        window,
        step,
        l_freq=None,
        h_freq=None,
        filter_order=4,
        classes=None,
        filter_init="zeros",
    ):
        if not hasattr(model, "predict"):
            raise TypeError(
                f"model must be a fitted classifier with predict(), got "
                f"{type(model).__name__}; for a ClinicalModel pass model.pipeline."
            )
        self.model = model
        self.sfreq = check_sfreq(sfreq)
        self.n_window = self._n_samples("window", window)
        self.n_step = self._n_samples("step", step)
        self.window = float(window)
        self.step = float(step)
        self.l_freq = l_freq
        self.h_freq = h_freq
        self.filter_order = filter_order
        self._sos = _band_sos(self.sfreq, l_freq, h_freq, filter_order)
        self.filter_init = check_option("filter_init", filter_init, ["zeros", "steady"])
        self._has_proba = hasattr(model, "predict_proba")
        if classes is None:
            classes = getattr(model, "classes_", None)
        if self._has_proba and classes is None:
            raise ValueError(
                "The model has predict_proba but no classes_; give classes=[...] to name "
                "the probability columns."
            )
        self.classes = None if classes is None else list(classes)
        self.columns = ["sample", "time", "label"] + (
            [f"proba_{c}" for c in self.classes] if self._has_proba else []
        )
        self.reset()

    def _n_samples(self, name, seconds):
        try:
            seconds = float(seconds)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name!r} must be a duration in seconds, got {seconds!r}.") from exc
        n = round(seconds * self.sfreq) if np.isfinite(seconds) else 0
        if n < 1:
            raise ValueError(
                f"{name!r} must be at least one sample (1 / sfreq = {1 / self.sfreq:g} s), "
                f"got {seconds!r} s."
            )
        return int(n)

    def reset(self) -> None:
        """Forget the pushed signal: zero filter state, sample count back to 0."""
        self.n_samples = 0
        self.n_channels = None
        self._zi = None
        self._tail = None

    def push(self, chunk) -> pd.DataFrame:
        """Filter a chunk and label every window that ends in it.

        Parameters
        ----------
        chunk : ndarray, shape (n_channels, n_new_samples)
            The next samples, in the model's unit (microvolts for EEG models), channels in
            the model's order. The first chunk fixes the number of channels.

        Returns
        -------
        decisions : DataFrame
            One row per window that ended in the chunk: ``sample`` (index of the
            window's last sample), ``time`` (``sample / sfreq``, seconds since the first
            sample), ``label`` and ``proba_<class>`` per class when the model has
            ``predict_proba``. Empty (with these columns) when no window ended.
        """
        chunk = _as_chunk(chunk)
        if self.n_channels is None:
            if chunk.shape[0] < 1:
                raise ValueError("chunk has no channels; push shape (n_channels, n_samples).")
            self.n_channels = chunk.shape[0]
            self._tail = np.zeros((self.n_channels, 0))
        elif chunk.shape[0] != self.n_channels:
            raise ValueError(
                f"chunk has {chunk.shape[0]} channels, but the decoder received "
                f"{self.n_channels} channels before; push the same channels in the same "
                f"order (or reset() for a new recording)."
            )
        if self._sos is not None and chunk.shape[1]:
            if self._zi is None:  # the first sample sets the initial state
                self._zi = _initial_state(self._sos, chunk[:, :1], self.filter_init)
            chunk, self._zi = sosfilt(self._sos, chunk, axis=-1, zi=self._zi)
        start = self.n_samples - self._tail.shape[1]  # sample index of buffer[:, 0]
        buffer = np.concatenate([self._tail, chunk], axis=1)
        self.n_samples += chunk.shape[1]
        first = self.n_samples - chunk.shape[1]
        # window ends e >= first with e = n_window - 1 + k * n_step, k >= 0
        k0 = max(0, -(-(first - self.n_window + 1) // self.n_step))
        ends = range(self.n_window - 1 + k0 * self.n_step, self.n_samples, self.n_step)
        rows = []
        for end in ends:
            stop = end + 1 - start
            epoch = buffer[np.newaxis, :, stop - self.n_window : stop]
            rows.append([end, end / self.sfreq, *self._decide(epoch)])
        keep = min(self.n_window - 1, buffer.shape[1])
        self._tail = buffer[:, buffer.shape[1] - keep :].copy()
        return self._frame(rows)

    def _decide(self, epoch):
        """``[label, *probas]`` of one window.

        For a scikit-learn ``Pipeline`` with ``predict_proba``, the window goes through
        the transformers once and the final estimator gives both, as
        ``Pipeline.predict`` and ``Pipeline.predict_proba`` would each (same steps, same
        results, half the work).
        """
        model = self.model
        if not self._has_proba:
            return [model.predict(epoch)[0]]
        if isinstance(model, Pipeline) and len(model.steps) > 1:
            for _, step in model.steps[:-1]:
                if step is not None and step != "passthrough":
                    epoch = step.transform(epoch)
            model = model.steps[-1][1]
        return [model.predict(epoch)[0], *model.predict_proba(epoch)[0]]

    def _frame(self, rows):
        frame = pd.DataFrame(rows, columns=self.columns)
        # labels stay objects, so frames of chunks concatenate to the frame of the run
        dtypes = {"sample": np.int64, "time": np.float64, "label": object}
        dtypes.update({c: np.float64 for c in self.columns[3:]})
        return frame.astype(dtypes)


def decide_run(
    model,
    data,
    sfreq,
    *,
    window,
    step,
    l_freq=None,
    h_freq=None,
    filter_order=4,
    filter_init="zeros",
) -> pd.DataFrame:
    """The decisions of one :class:`SlidingWindowDecoder` over a whole continuous run.

    Identical, bit for bit, to pushing ``data`` into a decoder in chunks of any size.

    Parameters
    ----------
    model : estimator
        A fitted classifier taking epochs ``(n_epochs, n_channels, n_window)``.
    data : ndarray, shape (n_channels, n_times)
        The run, in the model's unit (microvolts for EEG models), unfiltered.
    sfreq : float
        Sampling rate in Hz.
    window, step : float
        Window length and time between decisions, in seconds.
    l_freq, h_freq : float | None
        Causal Butterworth pass band in Hz (see :func:`causal_filter`).
    filter_order : int
        Order of the Butterworth filter.
    filter_init : {"zeros", "steady"}
        Initial state of the causal filter (see :func:`causal_filter`).

    Returns
    -------
    decisions : DataFrame
        Columns ``sample``, ``time``, ``label`` and ``proba_<class>`` (see
        :meth:`SlidingWindowDecoder.push`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> model = DummyClassifier().fit(np.zeros((2, 1)), ["rest", "move"])
    >>> decide_run(model, np.zeros((3, 25)), 10.0, window=1.0, step=0.5)["sample"].tolist()
    [9, 14, 19, 24]
    """
    decoder = SlidingWindowDecoder(
        model,
        sfreq,
        window=window,
        step=step,
        l_freq=l_freq,
        h_freq=h_freq,
        filter_order=filter_order,
        filter_init=filter_init,
    )
    data = _as_chunk(data, "data")
    if data.shape[1] < decoder.n_window:
        raise ValueError(
            f"The run has {data.shape[1]} samples, fewer than one window of "
            f"{decoder.n_window} samples ({window} s at {decoder.sfreq:g} Hz); give a "
            f"longer run or a shorter window."
        )
    return decoder.push(data)
