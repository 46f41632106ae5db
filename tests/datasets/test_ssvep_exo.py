"""SSVEP exoskeleton set: event coding (17 / 21 Hz) checked on the signals, MOABB epochs."""

import numpy as np
import pytest
from scipy.signal import welch

from neuropipe.datasets import load_dataset
from neuropipe.datasets.eeg import SSVEPExo

STIM = ("13", "17", "21")


@pytest.fixture(scope="module")
def occipital_power():
    """Log Welch power at 13/17/21 Hz (mean over the 8 occipital and parieto-occipital
    channels), minus each subject's mean over trials."""
    ep = load_dataset("ssvep-exo", paradigm="SSVEP")
    freqs, psd = welch(ep.X, fs=ep.sfreq, nperseg=512, axis=-1)
    logp = np.log(psd).mean(axis=1)[:, [np.argmin(abs(freqs - float(f))) for f in STIM]]
    subjects = ep.metadata["subject"].to_numpy()
    for s in np.unique(subjects):
        logp[subjects == s] -= logp[subjects == s].mean(axis=0)
    return logp, ep.y, subjects


def test_event_codes_match_moabb_after_its_17_21_hz_fix():
    # MOABB's Kalunga2016 (SSVEPExo): {"13": 2, "17": 4, "21": 3, "rest": 1}
    assert SSVEPExo.event_map == {1: "rest", 2: "13", 3: "21", 4: "17"}


def test_each_class_peaks_at_its_labelled_frequency(occipital_power):
    logp, y, subjects = occipital_power
    # pooled over the 7 subjects: each stimulus class has its largest relative power at
    # its own frequency, and more power there than any other class has
    table = np.array([logp[y == c].mean(axis=0) for c in STIM])  # class x frequency
    assert (table.argmax(axis=1) == [0, 1, 2]).all()
    assert (table.argmax(axis=0) == [0, 1, 2]).all()
    # 17 vs 21 Hz in every subject: (P17 - P21) is larger in "17" trials than in "21"
    # trials; with the two codes swapped it would be smaller in all seven
    for s in np.unique(subjects):
        contrast = logp[subjects == s, 1] - logp[subjects == s, 2]
        ys = y[subjects == s]
        assert contrast[ys == "17"].mean() - contrast[ys == "21"].mean() > 0.2


@pytest.mark.slow
def test_ssvep_paradigm_epochs_are_moabbs(no_network):
    """``paradigm="SSVEP"`` gives MOABB's ``SSVEP()`` epochs: 2-4 s, 7-45 Hz IIR."""
    from moabb.paradigms import SSVEP

    from neuropipe.datasets.moabb_bridge import BundledSSVEPExo

    X, y, _ = SSVEP().get_data(BundledSSVEPExo(subjects=[2]), [2])
    ours = load_dataset("ssvep-exo", subjects=[2], paradigm="SSVEP")
    assert X.shape == ours.X.shape == (64, 8, 513)
    np.testing.assert_allclose(ours.X, X, atol=1e-9 * np.abs(X).max())
    assert (ours.y == y).all()
