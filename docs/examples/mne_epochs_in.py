"""A shipped pipeline on mne.Epochs

Every shipped EEG pipeline starts with ``EpochsToArray`` (the two filter-bank SSVEP
pipelines with ``FilterBank``, which filters ``mne.Epochs`` into their bands), so it takes
the ``mne.Epochs`` an MNE user already has (here read from the bundled EDF files with MNE
alone) as well as neuropipe's arrays, and predicts the same labels from both.
"""

import mne
import numpy as np

from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets import bundled_path, default_pipelines_dir

files = [bundled_path("eegmmidb") / "S001" / f"S001R{run:02d}.edf" for run in (4, 8, 12)]
raw = mne.concatenate_raws([mne.io.read_raw_edf(f, preload=True, verbose="ERROR") for f in files])
raw.filter(8.0, 30.0, method="iir", verbose="ERROR")
events, event_id = mne.events_from_annotations(raw, event_id={"T1": 1, "T2": 2}, verbose="ERROR")
epochs = mne.Epochs(raw, events, event_id, tmin=0.5, tmax=2.5, baseline=None,
                    preload=True, verbose="ERROR")
y = epochs.events[:, 2]

pipeline = load_pipeline_file(default_pipelines_dir() / "ts_lr.py")[0]["pipeline"]
print(pipeline.steps[0])
train, test = np.arange(len(y)) % 3 != 0, np.arange(len(y)) % 3 == 0
from_epochs = pipeline.fit(epochs[train], y[train]).predict(epochs[test])
X = epochs.get_data() * 1e6  # the microvolt arrays neuropipe and MOABB use
from_arrays = pipeline.fit(X[train], y[train]).predict(X[test])
print("same predictions:", bool((from_epochs == from_arrays).all()))
print(f"held-out accuracy: {(from_epochs == y[test]).mean():.3f}")
