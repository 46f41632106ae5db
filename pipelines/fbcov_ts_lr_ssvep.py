"""Filter-bank covariance + tangent space + logistic regression for SSVEP.

Input: filter-bank epochs ``(n_epochs, n_channels, n_times, n_bands)``, one band of
+-0.5 Hz around each stimulation frequency (MOABB's ``FilterBankSSVEP``), passed through
unchanged by the first step; or ``mne.Epochs`` with frequency-named events, filtered
within each epoch into the same bands with MOABB's filter (as in ``fb_mdm_ssvep.py``,
edge effects included: docs/datasets.md, 0.633 vs 0.706 on MOABB's arrays). The bands
are stacked as channels and the covariance of this extended signal (Kalunga et al. 2016)
is classified in the tangent space.
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from neuropipe.preprocessing import FilterBank, StackBands

PIPELINE = {
    "name": "FBCov+TS+LR",
    "paradigms": ["FilterBankSSVEP"],
    "pipeline": make_pipeline(
        FilterBank(bands=None, method="mne"),
        StackBands(),
        Covariances(estimator="oas"),
        TangentSpace(metric="riemann"),
        LogisticRegression(C=1.0, max_iter=1000),
    ),
}
