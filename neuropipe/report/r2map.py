"""The R² map: which channel and frequency tell the classes apart (HappyFeat's main view)."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_r2_map"]


def plot_r2_map(
    r2,
    ch_names,
    freqs,
    *,
    freq=None,
    selected=None,
    topomap=True,
    montage=None,
    title="R² map",
    cmap=None,
):
    """Heat map of feature scores over channels x frequencies, and a topomap at one frequency.

    Parameters
    ----------
    r2 : ndarray, shape (n_channels, n_freqs)
        Score map, e.g. :func:`neuropipe.selection.r2_scores` of PSD features or a fitted
        selector's ``scores_``. Signed maps (:func:`~neuropipe.selection.signed_r2_scores`)
        get a diverging colour scale centred on 0.
    ch_names : list of str, length n_channels
        Channel names (standard 10-05 names to draw the topomap).
    freqs : array-like, shape (n_freqs,)
        Frequencies in Hz.
    freq : float | None
        Frequency of the topomap (the nearest bin); default the bin of the highest score.
    selected : ndarray of bool, shape (n_channels, n_freqs) | None
        Selected features to mark with a circle on both panels (e.g.
        ``selector.get_support().reshape(r2.shape)``).
    topomap : bool
        Draw the topomap panel (needs channel positions).
    montage : str | mne.channels.DigMontage | None
        Electrode positions for the topomap; None is MNE's standard 10-05 template
        (``'colin27_1005'``, called ``'standard_1005'`` before MNE 1.13).
    title : str
        Figure title.
    cmap : str | None
        Colour map; default ``'viridis'`` for R², ``'RdBu_r'`` for signed maps.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Heat map on the left (channels on y, Hz on x), topomap on the right.

    Examples
    --------
    >>> import numpy as np
    >>> r2 = np.zeros((3, 4)); r2[0, 1] = 0.5
    >>> fig = plot_r2_map(r2, ["C3", "Cz", "C4"], [8, 9, 10, 11])
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['R² per channel and frequency', 'R² at 9 Hz']
    """
    import matplotlib.pyplot as plt

    r2 = np.asarray(r2, dtype=np.float64)
    freqs = np.asarray(freqs, dtype=np.float64)
    ch_names = [str(c) for c in ch_names]
    if r2.ndim != 2 or r2.shape != (len(ch_names), freqs.size):
        raise ValueError(
            f"r2 must have shape (n_channels, n_freqs) = ({len(ch_names)}, {freqs.size}) "
            f"to match ch_names and freqs, got {r2.shape}."
        )
    if not np.all(np.isfinite(r2)):
        raise ValueError("r2 contains NaN or infinite values; plot finite scores only.")
    if selected is not None:
        selected = np.asarray(selected, dtype=bool).reshape(r2.shape)
    signed = bool(np.any(r2 < 0))
    if signed:
        vmax = float(np.max(np.abs(r2))) or 1.0
        vmin, cmap = -vmax, cmap or "RdBu_r"
    else:
        vmin, vmax, cmap = 0.0, float(r2.max()) or 1.0, cmap or "viridis"
    label = "signed R²" if signed else "R²"
    if freq is None:
        f_idx = int(np.unravel_index(np.argmax(np.abs(r2)), r2.shape)[1])
    else:
        f_idx = int(np.argmin(np.abs(freqs - float(freq))))

    n_panels = 2 if topomap else 1
    height = max(4.0, 0.14 * len(ch_names) + 1.5)
    fig, axes = plt.subplots(
        1,
        n_panels,
        figsize=(5.5 * n_panels + 1, height),
        squeeze=False,
        gridspec_kw={"width_ratios": [1.6, 1.0][:n_panels]},
    )
    ax = axes[0, 0]
    step = np.median(np.diff(freqs)) if freqs.size > 1 else 1.0
    extent = (freqs[0] - step / 2, freqs[-1] + step / 2, len(ch_names) - 0.5, -0.5)
    image = ax.imshow(
        r2,
        aspect="auto",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        extent=extent,
        interpolation="nearest",
    )
    ax.set_yticks(np.arange(len(ch_names)))
    ax.set_yticklabels(ch_names, fontsize=max(4, min(9, int(400 / len(ch_names)))))
    ax.set_xlabel("Frequency (Hz)")
    ax.set_ylabel("Channel")
    ax.set_title(f"{label} per channel and frequency")
    ax.axvline(freqs[f_idx], color="k", lw=0.8, ls="--")
    if selected is not None and selected.any():
        rows, cols = np.nonzero(selected)
        ax.scatter(freqs[cols], rows, s=60, facecolors="none", edgecolors="k", lw=1.5)
    fig.colorbar(image, ax=ax, label=label)

    if topomap:
        _topomap(
            axes[0, 1],
            fig,
            r2[:, f_idx],
            ch_names,
            montage,
            vmin,
            vmax,
            cmap,
            None if selected is None else selected[:, f_idx],
        )
        axes[0, 1].set_title(f"{label} at {freqs[f_idx]:g} Hz")
    fig.suptitle(title)
    return fig


def _topomap(ax, fig, values, ch_names, montage, vmin, vmax, cmap, mask):
    import mne

    if montage is None:
        builtin = mne.channels.get_builtin_montages()
        montage = "colin27_1005" if "colin27_1005" in builtin else "standard_1005"
    info = mne.create_info(ch_names, sfreq=100.0, ch_types="eeg")
    try:
        info.set_montage(montage, match_case=False)
    except ValueError as exc:
        raise ValueError(
            f"Cannot place the channels on the {montage!r} montage ({exc}); pass standard "
            f"10-05 channel names (mne.datasets.eegbci.standardize for EEGMMIDB) or "
            f"topomap=False to draw the heat map only."
        ) from exc
    image, _ = mne.viz.plot_topomap(
        values,
        info,
        axes=ax,
        show=False,
        cmap=cmap,
        vlim=(vmin, vmax),
        mask=mask,
        mask_params=dict(marker="o", markerfacecolor="none", markeredgecolor="k", markersize=8),
    )
    fig.colorbar(image, ax=ax, shrink=0.7)
