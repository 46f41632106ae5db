"""Figure of true against decoded states (e.g. hand velocity) over time."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_decoded"]


def plot_decoded(
    y_true,
    y_pred,
    *,
    bin_size=None,
    state_names=None,
    start=0,
    n_bins=None,
    title=None,
):
    """Plot true and decoded states, one panel per state.

    Parameters
    ----------
    y_true : array-like, shape (n_bins, n_states) or (n_bins,)
        True states.
    y_pred : array-like, shape (n_bins, n_states) | dict of str to array-like
        Decoded states, or ``{decoder name: decoded states}`` to overlay decoders.
    bin_size : float | None
        Bin width in seconds; the x axis is then time in seconds, else bin index.
    state_names : list of str | None
        Panel labels; defaults to ``state 0, state 1, ...``.
    start : int
        First bin shown.
    n_bins : int | None
        Number of bins shown (default: all from ``start``).
    title : str | None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 6, 200)
    >>> y = np.c_[np.sin(t), np.cos(t)]
    >>> fig = plot_decoded(y, {"KF": 0.8 * y, "DKF": 0.9 * y}, bin_size=0.1,
    ...                    state_names=["vx", "vy"])
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    y_true = np.asarray(y_true, dtype=np.float64)
    y_true = y_true.reshape(len(y_true), -1)
    preds = y_pred if isinstance(y_pred, dict) else {"decoded": y_pred}
    preds = {name: np.asarray(p, dtype=np.float64).reshape(len(p), -1) for name, p in preds.items()}
    for name, p in preds.items():
        if p.shape != y_true.shape:
            raise ValueError(
                f"Decoded states {name!r} have shape {p.shape}, but y_true has shape "
                f"{y_true.shape}."
            )
    n_states = y_true.shape[1]
    if state_names is None:
        state_names = [f"state {j}" for j in range(n_states)]
    if len(state_names) != n_states:
        raise ValueError(f"Got {len(state_names)} state_names for {n_states} states.")
    stop = len(y_true) if n_bins is None else min(start + n_bins, len(y_true))
    rows = np.arange(start, stop)
    t = rows * bin_size if bin_size else rows

    fig, axes = plt.subplots(n_states, 1, sharex=True, figsize=(9, 2.2 * n_states + 0.6))
    axes = np.atleast_1d(axes)
    for j, ax in enumerate(axes):
        ax.plot(t, y_true[rows, j], color="black", lw=1.5, label="true")
        for name, p in preds.items():
            ax.plot(t, p[rows, j], lw=1.0, label=name)
        ax.set_ylabel(state_names[j])
    axes[0].legend(loc="upper right", ncols=len(preds) + 1, fontsize="small", frameon=False)
    axes[-1].set_xlabel("time (s)" if bin_size else "bin")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
