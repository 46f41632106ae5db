"""Figures and the HTML report of a benchmark (``neuropipe report RESULTS_DIR``)."""

from .figures import (
    pairwise_statistics,
    pipeline_palette,
    plot_confusion,
    plot_decoded_trajectories,
    plot_decoding_scores,
    plot_fit_time,
    plot_leakage,
    plot_pairwise,
    plot_r2_maps,
    plot_scores,
)
from .html import make_report
from .r2map import plot_r2_map

__all__ = [
    "make_report",
    "plot_r2_map",
    "pipeline_palette",
    "plot_scores",
    "pairwise_statistics",
    "plot_pairwise",
    "plot_fit_time",
    "plot_leakage",
    "plot_decoding_scores",
    "plot_decoded_trajectories",
    "plot_r2_maps",
    "plot_confusion",
]
