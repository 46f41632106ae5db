"""neuropipe: staged scikit-learn pipelines for EEG/BCI, resting-state fMRI and decoding.

Every stage is a scikit-learn estimator over numpy arrays; see the sub-packages:
``io`` (readers), ``datasets`` (bundled data), ``preprocessing``, ``features``,
``selection``, ``decoders``, ``evaluation`` and ``report``.
"""

from ._logging import get_log_level, set_log_level
from .decoders import DiscriminativeKalmanFilter, KalmanFilterRegressor, NadarayaWatsonRegressor
from .features import (
    PSD,
    SSVEPCCA,
    TRCA,
    AugmentedCovariances,
    BandPower,
    CCACorrelations,
    Connectivity,
    ConnectivityGraph,
    GraphMetrics,
    NodeStrength,
)
from .persistence import load, save
from .preprocessing import BandPass, EpochsToArray, FilterBank, PickChannels, StackBands
from .selection import FisherSelector, MutualInfoSelector, R2Selector, ROIMask, ScoreSelector

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
