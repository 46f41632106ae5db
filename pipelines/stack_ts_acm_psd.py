"""Stacked ensemble of tangent space, augmented covariance and band-power classifiers.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage whose channels have
10-20 names (at least C3, Cz and C4 of the sensorimotor ones), at any rate,
band-passed 8-32 Hz (MOABB's default ``LeftRightImagery`` epochs, 0-3 s).

Not a pipeline of MOABB, pyRiemann or HappyFeat. Three feature families that see different
things in the same epochs:

- ``ts``: OAS covariance of the 64 channels, tangent space at the Riemannian mean, linear
  SVM (C=1; MOABB's TS+SVM): spatial patterns of broadband power;
- ``acm``: augmented covariance (order 4, lag 4 samples, i.e. a 19 ms delay embedding over
  75 ms, three quarters of a 10 Hz cycle, fixed a priori) of the 21 sensorimotor channels,
  OAS-shrunk, tangent space at the log-Euclidean mean, linear SVM: phase structure of the
  mu rhythm;
- ``psd``: common average reference, Welch log-power spectra 8-32 Hz, the 30 channel x
  frequency features of highest R², shrinkage LDA: spectral detail per channel.

A :class:`~sklearn.ensemble.StackingClassifier` fits a logistic regression on the three
classifiers' decision values over 5 inner stratified folds of the training trials, then
refits the three on all training trials: the weights of the families are learned per subject
without touching the test fold.

Opt-in (``"slow": True``, ``--include-slow``): 2.4 CPU s per training fold, and on the
bundled subjects with MOABB's default epochs (mean ROC-AUC 0.720 over S001-S006,
docs/eeg_accuracy.md) it does not beat its own tangent-space member (TS+SVM, 0.738): with
36 training trials the learned family weights are noisy. ``vote_ts_acm_psd.py`` averages the
families with fixed equal weights instead.
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

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
    "name": "Stack(TS, ACM, logPSD)",
    "paradigms": ["LeftRightImagery"],
    "slow": True,
    "family": "new",
    "pipeline": make_pipeline(
        EpochsToArray(),
        StackingClassifier(
            [
                (
                    "ts",
                    make_pipeline(
                        Covariances(estimator="oas"),
                        TangentSpace(metric="riemann"),
                        SVC(kernel="linear"),
                    ),
                ),
                (
                    "acm",
                    make_pipeline(
                        PickChannels(picks=SENSORIMOTOR, min_channels=3),
                        AugmentedCovariances(order=4, lag=4, estimator="oas"),
                        TangentSpace(metric={"mean": "logeuclid", "map": "riemann"}),
                        SVC(kernel="linear"),
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
            final_estimator=LogisticRegression(),
            cv=StratifiedKFold(5, shuffle=True, random_state=42),
        ),
    ),
}
