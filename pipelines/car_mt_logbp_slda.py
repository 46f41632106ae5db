"""CAR + multitaper log power in six 4 Hz bands (8-32 Hz) of every channel + shrinkage LDA.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage and rate, band-passed 8-32 Hz
(MOABB's default ``LeftRightImagery`` epochs, 0-3 s).

PSD family, HappyFeat's per-channel spectra with a lower-variance estimator: common average
reference, multitaper spectra of the whole epoch (MNE's DPSS tapers, default bandwidth),
log10 power averaged in six contiguous 4 Hz bands from 8 to 32 Hz (384 features: finer than
mu/beta, so individual alpha/beta peaks are kept, coarser than 1 Hz bins, whose single-trial
estimates are noisy), and a Ledoit-Wolf shrinkage LDA on all of them with no selection to
tune.

Fixed by principle before it was scored (docs/eeg_accuracy.md lists every variant of
this family with its score).
"""

from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

from neuropipe.features.spectral import BandPower
from neuropipe.preprocessing import CommonAverageReference, EpochsToArray

BANDS = {f"{lo}-{lo + 4}Hz": (float(lo), float(lo + 4)) for lo in range(8, 32, 4)}

PIPELINE = {
    "name": "CAR+MT-logBP(4 Hz)+sLDA",
    "paradigms": ["LeftRightImagery"],
    "family": "PSD/NS",
    "pipeline": make_pipeline(
        EpochsToArray(),
        CommonAverageReference(),
        BandPower(bands=BANDS, method="multitaper", log=True, flatten=True),
        LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    ),
}
