"""Filter-bank MDM for SSVEP: MOABB's ``MDM-SSVEP`` pipeline (Kalunga et al. 2016).

Input: filter-bank epochs ``(n_epochs, n_channels, n_times, n_bands)``, one band of
+-0.5 Hz around each stimulation frequency (MOABB's ``FilterBankSSVEP``, filtered on the
continuous recording), which the first step passes through unchanged; or ``mne.Epochs``
whose events are named by their frequency ("13", "17", "21"; others such as "rest" are
classes without a band), which it filters within each epoch into the same bands with
MOABB's filter (MNE's IIR, order 4), edge effects included (docs/datasets.md: 0.626 vs
0.708 on MOABB's arrays). The bands are stacked as channels (MOABB's
``ExtendedSSVEPSignal``), the OAS covariance of this extended signal is computed and
each epoch goes to the class whose Riemannian mean is nearest (minimum distance to mean).
Same steps and settings as MOABB's ``pipelines/MDM-SSVEP.yml`` (``ExtendedSSVEPSignal``,
``Covariances(estimator="oas")``, ``MDM(metric="riemann")``), the "FB-MDM" of MOABB's
published SSVEP benchmark.
"""

from pyriemann.classification import MDM
from pyriemann.estimation import Covariances
from sklearn.pipeline import make_pipeline

from neuropipe.preprocessing import FilterBank, StackBands

PIPELINE = {
    "name": "FB-MDM",
    "paradigms": ["FilterBankSSVEP"],
    "pipeline": make_pipeline(
        FilterBank(bands=None, method="mne"),
        StackBands(),
        Covariances(estimator="oas"),
        MDM(metric="riemann"),
    ),
}
