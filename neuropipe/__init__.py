"""neuropipe: staged scikit-learn pipelines for EEG/BCI, resting-state fMRI and decoding."""

__version__ = "0.1.0.dev0"
