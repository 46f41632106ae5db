"""Filter-bank CCA scores + logistic regression for SSVEP.

Input: epochs ``(n_epochs, 8, n_times)`` at 256 Hz (MOABB's ``SSVEP`` paradigm on the
SSVEP exoskeleton set: 2-4 s, 7-45 Hz). The three filter-bank CCA scores of Chen et al.
(2015) (13, 17 and 21 Hz, 2 harmonics, sub-bands ``[m * 8, 44]`` Hz for m = 1..5, fused
with ``m ** -1.25 + 0.25``; see ``fbcca_ssvep.py``) are standardised and classified by a
logistic regression (C = 1, scikit-learn's default), which learns how each subject's
scores separate the four classes, "rest" included, instead of a rule (argmax plus
threshold).
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.ssvep import CCACorrelations
from neuropipe.preprocessing import EpochsToArray

#: Chen et al. (2015) sub-bands: lower edges m * 8 Hz, up to the epochs' band edge.
SUBBANDS = [(8.0 * m, 44.0) for m in range(1, 6)]

PIPELINE = {
    "name": "FBCCA+LR",
    "paradigms": ["SSVEP"],
    "pipeline": make_pipeline(
        EpochsToArray(),
        CCACorrelations(freqs=[13.0, 17.0, 21.0], n_harmonics=2, bands=SUBBANDS, weights="chen"),
        StandardScaler(),
        LogisticRegression(C=1.0, max_iter=1000),
    ),
}
