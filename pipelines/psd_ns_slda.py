"""Burg PSD and |ImCoh| node strength, each with R² AutoFeat, + shrinkage LDA.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage and rate, band-passed 8-30 Hz.

HappyFeat's "Psd+Connect" mixed pipeline: AutoFeat runs separately on the PSD map and on
the node-strength map (3 channel/frequency pairs each, as in ``psd_lda.py`` and
``ns_lda.py``) and the 6 features feed one LDA. Departures from parity: the LDA uses
Ledoit-Wolf shrinkage (``solver="lsqr", shrinkage="auto"``), which suits 20-odd trials per
class and features of different scales better than HappyFeat's plain LDA; the PSD and NS
selections happen inside each cross-validation fold.

A reproduction: on the bundled subjects with MOABB's default epochs its mean ROC-AUC is
0.512 over S001-S006 (above 0.5, below the p < 0.05 threshold of a six-subject mean, 0.558;
docs/eeg_accuracy.md); its node-strength half is at chance (``ns_lda.py``). Use
``psd_r2_cv.py``. Opt-in (``"slow": True``, run with ``--include-slow``): a pipeline at
chance does not ship as a default; the leakage report still measures it (``"leakage": True``).
"""

from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import FeatureUnion, make_pipeline

from neuropipe.features.connectivity import Connectivity, NodeStrength
from neuropipe.features.spectral import PSD
from neuropipe.preprocessing import EpochsToArray
from neuropipe.selection import R2Selector

PIPELINE = {
    "name": "PSD+NS+R2+sLDA",
    "paradigms": ["LeftRightImagery"],
    "family": "PSD/NS",
    "slow": True,
    "leakage": True,
    "pipeline": make_pipeline(
        EpochsToArray(),
        FeatureUnion(
            [
                (
                    "psd",
                    make_pipeline(
                        PSD(
                            method="burg",
                            fmin=8.0,
                            fmax=30.0,
                            fres=1.0,
                            order=0.038,
                            window=0.25,
                            step=0.161,
                        ),
                        R2Selector(k=3, rule="autofeat"),
                    ),
                ),
                (
                    "ns",
                    make_pipeline(
                        Connectivity(
                            metric="abs_imcoh",
                            fmin=8.0,
                            fmax=30.0,
                            fres=1.0,
                            window=0.25,
                            step=0.161,
                        ),
                        NodeStrength(),
                        R2Selector(k=3, rule="autofeat"),
                    ),
                ),
            ]
        ),
        LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    ),
}
