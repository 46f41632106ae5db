"""Figures and the HTML report of a benchmark results folder (``neuropipe report RESULTS_DIR``).

The report reads result tables and the task artifacts stored with them; it fits nothing.
"""

from ..evaluation.statistics import pairwise_statistics
from .figures import (
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
