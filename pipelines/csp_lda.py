"""CSP + LDA: the classic motor-imagery baseline (as MOABB's ``CSP.yml``).

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``. Eight CSP filters
(log-variance features) feed a linear discriminant. The CSP is
:class:`neuropipe.features.CSP`: MNE's ``CSP(n_components=8)`` filters without MNE's
SVD of the training epochs at every fit (same filters up to rounding, same scores).

Opt-in (``"slow": True``, ``--include-slow``), kept as MOABB's classic reference: on MOABB's
default epochs (0-3 s, 8-32 Hz) of the bundled subjects it scores at or below chance on
three of six (0.43, 0.47 and 0.50 on S003, S005 and S006; mean 0.635, the lowest of the
baselines), and the default EEG set keeps pipelines that score at or below chance (ROC-AUC
0.5) on at most one of the six bundled subjects (docs/eeg_accuracy.md, "Which pipeline to
use").
"""

from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

from neuropipe.features import CSP
from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "CSP+LDA",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "family": "baseline",
    "slow": True,
    "pipeline": make_pipeline(EpochsToArray(), CSP(n_components=8), LinearDiscriminantAnalysis()),
}
