"""CAR + |ImCoh| node strength + R² selection + shrinkage LDA, settings chosen by inner CV.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage and rate, band-passed 8-32 Hz
(MOABB's default ``LeftRightImagery`` epochs, 0-3 s).

HappyFeat's "Connectivity" workflow (Cattai et al. 2021; Desbois et al. 2024), leak-free
and tuned on training trials only: common average reference (as HappyFeat), absolute
imaginary coherence between every channel pair (0.25 s Hann windows every 0.161 s, 1 Hz
bins), node strength of each channel, then :func:`neuropipe.selection.selection_search`
chooses on the training folds (3 stratified inner splits, ROC-AUC) the band (8-32, 8-13 or
13-32 Hz), linear or log10 strength, AutoFeat or top-k R², and 3, 10 or 30 features, before
a Ledoit-Wolf shrinkage LDA. ``ns_lda.py`` keeps HappyFeat's fixed settings (3 AutoFeat
features, plain LDA) as a reproduction.

Opt-in (``"slow": True``, ``--include-slow``): on the bundled subjects (MOABB's default
epochs) its mean ROC-AUC, 0.548 over S001-S006, is above 0.5 but below the p < 0.05 chance
threshold of a six-subject mean (0.558), for 1.8 CPU s per training fold
(docs/eeg_accuracy.md). Imaginary coherence discards the zero-lag coupling that volume
conduction spreads over the scalp, and with it most of the lateralised power change that
motor imagery produces; ``psd_r2_cv.py`` is the default HappyFeat-style pipeline.
"""

import numpy as np
from sklearn.pipeline import make_pipeline

from neuropipe.features.connectivity import Connectivity, NodeStrength
from neuropipe.preprocessing import CommonAverageReference, EpochsToArray
from neuropipe.selection import selection_search

PIPELINE = {
    "name": "CAR+NS+R2+sLDA (inner CV)",
    "paradigms": ["LeftRightImagery"],
    "slow": True,
    "family": "PSD/NS",
    "pipeline": make_pipeline(
        EpochsToArray(),
        CommonAverageReference(),
        Connectivity(metric="abs_imcoh", fmin=8.0, fmax=32.0, fres=1.0, window=0.25, step=0.161),
        NodeStrength(),
        selection_search(freqs=np.arange(8.0, 33.0)),
    ),
}
