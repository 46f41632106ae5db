"""Montage-agnostic pipelines: no dataset fact in a pipeline file, any cap at fit time.

The pipeline files name no channel list and no sampling rate: channel subsets are 10-20
names (``neuropipe.preprocessing.SENSORIMOTOR``) resolved against the data's channels at
``fit``, and every rate comes from the data (``mne.Epochs`` info, or
``with_recording_info``, which ``neuropipe benchmark`` and ``neuropipe fit`` call with the
recording they load). Every default motor-imagery pipeline fits and predicts on a 17- and
a 32-channel cap cut from the bundled EEGMMIDB S001 recording (real data).
"""

import ast
import re

import numpy as np
import pytest

from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets import default_pipelines_dir, load_dataset
from neuropipe.preprocessing import SENSORIMOTOR, PickChannels, with_recording_info

PIPELINES_DIR = default_pipelines_dir()
MI_PARADIGMS = {"LeftRightImagery", "MotorImagery"}
DEFAULT_MI = [c for c in load_pipelines(PIPELINES_DIR) if MI_PARADIGMS & set(c["paradigms"])]

#: A 17-channel 10-20 cap (the 19 positions without the frontopolar Fp1, Fp2) and a
#: 32-channel one (10-20 plus FC/CP 1, 2, 5, 6, AF3/4, PO3/4, Oz), as EEGMMIDB names them.
CAP_17 = "F7 F3 Fz F4 F8 T7 C3 Cz C4 T8 P7 P3 Pz P4 P8 O1 O2".split()
CAP_32 = CAP_17 + "Fp1 Fp2 FC5 FC1 FC2 FC6 CP5 CP1 CP2 CP6 AF3 AF4 PO3 PO4 Oz".split()
#: What a pipeline that keeps the sensorimotor channels keeps of each cap, in order.
KEPT = {
    17: ["C3", "Cz", "C4"],
    32: ["FC5", "FC1", "FC2", "FC6", "C3", "Cz", "C4", "CP5", "CP1", "CP2", "CP6"],
}

#: A 10-10 position name: letters of the row, then z or a number.
CHANNEL_NAME = re.compile(r"^(Fp|AF|F|FC|FT|C|T|CP|TP|P|PO|O|I)(z|[0-9]{1,2})$", re.IGNORECASE)
#: Sampling rates of common amplifiers and datasets.
RATES = {100, 128, 160, 200, 250, 256, 500, 512, 1000, 1024, 2048}


@pytest.fixture(scope="module")
def s001():
    return load_dataset("eegmmidb-leftright", subjects=[1])


def _docstrings(tree):
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    return {
        id(n.body[0].value)
        for n in nodes
        if n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)
    }


