"""CAR + log PSD + top-k R² (k up to all features, by inner CV) + shrinkage LDA.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage and rate, band-passed 8-32 Hz
(MOABB's default ``LeftRightImagery`` epochs, 0-3 s).

PSD family: ``psd_r2_cv.py``'s search restricted to what a shrinkage LDA can use, and
widened to large selections: common average reference, Welch spectra 8-32 Hz (1 Hz bins,
64 x 25 = 1600 features), log10 power, the top-k channel x frequency features by R² on
the training trials with k in {30, 100, 300, 1600} (1600: no selection), chosen by
:func:`neuropipe.selection.selection_search` (3 stratified inner splits of the training
trials, ROC-AUC), then a Ledoit-Wolf shrinkage LDA. The shrinkage, not the selection, does
the regularisation when k is large, so the inner CV can trade selection noise against
shrinkage.

Fixed by principle before it was scored (docs/eeg_accuracy.md lists every variant of
this family with its score).

Opt-in (``"slow": True``, ``--include-slow``): 4.6 CPU s per training fold (13 shrinkage
LDAs on up to 1600 features per fold), two orders of magnitude more than the untuned
band-power variants (``car_mt_logbp_slda.py``, ``car_logbp_slda.py``) that keep the PSD
family in the default set.
"""

import numpy as np
from sklearn.pipeline import make_pipeline

from neuropipe.features.spectral import PSD
from neuropipe.preprocessing import CommonAverageReference, EpochsToArray
from neuropipe.selection import selection_search

PIPELINE = {
    "name": "CAR+logPSD+topk+sLDA (k by inner CV)",
    "paradigms": ["LeftRightImagery"],
    "family": "PSD/NS",
    "slow": True,
    "pipeline": make_pipeline(
        EpochsToArray(),
        CommonAverageReference(),
        PSD(method="welch", fmin=8.0, fmax=32.0, fres=1.0, log=True),
        selection_search(
            freqs=np.arange(8.0, 33.0),
            bands=(None,),
            ks=(30, 100, 300, 1600),
            rules=("topk",),
            log=(False,),  # the spectra are already log10 power (PSD(log=True))
        ),
    ),
}
