"""Soft vote of tangent-space, augmented-covariance and log band-power classifiers (fast).

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage whose channels have
10-20 names (at least C3, Cz and C4 of the sensorimotor ones), at any rate,
band-passed 8-32 Hz (MOABB's default ``LeftRightImagery`` epochs, 0-3 s).

Not a pipeline of MOABB, pyRiemann or HappyFeat. The three feature families of
``vote_ts_acm_psd.py``, averaged with equal weights (soft
:class:`~sklearn.ensemble.VotingClassifier`), with the two costly Ledoit-Wolf LDAs on
2080 and 3570 tangent features replaced by L2 logistic regressions (C=1, as in MOABB's
TS+LR), whose fit costs a fraction of a second, so that it can run by default:

- ``ts``: OAS covariance of the 64 channels, tangent space at the Riemannian mean, logistic
  regression;
- ``acm``: augmented covariance (order 4, lag 4 samples, fixed a priori: a 19 ms delay
  embedding over 75 ms, three quarters of a 10 Hz cycle) of the 21 sensorimotor channels,
  OAS-shrunk, tangent space at the log-Euclidean mean, logistic regression;
- ``psd``: common average reference, Welch log-power spectra 8-32 Hz, the 30 channel x
  frequency features of highest R² (on training trials), shrinkage LDA.

Every setting was fixed before it was scored on the bundled subjects (docs/eeg_accuracy.md).

Opt-in (``"slow": True``, ``--include-slow``): on S001-S006 with MOABB's default epochs it
scored a mean ROC-AUC of 0.710, below FgMDM (0.745), TS+SVM (0.732) and TS+LR (0.712), so it
does not earn a place in the default set; kept as the record of a pre-registered attempt.
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from neuropipe.features.augmented import AugmentedCovariances
from neuropipe.features.spectral import PSD
from neuropipe.preprocessing import (
    SENSORIMOTOR,
    CommonAverageReference,
    EpochsToArray,
    PickChannels,
)
from neuropipe.selection import R2Selector

PIPELINE = {
    "name": "Vote(TS+LR, ACM+LR, logPSD)",
    "paradigms": ["LeftRightImagery"],
    "family": "new",
    "slow": True,
    "pipeline": make_pipeline(
        EpochsToArray(),
        VotingClassifier(
            [
                (
                    "ts",
                    make_pipeline(
                        Covariances(estimator="oas"),
                        TangentSpace(metric="riemann"),
                        LogisticRegression(C=1.0, max_iter=1000),
                    ),
                ),
                (
                    "acm",
                    make_pipeline(
                        PickChannels(picks=SENSORIMOTOR, min_channels=3),
                        AugmentedCovariances(order=4, lag=4, estimator="oas"),
                        TangentSpace(metric={"mean": "logeuclid", "map": "riemann"}),
                        LogisticRegression(C=1.0, max_iter=1000),
                    ),
                ),
                (
                    "psd",
                    make_pipeline(
                        CommonAverageReference(),
                        PSD(method="welch", fmin=8.0, fmax=32.0, fres=1.0, log=True),
                        R2Selector(k=30),
                        LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
                    ),
                ),
            ],
            voting="soft",
        ),
    ),
}
