"""CAR + log band power (mu, beta) of every channel + shrinkage LDA.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage and rate, band-passed 8-32 Hz
(MOABB's default ``LeftRightImagery`` epochs, 0-3 s).

PSD family, the Graz band-power design in HappyFeat's spirit (Pfurtscheller's ERD/ERS
features): common average reference, log10 Welch power averaged over the mu (8-13 Hz)
and beta (13-30 Hz) bands, for all 64 channels (128 features), and a Ledoit-Wolf
shrinkage LDA on all of them, with no selection to tune: averaging over a band lowers the
variance of a 3 s spectrum, the log makes band power close to Gaussian (what LDA assumes),
and the shrinkage weighs the 128 correlated features for 36 training trials.

Fixed by principle before it was scored (docs/eeg_accuracy.md lists every variant of
this family with its score). Cost: well under 1 CPU s per training fold.
"""

from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

from neuropipe.features.spectral import BandPower
from neuropipe.preprocessing import CommonAverageReference, EpochsToArray

PIPELINE = {
    "name": "CAR+logBP(mu,beta)+sLDA",
    "paradigms": ["LeftRightImagery"],
    "family": "PSD/NS",
    "pipeline": make_pipeline(
        EpochsToArray(),
        CommonAverageReference(),
        BandPower(bands=("mu", "beta"), method="welch", log=True, flatten=True),
        LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    ),
}
