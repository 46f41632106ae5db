"""Your own recordings, described by a TOML file

A short TOML file lists the recordings of each subject (and session), maps event names
to labels and sets the epoch window, the band and the MOABB paradigm name; the folder (or
the file) then works wherever a dataset name does: ``load_dataset``, ``get_dataset`` and
``neuropipe benchmark --datasets docs/examples/eegmmidb_s001.toml``.
"""

from pathlib import Path

import mne

from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets import get_dataset, load_dataset
from neuropipe.evaluation.paradigms import evaluate

mne.set_log_level("ERROR")  # MNE's CSP logs each fit
spec = Path(__file__).with_name("eegmmidb_s001.toml")
print(spec.read_text())
dataset = get_dataset(spec)
print(dataset, list(dataset.paradigms))
data = load_dataset(spec, subjects=[1])
print(data)
pipeline = load_pipeline_file("pipelines/csp_lda.py")[0]["pipeline"]
table = evaluate("within-session", {"CSP+LDA": pipeline}, data, str(spec))
print(table[["subject", "session", "score", "samples"]].to_string(index=False))
