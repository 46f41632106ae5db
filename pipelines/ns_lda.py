"""|ImCoh| node strength + R² AutoFeat + LDA: HappyFeat's "Connectivity" pipeline, leak-free.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage and rate, band-passed 8-30 Hz.

HappyFeat parity (OpenViBE "Connectivity Measure" box, Cattai et al. 2021):

- absolute imaginary coherence between every channel pair, 0.25 s windows every 0.161 s
  (36% overlap), 1 Hz bins, zero diagonal;
- node strength: each channel's mean connectivity with all channels (divisor N);
- AutoFeat: the 3 channels with the highest R², each at its best frequency;
- plain LDA (no shrinkage).

Opt-in reproduction (``"slow": True``, run with ``--include-slow``): on the bundled
subjects with MOABB's default epochs it does not beat chance (mean ROC-AUC 0.485 over
S001-S006, docs/eeg_accuracy.md): three single-frequency node strengths of the raw
64-channel montage, chosen on 36 trials, carry too little of the lateralised mu/beta
desynchronisation. ``ns_r2_cv.py`` is the default node-strength pipeline (common average
reference, band, log, rule and size chosen by inner CV).

Departures: cross-spectra come from Hann-windowed FFTs of the windows (zero-padded to
1 Hz bins) instead of HappyFeat's bivariate Burg MVAR per channel pair; the range is
8-30 Hz, the band the epochs were filtered to. Selection happens inside each
cross-validation fold, not once on all trials.
"""

from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

from neuropipe.features.connectivity import Connectivity, NodeStrength
from neuropipe.preprocessing import EpochsToArray
from neuropipe.selection import R2Selector

PIPELINE = {
    "name": "NS+R2+LDA",
    "paradigms": ["LeftRightImagery"],
    "family": "PSD/NS",
    "slow": True,
    "pipeline": make_pipeline(
        EpochsToArray(),
        Connectivity(metric="abs_imcoh", fmin=8.0, fmax=30.0, fres=1.0, window=0.25, step=0.161),
        NodeStrength(),
        R2Selector(k=3, rule="autofeat"),
        LinearDiscriminantAnalysis(),
    ),
}
