"""Feature stages: spectra, connectivity, augmented covariances, graph metrics, SSVEP,
common spatial patterns, the tangent connectome and the Fisher geodesic filter.

Every estimator class names this package as its module (``neuropipe.features.PSD``),
the path saved models record and the one to import it from.
"""

import importlib

#: Where each public name lives; its module is imported on first use (PEP 562), so a pipeline
#: that needs one stage (``neuropipe.features.spectral``) does not load the others' libraries.
_LAZY = {
    "AugmentedCovariances": "augmented",
    "augmented_covariances": "augmented",
    "Connectivity": "connectivity",
    "NodeStrength": "connectivity",
    "node_strength": "connectivity",
    "spectral_connectivity": "connectivity",
    "CSP": "spatial",
    "AutoAugmentedCovariances": "embedding",
    "TangentConnectome": "connectome",
    "FisherGeodesicFilter": "geodesic",
    "ConnectivityGraph": "graph",
    "DensityIntegratedMetrics": "graph",
    "EdgeVector": "graph",
    "GraphMetrics": "graph",
    "graph_metrics": "graph",
    "square_participation": "graph",
    "triangle_participation": "graph",
    "PSD": "spectral",
    "BandPower": "spectral",
    "psd_array": "spectral",
    "SSVEPCCA": "ssvep",
    "TRCA": "ssvep",
    "CCACorrelations": "ssvep",
    "canonical_correlations": "ssvep",
}

__all__ = [
    "CSP",
    "PSD",
    "AugmentedCovariances",
    "AutoAugmentedCovariances",
    "BandPower",
    "CCACorrelations",
    "Connectivity",
    "ConnectivityGraph",
    "DensityIntegratedMetrics",
    "EdgeVector",
    "FisherGeodesicFilter",
    "GraphMetrics",
    "NodeStrength",
    "SSVEPCCA",
    "TRCA",
    "TangentConnectome",
    "augmented_covariances",
    "canonical_correlations",
    "graph_metrics",
    "node_strength",
    "psd_array",
    "spectral_connectivity",
    "square_participation",
    "triangle_participation",
]


def __getattr__(name):
    # not cached in this module's namespace: a class's doctests then run once, from its
    # own module (neuropipe._docs.public_module), not a second time from this package
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
