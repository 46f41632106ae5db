"""Soft vote of a sensorimotor tangent-space LDA and a whole-scalp band-power LDA.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage whose channels have
10-20 names (at least C3, Cz and C4 of the sensorimotor ones), at any rate,
band-passed 8-32 Hz (MOABB's default ``LeftRightImagery`` epochs, 0-3 s).

Not a pipeline of MOABB, pyRiemann or HappyFeat. Two feature families, each ending in the
same Ledoit-Wolf shrinkage LDA, so that their posterior probabilities are on one scale and
an equal-weight soft vote (:class:`~sklearn.ensemble.VotingClassifier`) needs no learned
weights (36 training trials):

- ``ts``: OAS covariance of the 21 sensorimotor channels (FC5-FC6, C5-C6, CP5-CP6),
  tangent space at the Riemannian mean (231 features), shrinkage LDA: the spatial
  pattern over the motor strip (FgMDM's discriminant, on the channels where hand imagery
  desynchronises; 21 channels keep the LDA cheap, 64 would give 2080 features and a
  3 CPU s fit);
- ``bp``: common average reference, multitaper log power in six 4 Hz bands from 8 to
  32 Hz of all 64 channels (384 features), shrinkage LDA (``car_mt_logbp_slda.py``).

**Designed after a look**: its two members were chosen after the second round of
docs/eeg_accuracy.md had scored ``car_mt_logbp_slda.py`` (0.755) and the pre-registered fast
vote ``vote_fast.py`` (0.710, below FgMDM) on the same six subjects; its own score there is
therefore optimistic (see the disclosure in docs/eeg_accuracy.md).
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import make_pipeline

from neuropipe.features.spectral import BandPower
from neuropipe.preprocessing import (
    SENSORIMOTOR,
    CommonAverageReference,
    EpochsToArray,
    PickChannels,
)

BANDS = {f"{lo}-{lo + 4}Hz": (float(lo), float(lo + 4)) for lo in range(8, 32, 4)}


def _slda():
    return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")


PIPELINE = {
    "name": "Vote(TS-SM+sLDA, MT-logBP+sLDA)",
    "paradigms": ["LeftRightImagery"],
    "family": "new",
    "pipeline": make_pipeline(
        EpochsToArray(),
        VotingClassifier(
            [
                (
                    "ts",
                    make_pipeline(
                        PickChannels(picks=SENSORIMOTOR, min_channels=3),
                        Covariances(estimator="oas"),
                        TangentSpace(metric="riemann"),
                        _slda(),
                    ),
                ),
                (
                    "bp",
                    make_pipeline(
                        CommonAverageReference(),
                        BandPower(bands=BANDS, method="multitaper", log=True, flatten=True),
                        _slda(),
                    ),
                ),
            ],
            voting="soft",
        ),
    ),
}
