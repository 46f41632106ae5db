"""The filter-bank SSVEP pipelines on MOABB's arrays vs on epochs filtered within each epoch.

FB-MDM (``pipelines/fb_mdm_ssvep.py``) and FBCov+TS+LR (``pipelines/fbcov_ts_lr_ssvep.py``)
start with ``FilterBank(bands=None, method="mne")``: MOABB's ``FilterBankSSVEP`` arrays
(+-0.5 Hz around 13, 17, 21 Hz, filtered on the continuous recording) pass through it
unchanged; 3-D epochs or ``mne.Epochs`` are filtered into the same bands with the same
filter (MNE's IIR, order 4) within each epoch, which adds edge effects. This script
scores both inputs under the protocol of ``docs/ssvep_accuracy.md`` (7 bundled subjects x
2 sessions, MOABB's within-session stratified 5-fold, seed 42, accuracy, 4 classes): the
3-D input is the ``SSVEP`` paradigm's epochs (7-45 Hz on the recording, 2-4 s), i.e. what
``mne.Epochs`` from MOABB's ``SSVEP()`` hold. Mean over folds, then sessions, then subjects
(std across subjects, ddof=0). About 40 s on one core.

Run::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ssvep_epoch_filter.py
"""

import time

import pandas as pd
from sklearn.base import clone

from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets import load_dataset
from neuropipe.evaluation.protocols import evaluate_within_session
from neuropipe.preprocessing import stimulus_bands

FILES = ["pipelines/fb_mdm_ssvep.py", "pipelines/fbcov_ts_lr_ssvep.py"]
ON_RECORDING = "FilterBankSSVEP arrays (filtered on the recording)"
IN_EPOCH = "SSVEP epochs (7-45 Hz), filter bank within each epoch"


def main():
    start = time.perf_counter()
    subjects = [1, 2, 3, 4, 5, 6, 7]
    banked = load_dataset("ssvep-exo", subjects=subjects, paradigm="FilterBankSSVEP")
    epochs = load_dataset("ssvep-exo", subjects=subjects, paradigm="SSVEP")
    rows = []
    for path in FILES:
        config = load_pipeline_file(path)[0]
        name, pipeline = config["name"], config["pipeline"]
        first = pipeline.steps[0][0]
        on_epochs = clone(pipeline).set_params(
            **{f"{first}__bands": stimulus_bands(["13", "17", "21"]), f"{first}__sfreq": 256.0}
        )
        for data, label, pipe in ((banked, ON_RECORDING, pipeline),
                                  (epochs, IN_EPOCH, on_epochs)):
            result = evaluate_within_session({name: pipe}, data, "ssvep-exo")
            rows.append(result.assign(input=label))
    results = pd.concat(rows)
    table = results.groupby(["pipeline", "input", "subject"])["score"].mean().unstack("subject")
    table.columns = [f"S{s}" for s in table.columns]
    per_subject = table.copy()
    table["mean"] = per_subject.mean(axis=1)
    table["std"] = per_subject.std(axis=1, ddof=0)
    table = table.round(3).reset_index()
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
