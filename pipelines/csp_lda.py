"""CSP + LDA: the classic motor-imagery baseline (as MOABB's ``CSP.yml``).

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``. Eight CSP filters
(log-variance features) feed a linear discriminant.
"""

from mne.decoding import CSP
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

PIPELINE = {
    "name": "CSP+LDA",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "family": "baseline",
    "pipeline": make_pipeline(CSP(n_components=8), LinearDiscriminantAnalysis()),
}
