"""CAR + PSD + R² selection + shrinkage LDA, every selection setting chosen by inner CV.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage and rate, band-passed 8-32 Hz
(MOABB's default ``LeftRightImagery`` epochs, 0-3 s).

HappyFeat's "PowSpectrumGraz" workflow (Desbois et al. 2024), leak-free and tuned on
training trials only. HappyFeat re-references to the common average, computes one power
spectrum per channel, and its user picks the features on an R² map (AutoFeat: the best
frequency of the best channels) and the band and size of the selection by eye. Here every
such choice is a parameter of :func:`neuropipe.selection.selection_search`, a
:class:`~sklearn.model_selection.GridSearchCV` on the training folds (3 stratified inner
splits, ROC-AUC):

- band: 8-32 Hz, mu (8-13 Hz) or beta (13-32 Hz);
- power: linear (HappyFeat) or log10;
- rule: HappyFeat's AutoFeat or the plain top-k channel x frequency features by R²;
- number of features: 3 (HappyFeat's default), 10 or 30;

then a Ledoit-Wolf shrinkage LDA (36 training trials, up to 30 correlated features).
Departure from HappyFeat: Welch spectra of the whole 3 s epoch (1 Hz bins) instead of Burg
AR spectra of 0.25 s windows; ``psd_lda.py`` keeps HappyFeat's Burg settings as a
reproduction.

Opt-in (``"slow": True``, ``--include-slow``): at or below chance on two of the six bundled
subjects (0.46 on S003, 0.44 on S005; mean 0.687) and 1.6 CPU s per training fold, where the
untuned ``car_logbp_slda.py`` (0.740, 0.08 CPU s) and ``car_mt_logbp_slda.py`` (0.755, 0.21
CPU s) of the same family never fall below 0.47; the default EEG set keeps pipelines that
score at or below chance (ROC-AUC 0.5) on at most one of the six bundled subjects
(docs/eeg_accuracy.md, "Which pipeline to use").
"""

import numpy as np
from sklearn.pipeline import make_pipeline

from neuropipe.features.spectral import PSD
from neuropipe.preprocessing import CommonAverageReference, EpochsToArray
from neuropipe.selection import selection_search

PIPELINE = {
    "name": "CAR+PSD+R2+sLDA (inner CV)",
    "paradigms": ["LeftRightImagery"],
    "family": "PSD/NS",
    "slow": True,
    "pipeline": make_pipeline(
        EpochsToArray(),
        CommonAverageReference(),
        PSD(method="welch", fmin=8.0, fmax=32.0, fres=1.0),
        selection_search(freqs=np.arange(8.0, 33.0)),
    ),
}
