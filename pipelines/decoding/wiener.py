"""Wiener filter: ridge regression on 13 bins of spike history (current + 12 previous)."""

from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import SpikeHistory

PIPELINE = {
    "name": "Wiener",
    "paradigms": ["decoding"],
    "pipeline": make_pipeline(SpikeHistory(bins_before=12), StandardScaler(), Ridge(alpha=1.0)),
}
