"""Shared fixtures: quiet MNE, a non-interactive matplotlib backend, and no network."""

import socket

import matplotlib
import mne
import pytest

matplotlib.use("Agg")
mne.set_log_level("ERROR")


@pytest.fixture
def no_network(monkeypatch):
    """Make any attempt to open a network connection fail loudly."""

    def refuse(*args, **kwargs):
        raise RuntimeError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
