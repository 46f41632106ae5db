"""Feature stages: spectra, connectivity, augmented covariances, graph metrics, SSVEP."""

from .augmented import AugmentedCovariances, augmented_covariances
from .connectivity import Connectivity, NodeStrength, node_strength, spectral_connectivity
from .embedding import AutoAugmentedCovariances
from .graph import (
    ConnectivityGraph,
    EdgeVector,
    GraphMetrics,
    graph_metrics,
    square_participation,
    triangle_participation,
)
from .spectral import PSD, BandPower, psd_array
from .ssvep import SSVEPCCA, TRCA, CCACorrelations, canonical_correlations

__all__ = [
    "PSD",
    "AugmentedCovariances",
    "AutoAugmentedCovariances",
    "BandPower",
    "CCACorrelations",
    "Connectivity",
    "ConnectivityGraph",
    "EdgeVector",
    "GraphMetrics",
    "NodeStrength",
    "SSVEPCCA",
    "TRCA",
    "augmented_covariances",
    "canonical_correlations",
    "graph_metrics",
    "node_strength",
    "psd_array",
    "spectral_connectivity",
    "square_participation",
    "triangle_participation",
]
