"""mne.Epochs in, the same features and predictions as the microvolt arrays in.

One unit convention (neuropipe._validation.EPOCHS_SCALE): arrays hold microvolts, as
EpochsData and MOABB's get_data; mne.Epochs hold volts and are scaled by 1e6 on the way in.
"""

import mne
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from neuropipe._validation import EPOCHS_SCALE, as_epochs_array
from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets import default_pipelines_dir, load_dataset
from neuropipe.features.augmented import AugmentedCovariances
from neuropipe.features.connectivity import Connectivity
from neuropipe.features.spectral import PSD, BandPower
from neuropipe.preprocessing import (
    BandPass,
    CommonAverageReference,
    EpochsToArray,
    FilterBank,
    PickChannels,
    stimulus_bands,
    with_recording_info,
)

PIPELINES_DIR = default_pipelines_dir()
EEG_CONFIGS = [c for c in load_pipelines(PIPELINES_DIR, include_slow=True)]
EEG_PARADIGMS = {"LeftRightImagery", "MotorImagery", "SSVEP", "FilterBankSSVEP"}
EEG_CONFIGS = [c for c in EEG_CONFIGS if EEG_PARADIGMS & set(c["paradigms"])]
#: First steps that take mne.Epochs for the steps of other libraries after them: the
#: filter-bank SSVEP pipelines start with FilterBank, which needs the Epochs' rate and events.
EPOCHS_FIRST_STEPS = (EpochsToArray, FilterBank)
#: MOABB's exhaustive augmented-covariance grid: minutes per fit, checked for its first step.
MINUTES_PER_FIT = {"ACM+TS+SVM (grid)"}


def _epochs(X, sfreq=160.0):
    info = mne.create_info([f"ch{i}" for i in range(X.shape[1])], sfreq, "eeg")
    return mne.EpochsArray(X / EPOCHS_SCALE, info, verbose="ERROR")


@pytest.fixture(scope="module")
def mi_data():
    return load_dataset("eegmmidb-leftright", subjects=[1])


def test_as_epochs_array_units_picks_and_bands():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 3, 50))
    np.testing.assert_allclose(as_epochs_array(_epochs(X)), X)
    np.testing.assert_allclose(as_epochs_array(_epochs(X), scale=1.0), X / EPOCHS_SCALE)
    assert as_epochs_array(X) is X  # arrays pass untouched
    # a list of Epochs (what cross-validation makes of one) is stacked along the epochs
    stacked = as_epochs_array([_epochs(X)[i] for i in range(4)] + [_epochs(2 * X)])
    np.testing.assert_allclose(stacked, np.concatenate([X, 2 * X]))
    info = mne.create_info(["C3", "STI"], 160.0, ["eeg", "stim"])
    with_stim = mne.EpochsArray(np.ones((2, 2, 10)), info, verbose="ERROR")
    assert as_epochs_array(with_stim).shape == (2, 1, 10)  # EEG channels only
    with pytest.raises(ValueError, match="sampled at 160 Hz but the estimator was given"):
        PSD(sfreq=100.0).fit(_epochs(X))


