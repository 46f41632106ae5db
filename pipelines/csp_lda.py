"""CSP + LDA: the classic motor-imagery baseline (as MOABB's ``CSP.yml``).

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``. Eight CSP filters
(log-variance features) feed a linear discriminant.
"""

from mne.decoding import CSP
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "CSP+LDA",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "family": "baseline",
    "pipeline": make_pipeline(EpochsToArray(), CSP(n_components=8), LinearDiscriminantAnalysis()),
}
