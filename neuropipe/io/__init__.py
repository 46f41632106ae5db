"""Readers at the edge: files in, arrays out (EEG, fMRI ROI time series, binned spikes)."""

from .decoding import check_decoding_arrays, read_decoding_csv, read_decoding_mat
from .eeg import (
    ContinuousRun,
    EpochsData,
    epochs_from_raw,
    read_continuous,
    read_epochs,
    read_raw,
    standardize_channel_names,
)
from .fmri import extract_roi_timeseries, load_roi_timeseries, read_roi_timeseries

__all__ = [
    "ContinuousRun",
    "EpochsData",
    "check_decoding_arrays",
    "epochs_from_raw",
    "extract_roi_timeseries",
    "load_roi_timeseries",
    "read_continuous",
    "read_decoding_csv",
    "read_decoding_mat",
    "read_epochs",
    "read_raw",
    "read_roi_timeseries",
    "standardize_channel_names",
]
