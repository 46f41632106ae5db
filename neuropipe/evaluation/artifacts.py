"""What the report draws from fitted models, computed during evaluation and stored with results.

The evaluation calls :func:`fold_artifacts` on every fitted test fold and the benchmark's task
store writes the list of a task's folds next to its results
(:func:`neuropipe.benchmark.artifact_files.save_task_artifacts`); the report reads them back
(:func:`neuropipe.benchmark.artifact_files.load_artifacts`) and never refits a pipeline.

Per fold, the arrays are small and bounded (no epochs, no features of the test trials):

- ``y_true``, ``y_pred``: the test labels and predictions (classification: the whole
  test fold, integers or names, from which the report draws a confusion matrix);
  for continuous targets (a 2-D ``y``: the states of a decoding task) the first
  ``trajectory_bins`` rows of the test segment's true and decoded states (the
  decoded-trajectory figure), ``n_test`` the full length, and ``bin_size`` /
  ``state_names`` when the caller gives them;
- ``classes``: the class names of the label codes, when the caller gives them;
- for every feature selector of the fitted pipeline (a scikit-learn ``SelectorMixin``
  step with a ``scores_`` attribute, such as :class:`neuropipe.selection.R2Selector`,
  inside a ``Pipeline``, a ``FeatureUnion`` or the best estimator of a search),
  ``selector{i}_scores`` (the scores the selector learnt on the training fold, in its
  input layout: ``(n_channels, n_freqs)`` for spectra), ``selector{i}_support`` (the
  kept features, same shape), ``selector{i}_stage`` (the names of the feature steps
  before it), ``selector{i}_kind`` (the selector's class) and, when the features are
  named ``'{channel}_{freq}Hz'``, ``selector{i}_channels`` and ``selector{i}_freqs``;
  with two classes ``selector{i}_direction``, the sign of the class-mean difference
  (second class minus first) of each feature on the test fold, so the report can sign
  the map as HappyFeat does.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.feature_selection import SelectorMixin
from sklearn.pipeline import FeatureUnion, Pipeline

from .._validation import check_positive_int
from ..preprocessing import EpochsToArray

__all__ = ["fold_artifacts"]


def fold_artifacts(
    estimator,
    X_test,
    y_test,
    y_pred,
    *,
    family: str,
    classes=None,
    ch_names=None,
    bin_size: float | None = None,
    state_names=None,
    trajectory_bins: int = 300,
    max_features: int = 20_000,
) -> dict:
    """Arrays the report needs from one fitted fold.

    Parameters
    ----------
    estimator : fitted estimator
        The pipeline fitted on the training part of the fold.
    X_test : array-like, shape (n_test, ...)
        The fold's test data (used only to sign the selectors' score maps; not stored).
    y_test : array-like, shape (n_test,) or (n_test, n_states)
        The fold's true targets.
    y_pred : array-like, same shape as ``y_test``
        The estimator's predictions on ``X_test``.
    family : str
        The paradigm of the task (``"eeg"``, ``"fmri"``, ``"decoding"``...), stored for
        the report.
    classes : array-like of str | None
        Class names of the label codes (``LabelEncoder().classes_``), stored so the
        confusion matrix shows names instead of codes.
    ch_names : list of str | None
        Channel names, given to score maps whose feature steps were fitted without them
        (names ``'ch0'``, ``'ch1'``...), so the report can place them on a topomap.
    bin_size : float | None
        Decoding: bin width in seconds (stored as ``bin_size``, the trajectory's time axis).
    state_names : list of str | None
        Decoding: names of the target columns (stored as ``state_names``).
    trajectory_bins : int
        Rows of the test segment kept for continuous targets (2-D ``y_test``).
    max_features : int
        Selectors scoring more features than this are not stored (bounded files).

    Returns
    -------
    artifacts : dict of str to numpy.ndarray
        At least ``y_true``, ``y_pred`` and ``family`` (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from neuropipe.selection import R2Selector
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((40, 6)), np.repeat([0, 1], 20)
    >>> X[y == 1, 2] += 2
    >>> pipe = make_pipeline(R2Selector(k=1), LogisticRegression()).fit(X[::2], y[::2])
    >>> art = fold_artifacts(pipe, X[1::2], y[1::2], pipe.predict(X[1::2]), family="eeg")
    >>> sorted(art)[:4], art["selector0_support"].nonzero()[0].tolist()
    (['family', 'selector0_direction', 'selector0_kind', 'selector0_scores'], [2])
    """
    y_true, y_pred = np.asarray(y_test), np.asarray(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_test has {len(y_true)} rows but y_pred has {len(y_pred)}; pass the "
            f"estimator's predictions on X_test."
        )
    artifacts = {"family": np.asarray(str(family))}
    continuous = y_true.ndim == 2  # states decoded over time: a trajectory, no class maps
    if continuous:
        n = check_positive_int("trajectory_bins", trajectory_bins)
        artifacts["n_test"] = np.asarray(len(y_true))
        y_true, y_pred = y_true[:n], np.reshape(y_pred, y_true.shape)[:n]
        if bin_size is not None:
            artifacts["bin_size"] = np.asarray(float(bin_size))
        if state_names is not None:
            artifacts["state_names"] = np.asarray([str(s) for s in state_names])
    artifacts["y_true"], artifacts["y_pred"] = _plain(y_true), _plain(y_pred)
    if classes is not None:
        artifacts["classes"] = np.asarray([str(c) for c in classes])
    if not continuous:
        for i, (steps, selector) in enumerate(_fitted_selectors(estimator)):
            try:
                found = _selector_arrays(steps, selector, X_test, y_true, ch_names, max_features)
            except Exception as exc:  # a figure of the report, never a reason to fail a task
                warnings.warn(
                    f"No score map stored for selector {i} ({type(selector).__name__}): "
                    f"{type(exc).__name__}: {exc}",
                    UserWarning,
                    stacklevel=2,
                )
                continue
            artifacts.update({f"selector{i}_{key}": value for key, value in found.items()})
    return artifacts


def _plain(values):
    """Numbers stay numbers; anything else becomes fixed-width text (no pickles in .npz)."""
    values = np.asarray(values)
    return values if values.dtype.kind in "biuf" else values.astype(str)


def _fitted_selectors(estimator, prefix=()):
    """Yield ``(fitted steps before, fitted selector)`` for every scored feature selector."""
    estimator = getattr(estimator, "best_estimator_", estimator)  # a fitted search
    if isinstance(estimator, Pipeline):
        steps = list(prefix)
        for name, step in estimator.steps:
            step = getattr(step, "best_estimator_", step)
            if isinstance(step, SelectorMixin) and hasattr(step, "scores_"):
                yield steps, step
            elif isinstance(step, (Pipeline, FeatureUnion)):
                yield from _fitted_selectors(step, steps)
            steps = [*steps, (name, step)]
    elif isinstance(estimator, FeatureUnion):
        for _, branch in estimator.transformer_list:
            yield from _fitted_selectors(branch, prefix)


def _selector_arrays(steps, selector, X_test, y_true, ch_names, max_features) -> dict:
    scores = np.asarray(selector.scores_, dtype=np.float64)
    if scores.size > max_features:
        return {}
    shape = scores.shape
    features = Pipeline(steps) if steps else None  # None: the selector reads the input
    out = {
        "scores": scores,
        "support": np.asarray(selector.get_support()).reshape(shape),
        "kind": np.asarray(type(selector).__name__),
        "stage": np.asarray(
            [name for name, step in steps if not isinstance(step, EpochsToArray)], dtype=str
        ),
    }
    if len(shape) == 2 and features is not None:
        axes = _map_axes(features, shape, ch_names)
        if axes is not None:
            out["channels"], out["freqs"] = axes
    classes = np.unique(y_true)
    if classes.size == 2 and X_test is not None:
        Z = X_test if features is None else features.transform(X_test)
        Z = np.asarray(Z, dtype=np.float64).reshape(len(y_true), *shape)
        difference = Z[y_true == classes[1]].mean(axis=0) - Z[y_true == classes[0]].mean(axis=0)
        out["direction"] = np.sign(difference).astype(np.int8)
    return out


def _map_axes(features, shape, ch_names):
    """Channels and frequencies of a ``(n_channels, n_freqs)`` grid of features.

    From the feature names (``'C3_12Hz'``), else from the last steps that know them
    (``ch_names_`` of a spectrum, ``freqs_`` of a spectrum or band selector); None when
    neither gives a channel x frequency grid of this shape.
    """
    try:
        names = np.asarray(features.get_feature_names_out(), dtype=str).reshape(shape)
        channels = [name.rsplit("_", 1)[0] for name in names[:, 0]]
        freqs = [float(name.rsplit("_", 1)[1].removesuffix("Hz")) for name in names[0]]
    except (AttributeError, ValueError, IndexError, TypeError):  # not named C3_12Hz
        steps = [step for _, step in features.steps][::-1]
        channels = next(
            (list(s.ch_names_) for s in steps if len(getattr(s, "ch_names_", ())) == shape[0]),
            None,
        )
        freqs = next(
            (list(s.freqs_) for s in steps if len(getattr(s, "freqs_", ())) == shape[1]), None
        )
        if channels is None or freqs is None:
            return None
    generic = [str(c) for c in channels] == [f"ch{i}" for i in range(len(channels))]
    if generic and ch_names is not None and len(ch_names) == len(channels):
        channels = [str(c) for c in ch_names]
    return np.asarray(channels, dtype=str), np.asarray(freqs, dtype=np.float64)
