"""Any MOABB dataset by code, and a BIDS dataset

``"moabb:PhysionetMI"`` is MOABB's own dataset and paradigm; it runs offline here because
``install_eegbci_offline`` lays the bundled files out where MNE keeps them. The same
subject written as BIDS (``mne_bids.write_raw_bids``) with a ``neuropipe.toml`` at its
root loads as a dataset too. Both give the same epochs, hence the same score.
"""

import os
import tempfile
from pathlib import Path

import mne
import numpy as np
from mne_bids import BIDSPath, write_raw_bids

from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets import bundled_path, get_dataset
from neuropipe.datasets.moabb_bridge import install_eegbci_offline
from neuropipe.evaluation.paradigms import evaluate

work = Path(tempfile.mkdtemp())
install_eegbci_offline(work / "mne_data")  # sets MNE_DATASETS_EEGBCI_PATH for this process
os.environ["MNE_DATA"] = str(work / "mne_data")
physionet = get_dataset("moabb:PhysionetMI")
print(physionet.name, list(physionet.paradigms), f"{len(physionet.subjects)} subjects")
from_moabb = physionet.load(subjects=[1], paradigm="LeftRightImagery")

root = work / "bids"
for run in (4, 8, 12):
    raw = mne.io.read_raw_edf(bundled_path("eegmmidb") / "S001" / f"S001R{run:02d}.edf",
                              verbose="ERROR")
    write_raw_bids(raw, BIDSPath(subject="001", task="imagery", run=run, root=root),
                   verbose=False)
(root / "neuropipe.toml").write_text(
    'paradigm = "LeftRightImagery"\ninterval = [0.0, 3.0]\nband = [8.0, 32.0]\n'
    '[events]\nT1 = "left_hand"\nT2 = "right_hand"\n'
)
from_bids = get_dataset(root).load(subjects=[1])
print("same epochs:", np.allclose(from_moabb.X, from_bids.X, atol=1e-6))

pipeline = {"TS+LR": load_pipeline_file("pipelines/ts_lr.py")[0]["pipeline"]}
for name, data in (("moabb", from_moabb), ("bids", from_bids)):
    score = evaluate("within-session", pipeline, data, name)["score"].iloc[0]
    print(f"{name}: TS+LR within-session ROC AUC {score:.3f}")
