"""Band power of mne.Epochs, flat features, LDA

``BandPower(flatten=True)`` gives ``(n_epochs, n_channels * n_bands)`` features that a
classifier takes directly (no ``Vectorizer``), and it takes ``mne.Epochs`` (volts) as
well as microvolt arrays: both give the same features and the same score.
"""

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from neuropipe.datasets import load_dataset
from neuropipe.features import BandPower

data = load_dataset("eegmmidb-leftright", subjects=[1])
pipeline = make_pipeline(
    BandPower(sfreq=data.sfreq, bands=("mu", "beta"), log=True, flatten=True),
    LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
)
on_arrays = cross_val_score(pipeline, data.X, data.y, cv=5)
on_epochs = cross_val_score(pipeline, data.to_mne(), data.y, cv=5)
print(f"accuracy, arrays in:     {on_arrays.mean():.3f}")
print(f"accuracy, mne.Epochs in: {on_epochs.mean():.3f}")
assert np.allclose(on_arrays, on_epochs)
