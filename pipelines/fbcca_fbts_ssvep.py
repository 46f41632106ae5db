"""FBCCA + harmonic filter-bank tangent space, soft vote: the best SSVEP pipeline.

Input: epochs ``(n_epochs, n_channels, n_times)`` at any rate (MOABB's ``SSVEP`` paradigm;
on the SSVEP exoskeleton set 8 occipital channels at 256 Hz, 2-4 s, 7-45 Hz). Two models
of different evidence, averaged:

- ``fbcca``: filter-bank CCA scores + logistic regression (``fbcca_lr_ssvep.py``): how
  much each epoch locks onto 13/17/21 Hz references, phase-blind, 3 features;
- ``fbts``: the covariance of the epoch band-passed around every stimulus frequency
  and its 2nd harmonic (13, 17, 21, 26, 34, 42 Hz; 6 bands x 8 channels stacked, the
  extended signal of Kalunga et al. 2016 with harmonics), OAS-shrunk, in the tangent
  space, logistic regression: the spatial pattern of the response.

Each gives class probabilities; the vote averages them (equal weights, soft voting):
no setting is fitted on held-out data. Settings by principle: bands +-2 Hz, the widest
that do not overlap (the closest harmonics, 13/17/21 Hz, are 4 Hz apart), so the
zero-phase filters settle quickly within the 2 s epochs; 2 harmonics, the most below the
45 Hz edge; Chen et al.'s sub-bands and weights for FBCCA; C = 1 for both regressions.
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.ssvep import CCACorrelations, harmonic_bands
from neuropipe.preprocessing import EpochsToArray, FilterBank, StackBands

FREQS = [13.0, 17.0, 21.0]
#: Chen et al. (2015) sub-bands: lower edges m * 8 Hz, up to the epochs' band edge.
SUBBANDS = [(8.0 * m, 44.0) for m in range(1, 6)]

PIPELINE = {
    "name": "FBCCA+FBTS",
    "paradigms": ["SSVEP"],
    "pipeline": make_pipeline(
        EpochsToArray(),
        VotingClassifier(
            [
                (
                    "fbcca",
                    make_pipeline(
                        CCACorrelations(freqs=FREQS, n_harmonics=2, bands=SUBBANDS, weights="chen"),
                        StandardScaler(),
                        LogisticRegression(C=1.0, max_iter=1000),
                    ),
                ),
                (
                    "fbts",
                    make_pipeline(
                        FilterBank(bands=harmonic_bands(FREQS, 2, half_width=2.0, h_freq=45.0)),
                        StackBands(),
                        Covariances(estimator="oas"),
                        TangentSpace(metric="riemann"),
                        LogisticRegression(C=1.0, max_iter=1000),
                    ),
                ),
            ],
            voting="soft",
        ),
    ),
}
