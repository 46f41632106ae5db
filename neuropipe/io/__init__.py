"""Readers at the edge: files in, arrays out."""

from .eeg import EpochsData, epochs_from_raw, read_epochs, read_raw, standardize_channel_names

__all__ = ["EpochsData", "epochs_from_raw", "read_epochs", "read_raw", "standardize_channel_names"]
