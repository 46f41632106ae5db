"""Figure of true vs decoded states."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from neuropipe.decoders import plot_decoded


def test_plot_decoded_draws_every_series():
    t = np.arange(100)
    y = np.c_[np.sin(t / 10), np.cos(t / 10)]
    preds = {"KF": 0.5 * y, "DKF": 0.9 * y}
    fig = plot_decoded(y, preds, bin_size=0.1, state_names=["vx", "vy"], start=10, n_bins=50)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    lines = fig.axes[1].get_lines()
    assert [ln.get_label() for ln in lines] == ["true", "KF", "DKF"]
    np.testing.assert_allclose(lines[2].get_xdata(), t[10:60] * 0.1)
    np.testing.assert_allclose(lines[2].get_ydata(), 0.9 * y[10:60, 1])
    assert fig.axes[1].get_xlabel() == "time (s)" and fig.axes[0].get_ylabel() == "vx"


def test_plot_decoded_errors():
    y = np.zeros((10, 2))
    with pytest.raises(ValueError, match=r"'decoded' have shape \(9, 2\)"):
        plot_decoded(y, y[:-1])
    with pytest.raises(ValueError, match="Got 1 state_names for 2 states"):
        plot_decoded(y, y, state_names=["vx"])
