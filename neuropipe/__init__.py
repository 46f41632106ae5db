"""neuropipe: staged scikit-learn pipelines for EEG/BCI, resting-state fMRI and decoding.

Every stage is a scikit-learn estimator over numpy arrays; see the sub-packages:
``io`` (readers), ``datasets`` (bundled data), ``preprocessing``, ``features``,
``selection``, ``decoders``, ``model_selection`` (splitters and searches), ``evaluation``
(the fold maths), ``benchmark`` (planning, runner, task store, pipeline files) and
``report``. Names are imported on first use, so ``import neuropipe`` is instant.
"""

import importlib

#: Where each public name lives; a name's module is imported on first use (PEP 562), so
#: ``import neuropipe`` (and the command line, which starts with it) loads no scientific
#: library until a stage needs it.
_LAZY = {
    "get_log_level": "._logging",
    "set_log_level": "._logging",
    "DiscriminativeKalmanFilter": ".decoders",
    "KalmanFilterRegressor": ".decoders",
    "NadarayaWatsonRegressor": ".decoders",
    "PSD": ".features",
    "SSVEPCCA": ".features",
    "TRCA": ".features",
    "AugmentedCovariances": ".features",
    "BandPower": ".features",
    "CCACorrelations": ".features",
    "Connectivity": ".features",
    "ConnectivityGraph": ".features",
    "GraphMetrics": ".features",
    "NodeStrength": ".features",
    "load": ".persistence",
    "save": ".persistence",
    "BandPass": ".preprocessing",
    "EpochsToArray": ".preprocessing",
    "FilterBank": ".preprocessing",
    "PickChannels": ".preprocessing",
    "StackBands": ".preprocessing",
    "FisherSelector": ".selection",
    "MutualInfoSelector": ".selection",
    "R2Selector": ".selection",
    "ROIMask": ".selection",
    "ScoreSelector": ".selection",
}


#: Sub-packages reachable as attributes (``neuropipe.features.PSD`` after ``import neuropipe``).
_SUBMODULES = (
    "benchmark",
    "datasets",
    "decoders",
    "ensemble",
    "evaluation",
    "features",
    "harmonization",
    "io",
    "model_selection",
    "persistence",
    "preprocessing",
    "report",
    "selection",
)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'neuropipe' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


__version__ = "0.1.0.dev0"

__all__ = [
    "PSD",
    "AugmentedCovariances",
    "BandPass",
    "BandPower",
    "CCACorrelations",
    "Connectivity",
    "ConnectivityGraph",
    "DiscriminativeKalmanFilter",
    "EpochsToArray",
    "FilterBank",
    "FisherSelector",
    "GraphMetrics",
    "KalmanFilterRegressor",
    "MutualInfoSelector",
    "NadarayaWatsonRegressor",
    "NodeStrength",
    "PickChannels",
    "R2Selector",
    "ROIMask",
    "SSVEPCCA",
    "ScoreSelector",
    "StackBands",
    "TRCA",
    "__version__",
    "get_log_level",
    "load",
    "save",
    "set_log_level",
]
