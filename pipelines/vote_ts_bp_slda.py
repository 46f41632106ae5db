"""Soft vote of a sensorimotor tangent-space LDA and a whole-scalp band-power LDA.

Input: epochs ``(n_epochs, 64, n_times)`` at 160 Hz with EEGMMIDB's channel names,
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
from neuropipe.preprocessing import CommonAverageReference, EpochsToArray, PickChannels

EEGMMIDB_CHANNELS = (
    "FC5 FC3 FC1 FCz FC2 FC4 FC6 C5 C3 C1 Cz C2 C4 C6 CP5 CP3 CP1 CPz CP2 CP4 CP6 "
    "Fp1 Fpz Fp2 AF7 AF3 AFz AF4 AF8 F7 F5 F3 F1 Fz F2 F4 F6 F8 FT7 FT8 T7 T8 T9 T10 "
    "TP7 TP8 P7 P5 P3 P1 Pz P2 P4 P6 P8 PO7 PO3 POz PO4 PO8 O1 Oz O2 Iz"
).split()
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
                        PickChannels(EEGMMIDB_CHANNELS, EEGMMIDB_CHANNELS[:21]),
                        Covariances(estimator="oas"),
                        TangentSpace(metric="riemann"),
                        _slda(),
                    ),
                ),
                (
                    "bp",
                    make_pipeline(
                        CommonAverageReference(),
                        BandPower(
                            sfreq=160.0, bands=BANDS, method="multitaper", log=True, flatten=True
                        ),
                        _slda(),
                    ),
                ),
            ],
            voting="soft",
        ),
    ),
}
