"""Burg PSD + R² AutoFeat + LDA: HappyFeat's "PowSpectrumGraz" pipeline, leak-free.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage and rate, band-passed 8-30 Hz.

HappyFeat parity (OpenViBE ``sc2-extract`` / ``sc2-train-composite``):

- Burg AR spectra, order 0.038 s (6 samples at 160 Hz), 0.25 s windows every 0.161 s,
  DC removed, 1 Hz bins, linear power, averaged over the windows of each trial
  (``PSD`` defaults);
- AutoFeat: the 3 channels with the highest R², each at its best frequency
  (``R2Selector(k=3, rule="autofeat")``);
- plain LDA (no shrinkage).

Departures: the spectrum is restricted to 8-30 Hz, the band the epochs were filtered to
(HappyFeat ranks 1 Hz to Nyquist on unfiltered data); HappyFeat's common average
reference and 1-4 s epoch window are the epoching's business. Above all, the selector is
a pipeline step, so every cross-validation fold selects on its own training trials;
HappyFeat selects once on all trials, which is optimistic.

Opt-in reproduction (``"slow": True``, run with ``--include-slow``): a pipeline at chance
does not ship as a default. The leakage report (optimistic vs leak-free, ``"leakage": True``)
still measures its selection step in every benchmark. On the bundled subjects with MOABB's default epochs its
leak-free mean ROC-AUC is 0.535 over S001-S006: above 0.5, below the p < 0.05 threshold of a
six-subject mean (0.558; docs/eeg_accuracy.md). ``psd_r2_cv.py`` (common average reference,
band, log power, rule and size chosen by inner CV) is the HappyFeat-style pipeline to use.
"""

from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

from neuropipe.features.spectral import PSD
from neuropipe.preprocessing import EpochsToArray
from neuropipe.selection import R2Selector

PIPELINE = {
    "name": "PSD+R2+LDA",
    "paradigms": ["LeftRightImagery"],
    "family": "PSD/NS",
    "slow": True,
    "leakage": True,
    "pipeline": make_pipeline(
        EpochsToArray(),
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
        LinearDiscriminantAnalysis(),
    ),
}