@pytest.mark.parametrize(
    "estimator",
    [
        BandPass(160.0, 8.0, 30.0),
        FilterBank(160.0, [(8, 12), (12, 30)]),
        PickChannels([f"ch{i}" for i in range(64)], ["ch9", "ch11"]),
        PSD(160.0, method="welch", fmin=8, fmax=30),
        PSD(160.0, fmin=8, fmax=30, flatten=True),
        BandPower(160.0, flatten=True),
        BandPower(160.0, log=True),
        Connectivity(160.0, fmin=8, fmax=30),
        AugmentedCovariances(order=2, lag=2),
        EpochsToArray(),
        CommonAverageReference(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_eeg_estimator_same_features_from_epochs(estimator, mi_data):
    X = mi_data.X[:10, :, :200]
    epochs = _epochs(X)
    from_arrays = clone(estimator).fit_transform(X, mi_data.y[:10])
    from_epochs = clone(estimator).fit_transform(epochs, mi_data.y[:10])
    np.testing.assert_allclose(from_epochs, from_arrays, rtol=1e-7, atol=1e-12)


def test_psd_volts_match_microvolts_and_flat_output(mi_data):
    # the bug of issue 19: PSD of mne.Epochs came out 1e12 smaller than on the arrays
    psd = PSD(160.0, method="welch", fmin=8, fmax=30)
    ours = psd.fit_transform(mi_data.to_mne())
    np.testing.assert_allclose(ours, psd.fit_transform(mi_data.X), rtol=1e-7)
    flat = BandPower(160.0, flatten=True, ch_names=mi_data.ch_names).fit(mi_data.X)
    out = flat.transform(mi_data.X)
    assert out.shape == (len(mi_data), 64 * 2)
    # channel-major, as the names say
    bands = BandPower(160.0).fit_transform(mi_data.X)
    np.testing.assert_array_equal(out[:, 2:4], bands[:, 1, :])
    assert list(flat.get_feature_names_out()[2:4]) == [f"{mi_data.ch_names[1]}_mu",
                                                       f"{mi_data.ch_names[1]}_beta"]


def _fit_predict(pipeline, X_train, y_train, X_test):
    model = clone(pipeline).fit(X_train, y_train)
    out = [model.predict(X_test)]
    if hasattr(model, "decision_function"):
        out.append(model.decision_function(X_test))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("config", EEG_CONFIGS, ids=lambda c: c["name"])
def test_shipped_pipeline_same_predictions_from_epochs(config, mi_data):
    """Every shipped EEG pipeline: fit and predict on mne.Epochs = on the arrays."""
    pipeline = config["pipeline"]
    if isinstance(pipeline, Pipeline):  # steps of other libraries take arrays only
        assert isinstance(pipeline[0], EPOCHS_FIRST_STEPS), f"{config['source']}: first step"
    if config["name"] in MINUTES_PER_FIT:  # the first step is what makes it take Epochs
        return
    arrays_pipeline = pipeline
    if set(config["paradigms"]) == {"FilterBankSSVEP"}:
        # mne.Epochs with frequency-named events (to_mne: "13", "17", "21", "rest") are
        # filtered into +-0.5 Hz bands within each epoch; the same microvolt arrays need
        # the bands and rate given
        data = load_dataset("ssvep-exo", subjects=[1], paradigm="SSVEP")
        as_mne = data.to_mne()
        first = pipeline.steps[0][0]
        arrays_pipeline = clone(pipeline).set_params(
            **{f"{first}__bands": stimulus_bands(["13", "17", "21"]), f"{first}__sfreq": 256.0}
        )
    elif "SSVEP" in config["paradigms"]:
        data = load_dataset("ssvep-exo", subjects=[1], paradigm="SSVEP")
        as_mne = _epochs(data.X, data.sfreq)
    else:
        data = mi_data
        as_mne = data.to_mne()
    index = np.arange(len(data))
    train, test = index % 3 != 0, index % 3 == 0

    def pick(epochs, mask):
        return epochs[np.flatnonzero(mask)]

    # arrays carry no rate or channel names: the pipeline is told them, as neuropipe
    # benchmark does (with_recording_info); mne.Epochs carry theirs to every step
    arrays_pipeline = with_recording_info(arrays_pipeline, data)
    expected = _fit_predict(arrays_pipeline, data.X[train], data.y[train], data.X[test])
    got = _fit_predict(config["pipeline"], pick(as_mne, train), data.y[train], pick(as_mne, test))
    np.testing.assert_array_equal(got[0], expected[0])
    # volts x 1e6 differs from the microvolts in the last bits; iterative solvers (saga of
    # TS+ElasticNet) stop within their tolerance, so decision values agree to ~1e-4
    for a, b in zip(got[1:], expected[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)


#: Subject 1's two session scores in results/bench_ssvep_accuracy.csv (docs/ssvep_accuracy.md,
#: measured when these pipelines started with EpochsToArray).
RECORDED_SSVEP_S1 = {
    "FB-MDM": [0.5571428571428572, 0.5333333333333333],
    "FBCov+TS+LR": [0.5238095238095238, 0.5285714285714286],
}


@pytest.mark.parametrize("name", sorted(RECORDED_SSVEP_S1))
def test_filter_bank_ssvep_pipelines_unchanged_on_the_paradigm_arrays(name):
    """FilterBank passes MOABB's FilterBankSSVEP arrays through: bitwise the same results."""
    from neuropipe.evaluation.protocols import evaluate_within_session

    (config,) = [c for c in EEG_CONFIGS if c["name"] == name]
    pipeline = config["pipeline"]
    before = Pipeline([("epochstoarray", EpochsToArray())] + clone(pipeline).steps[1:])
    data = load_dataset("ssvep-exo", subjects=[1], paradigm="FilterBankSSVEP")
    assert clone(pipeline[0]).fit(data.X).transform(data.X) is data.X
    train = np.arange(len(data)) % 2 == 0
    ours, theirs = (
        clone(p).fit(data.X[train], data.y[train]) for p in (pipeline, before)
    )
    np.testing.assert_array_equal(ours.predict(data.X[~train]), theirs.predict(data.X[~train]))
    np.testing.assert_array_equal(
        ours.predict_proba(data.X[~train]), theirs.predict_proba(data.X[~train])
    )
    scores = [
        evaluate_within_session({name: p}, data, "ssvep-exo").sort_values("session")["score"]
        for p in (pipeline, before)
    ]
    np.testing.assert_array_equal(scores[0], scores[1])
    np.testing.assert_array_equal(scores[0], RECORDED_SSVEP_S1[name])
