"""Continuous decoding of a binned stream, bin by bin, causally.

Continuous decoders (:class:`~neuropipe.decoders.KalmanFilterRegressor`,
:class:`~neuropipe.decoders.DiscriminativeKalmanFilter`, a Wiener filter) map binned
neural features (spike counts, or features computed per bin, as the bundled
``flint2012`` and ``stevenson2011`` sessions store them) to a state such as hand velocity.
:class:`BinnedStreamDecoder` receives those bins in chunks of any size, shape
``(n_new_bins, n_features)``, and returns the state estimate of every bin as soon as the
bin is complete:

- the fitted pipeline's transformers are applied to the new bins as they come: a
  :class:`~neuropipe.decoders.SpikeHistory` step keeps its last ``bins_before`` input
  rows from chunk to chunk (zeros before the first bin, as offline); every other
  transformer must map each bin on its own (scalers, PCA), which is checked once;
- a filter (a final step with ``init_state()`` / ``step(x)``) advances one bin at a time
  from the stationary prior, as ``predict`` does; any other final regressor must predict
  each bin on its own (checked as the transformers are).

A step that needs future bins (``bins_after > 0``) is refused. The estimates equal the
model's offline ``predict`` on the same bins to float rounding (about 1e-16 for the
Kalman filter; tested on the bundled data with random chunk sizes), whatever the chunks.
:func:`decode_binned_run` is the same decoder over a whole recording.

Examples
--------
>>> import numpy as np
>>> from neuropipe.datasets.decoding import load_flint2012
>>> from neuropipe.decoders import KalmanFilterRegressor
>>> data = load_flint2012()
>>> kf = KalmanFilterRegressor().fit(data.X[:2000], data.y[:2000])
>>> decoder = BinnedStreamDecoder(kf, data.bin_size, state_names=data.state_names)
>>> decoder.push(data.X[2000:2002]).round(3)
   bin  time     vx     vy
0    0   0.1 -0.037 -0.050
1    1   0.2 -0.004 -0.002
>>> last = decoder.push(data.X[2002:2003])  # the next chunk: one bin
>>> last.round(3)
   bin  time     vx     vy
0    2   0.3  0.024 -0.005
>>> offline = kf.predict(data.X[2000:2003])  # the same bins, offline
>>> float(np.max(np.abs(last[["vx", "vy"]].to_numpy() - offline[2]))) < 1e-12
True
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._validation import _as_float_array
from ..decoders.history import SpikeHistory

__all__ = ["BinnedStreamDecoder", "decode_binned_run"]


def _is_history(step):
    """A spike-history transformer: it reads the previous ``bins_before`` rows."""
    return isinstance(step, SpikeHistory)


def _is_filter(step):
    return callable(getattr(step, "init_state", None)) and callable(getattr(step, "step", None))


def _check_causal(name, step):
    after = getattr(step, "bins_after", 0)
    if after:
        raise ValueError(
            f"Step {name!r} ({type(step).__name__}) reads {after} future bin(s) "
            f"(bins_after={after}): it cannot decode online; refit it with bins_after=0."
        )


def _check_row_wise(name, step, probe, method):
    """Refuse a step whose output for a bin depends on the other bins of the block."""
    apply = getattr(step, method)
    block = np.asarray(apply(probe), dtype=np.float64).reshape(len(probe), -1)
    rows = np.vstack(
        [np.asarray(apply(row[None]), dtype=np.float64).reshape(1, -1) for row in probe]
    )
    scale = max(float(np.max(np.abs(block), initial=0.0)), 1.0)
    if block.shape != rows.shape or not np.allclose(block, rows, rtol=1e-9, atol=1e-9 * scale):
        raise ValueError(
            f"Step {name!r} ({type(step).__name__}) does not {method} each bin on its own "
            f"(its output for a bin depends on the other bins), so it cannot run bin by bin; "
            f"use a SpikeHistory step for history, or a filter with init_state()/step()."
        )
    return block


class BinnedStreamDecoder:
    """Decode a stream of binned neural features bin by bin with a fitted continuous decoder.

    Parameters
    ----------
    model : estimator
        A fitted continuous decoder: a :class:`~neuropipe.decoders.KalmanFilterRegressor`
        or :class:`~neuropipe.decoders.DiscriminativeKalmanFilter` (or any estimator with
        ``init_state()`` / ``step(x)``), a regressor, or a ``Pipeline`` of transformers
        ending in one; a fitted search (``GridSearchCV``, as
        :func:`~neuropipe.model_selection.time_ordered_search` gives) is decoded with its
        ``best_estimator_``. The decoder works on its own copy of the final filter, so the
        model itself is left as it is.
    bin_size : float
        Bin width in seconds (``data.bin_size`` of the decoding datasets); gives the
        ``time`` column.
    state_names : list of str | None
        Names of the state columns; default ``state0``, ``state1``, ...

    Attributes
    ----------
    n_features : int
        Features per bin the model expects.
    n_bins : int
        Bins pushed since the start (or the last :meth:`reset`).
    columns : list of str
        ``["bin", "time", *state_names]``.

    See Also
    --------
    decode_binned_run : The same decoder over a whole recording.
    neuropipe.online.SlidingWindowDecoder : Windows of a continuous EEG signal.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import make_pipeline
    >>> from neuropipe.decoders import SpikeHistory
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.poisson(2.0, (300, 5)).astype(float), rng.standard_normal(300)
    >>> wiener = make_pipeline(SpikeHistory(bins_before=3), Ridge()).fit(X, y)
    >>> decoder = BinnedStreamDecoder(wiener, bin_size=0.05)
    >>> chunks = [decoder.push(X[:7]), decoder.push(X[7:8]), decoder.push(X[8:])]
    >>> online = np.concatenate([c["state0"].to_numpy() for c in chunks])
    >>> bool(np.allclose(online, wiener.predict(X), rtol=1e-12, atol=1e-12))
    True
    """

    def __init__(self, model, bin_size, *, state_names=None):
        try:
            bin_size = float(bin_size)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"'bin_size' must be a duration in seconds, got {bin_size!r}.") from exc
        if not np.isfinite(bin_size) or bin_size <= 0:
            raise ValueError(
                f"'bin_size' must be a positive duration in seconds, got {bin_size!r}."
            )
        estimator = getattr(model, "best_estimator_", model)
        steps = estimator.steps if isinstance(estimator, Pipeline) else [("model", estimator)]
        steps = [(n, s) for n, s in steps if s is not None and s != "passthrough"]
        if not steps or not hasattr(steps[-1][1], "predict"):
            raise TypeError(
                f"model must be a fitted continuous decoder (a regressor, a filter with "
                f"init_state()/step(), or a Pipeline ending in one), got {type(model).__name__}."
            )
        check_is_fitted(steps[-1][1])
        n_features = getattr(estimator, "n_features_in_", None)
        if n_features is None:
            raise ValueError(
                f"{type(estimator).__name__} records no n_features_in_; fit it on arrays of "
                f"shape (n_bins, n_features) first."
            )
        self.model = model
        self.bin_size = bin_size
        self.n_features = int(n_features)
        for name, step in steps:
            _check_causal(name, step)
        # a fixed probe of count-like bins checks that each step maps bins one by one
        probe = np.random.default_rng(0).poisson(3.0, (4, self.n_features)).astype(np.float64)
        self._transformers = []
        for name, step in steps[:-1]:
            if _is_history(step):
                probe = step.transform(probe)
            else:
                probe = _check_row_wise(name, step, probe, "transform")
            self._transformers.append(step)
        name, final = steps[-1]
        if _is_filter(final):
            self._final = copy.deepcopy(final)
            n_states = np.reshape(self._final.init_state().step(probe[0]), -1).size
        else:
            self._final = final
            n_states = _check_row_wise(name, final, probe, "predict").shape[1]
        if state_names is None:
            state_names = [f"state{i}" for i in range(n_states)]
        state_names = [str(s) for s in state_names]
        if len(state_names) != n_states:
            raise ValueError(
                f"The model decodes {n_states} state(s) but {len(state_names)} state_names "
                f"were given ({state_names}); give one name per state."
            )
        self.state_names = state_names
        self.columns = ["bin", "time", *state_names]
        self.reset()

    def reset(self) -> None:
        """Start a new recording: empty spike histories, filter back to its prior."""
        self.n_bins = 0
        self._history = [
            np.full((step.bins_before, step.n_features_in_), float(step.fill_value))
            if _is_history(step)
            else None
            for step in self._transformers
        ]
        if _is_filter(self._final):
            self._final.init_state()

    def push(self, chunk) -> pd.DataFrame:
        """Decode the next bins.

        Parameters
        ----------
        chunk : array-like, shape (n_new_bins, n_features)
            The next bins, in time order, features in the model's order and units.

        Returns
        -------
        states : DataFrame
            One row per bin: ``bin`` (index since the first bin pushed), ``time`` (end of
            the bin, ``(bin + 1) * bin_size`` seconds) and one column per state.
        """
        chunk = _as_float_array(chunk, "chunk")
        if chunk.ndim != 2 or chunk.shape[1] != self.n_features:
            got = (
                f"{chunk.shape[1]} features per bin" if chunk.ndim == 2 else f"shape {chunk.shape}"
            )
            raise ValueError(
                f"chunk has {got}, but the model was fitted on {self.n_features} features; "
                f"push an array of shape (n_new_bins, {self.n_features}) in the model's "
                f"feature order."
            )
        if not np.all(np.isfinite(chunk)):
            raise ValueError(
                f"chunk contains {int(np.sum(~np.isfinite(chunk)))} NaN or infinite value(s); "
                f"the filter would carry them into every later bin. Impute them (e.g. zero "
                f"counts) before pushing."
            )
        n_new = chunk.shape[0]
        states = np.zeros((n_new, len(self.state_names)))
        if n_new:
            rows = chunk
            for i, step in enumerate(self._transformers):
                history = self._history[i]
                if history is None:
                    rows = step.transform(rows)
                    continue
                full = np.vstack([history, rows])
                self._history[i] = full[len(full) - len(history) :]
                rows = step.transform(full)[len(history) :]
            if _is_filter(self._final):
                for j, row in enumerate(rows):
                    states[j] = np.reshape(self._final.step(row), -1)
            else:
                states[:] = np.reshape(self._final.predict(rows), (n_new, -1))
        bins = np.arange(self.n_bins, self.n_bins + n_new, dtype=np.int64)
        self.n_bins += n_new
        frame = pd.DataFrame(states, columns=self.state_names)
        frame.insert(0, "time", (bins + 1) * self.bin_size)
        frame.insert(0, "bin", bins)
        return frame


def decode_binned_run(model, X, bin_size, *, state_names=None) -> pd.DataFrame:
    """The state estimates of one :class:`BinnedStreamDecoder` over a whole recording.

    Equal to pushing ``X`` into a decoder in chunks of any size.

    Parameters
    ----------
    model : estimator
        A fitted continuous decoder (see :class:`BinnedStreamDecoder`).
    X : array-like, shape (n_bins, n_features)
        The recording's bins in time order.
    bin_size : float
        Bin width in seconds.
    state_names : list of str | None
        Names of the state columns.

    Returns
    -------
    states : DataFrame
        Columns ``bin``, ``time`` and one per state (see :meth:`BinnedStreamDecoder.push`).

    Examples
    --------
    >>> import numpy as np
    >>> from neuropipe.datasets.decoding import load_flint2012
    >>> from neuropipe.decoders import KalmanFilterRegressor
    >>> data = load_flint2012()
    >>> kf = KalmanFilterRegressor().fit(data.X[:2000], data.y[:2000])
    >>> states = decode_binned_run(kf, data.X[2000:2500], data.bin_size)
    >>> offline = kf.predict(data.X[2000:2500])
    >>> float(np.max(np.abs(states[["state0", "state1"]].to_numpy() - offline))) < 1e-12
    True
    """
    return BinnedStreamDecoder(model, bin_size, state_names=state_names).push(X)