def _dataset_facts(path):
    """Channel names, channel lists and sampling rates written in a pipeline file's code
    (docstrings and comments left out)."""
    tree = ast.parse(path.read_text())
    docstrings, facts = _docstrings(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "sfreq":
            if not (isinstance(node.value, ast.Constant) and node.value.value is None):
                facts.append(f"sfreq={ast.unparse(node.value)}")
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            first = node.args[0].value  # BandPass(160.0, ...), FilterBank(256.0, ...)
            if isinstance(first, (int, float)) and not isinstance(first, bool) and first in RATES:
                facts.append(f"rate-like first argument {first!r}")
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        if isinstance(node.value, str) and any(CHANNEL_NAME.match(w) for w in node.value.split()):
            facts.append(f"channel name(s) {node.value!r}")
    return facts


def test_no_channel_list_or_rate_in_eeg_pipeline_files():
    files = sorted(PIPELINES_DIR.glob("*.py"))  # EEG and SSVEP; fmri/ and decoding/ apart
    assert len(files) >= 25
    found = {f.name: facts for f in files if (facts := _dataset_facts(f))}
    assert not found, f"dataset facts in pipeline files: {found}"


def test_the_check_finds_what_it_looks_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""Docstring: C3, C4 at 160 Hz are fine here."""\n'
        'CHANNELS = "FC5 FC3 C3".split()\n'
        "step = dict(sfreq=256.0)\n"
        "other = f(128)\n"
    )
    assert sorted(_dataset_facts(bad)) == [
        "channel name(s) 'FC5 FC3 C3'",
        "rate-like first argument 128",
        "sfreq=256.0",
    ]


def test_default_mi_set_is_checked():
    names = {c["name"] for c in DEFAULT_MI}
    assert {
        "TS+LR",
        "FgMDM",
        "ACM+TS+SVM (sensorimotor, OAS)",
        "CAR+logBP(mu,beta)+sLDA",
    } <= names


def _fitted_picks(estimator):
    """The channels each fitted PickChannels of a pipeline (or a vote of them) kept."""
    if isinstance(estimator, PickChannels):
        yield estimator.picks_
    for _, step in getattr(estimator, "steps", []):
        yield from _fitted_picks(step)
    for member in getattr(estimator, "estimators_", []):
        yield from _fitted_picks(member)


def _cap(data, names):
    index = [data.ch_names.index(c) for c in names]
    return data.X[:, index]


@pytest.mark.slow
@pytest.mark.parametrize("n_channels", [17, 32])
@pytest.mark.parametrize("config", DEFAULT_MI, ids=lambda c: c["name"])
def test_default_mi_pipeline_on_17_and_32_channel_caps(config, n_channels, s001):
    """Fit on two thirds of S001's epochs of the cap, predict the rest: labels of the
    classes, the cap's channels recorded, the sensorimotor ones picked by name."""
    names = CAP_17 if n_channels == 17 else CAP_32
    X, y = _cap(s001, names), s001.y
    pipeline = with_recording_info(config["pipeline"], ch_names=names, sfreq=s001.sfreq)
    test = np.arange(len(y)) % 3 == 0
    model = pipeline.fit(X[~test], y[~test])
    predicted = model.predict(X[test])
    assert predicted.shape == (int(test.sum()),)
    assert set(predicted) <= set(y)
    assert model[0].ch_names_ == names and model[0].sfreq_ == s001.sfreq
    picks = list(_fitted_picks(model))
    assert len(picks) == repr(config["pipeline"]).count("PickChannels(")
    for kept in picks:
        assert kept == KEPT[n_channels]


def test_sensorimotor_picks_of_mne_epochs_and_a_clear_error_when_too_few(s001):
    epochs = s001.to_mne().pick(CAP_17)
    step = PickChannels(picks=SENSORIMOTOR, min_channels=3).fit(epochs)
    assert step.picks_ == KEPT[17]
    np.testing.assert_allclose(step.transform(epochs), _cap(s001, KEPT[17]), rtol=1e-10)
    occipital = s001.to_mne().pick(["O1", "Oz", "O2", "C3", "C4"])
    with pytest.raises(
        ValueError,
        match=r"X has 2 of the 21 channels to pick \['C3', 'C4'\], "
        r"fewer than the 3 this pipeline needs",
    ):
        PickChannels(picks=SENSORIMOTOR, min_channels=3).fit(occipital)
    with pytest.raises(ValueError, match="picks channels by name, but X is an array"):
        PickChannels(picks=SENSORIMOTOR, min_channels=3).fit(s001.X)


def test_rate_from_the_data(s001):
    """BandPower with no rate: from mne.Epochs, from with_recording_info, else an error."""
    from neuropipe.features.spectral import BandPower

    epochs = s001.to_mne()
    from_epochs = BandPower(log=True).fit(epochs)
    assert from_epochs.sfreq_ == 160.0
    told = with_recording_info(BandPower(log=True), s001)
    assert told.sfreq == 160.0
    np.testing.assert_allclose(told.fit_transform(s001.X), from_epochs.transform(epochs))
    with pytest.raises(ValueError, match="BandPower needs the sampling rate of array input"):
        BandPower().fit(s001.X)
