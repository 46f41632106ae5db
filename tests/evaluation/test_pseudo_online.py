"""Pseudo-online protocol: metrics against hand-computed values, continuous runs and their
labels, training epochs cut from the causally filtered run, planning, and the
shuffled-label control on real bundled data."""

import numpy as np
import pandas as pd
import pytest

from neuropipe.evaluation.online_metrics import (
    false_activations_per_min,
    itr_bits_per_min,
    normalized_mcc,
    onset_latencies,
    run_scores,
    wolpaw_bits,
)
from neuropipe.evaluation.pseudo_online import (
    PseudoOnlineData,
    evaluate_pseudo_online,
    load_pseudo_online,
    shifted_chance,
    training_epochs,
)

# A tiny run: 10 windows ending every 0.5 s (0.5 ... 5.0 s); "i" is idle. An L trial is
# in force from 1.4 s to 2.9 s (windows 2-4), an R trial from 3.9 s to 4.9 s (windows 7-8).
TIMES = 0.5 * np.arange(1, 11)
TRUTH = np.array(list("iiLLLiiRRi"))
DECIDED = np.array(list("iLiLLLiRii"))
TRIALS = pd.DataFrame({"onset": [1.4, 3.9], "end": [2.9, 4.9], "label": ["L", "R"]})


def test_nmcc_by_hand():
    # confusion (rows true i, L, R; columns decided): [[3, 2, 0], [1, 2, 0], [1, 0, 1]]
    # s = 10, correct c = 6, true counts t = (5, 3, 2), decided counts p = (5, 4, 1)
    # MCC = (c s - p.t) / sqrt((s^2 - p.p)(s^2 - t.t)) = (60 - 39) / sqrt(58 * 62)
    mcc = 21 / np.sqrt(58 * 62)
    assert normalized_mcc(TRUTH, DECIDED) == pytest.approx((mcc + 1) / 2, abs=1e-12)
    assert normalized_mcc(TRUTH, TRUTH) == 1.0
    assert normalized_mcc(TRUTH, np.full(10, "i")) == 0.5  # one label always: chance


def test_itr_by_hand():
    # P = 6 / 10, N = 3: B = log2 3 + 0.6 log2 0.6 + 0.4 log2(0.4 / 2) = 0.2140 bits
    bits = np.log2(3) + 0.6 * np.log2(0.6) + 0.4 * np.log2(0.2)
    assert wolpaw_bits(0.6, 3) == pytest.approx(bits, abs=1e-12)
    assert bits == pytest.approx(0.21401, abs=1e-5)
    # one decision every 0.5 s: 120 per minute
    assert itr_bits_per_min(TRUTH, DECIDED, 3, 0.5) == pytest.approx(bits * 120, abs=1e-9)
    assert wolpaw_bits(1 / 3, 3) == 0.0 and wolpaw_bits(0.1, 3) == 0.0  # at/below chance
    assert wolpaw_bits(1.0, 3) == pytest.approx(np.log2(3))


def test_false_activations_by_hand():
    # task-decision onsets at windows 1, 3 and 7 (window 4-5 hold L); only window 1 is
    # idle-labelled (window 5 is idle but holds the L decision begun in window 3)
    # rest: windows 0, 1, 5, 6, 9 = 5 x 0.5 s = 2.5 s -> 1 / (2.5 / 60) = 24 per minute
    assert false_activations_per_min(TRUTH, DECIDED, "i", 0.5) == pytest.approx(24.0)
    assert false_activations_per_min(TRUTH, TRUTH, "i", 0.5) == 0.0
    assert np.isnan(false_activations_per_min(np.full(3, "L"), np.full(3, "L"), "i", 0.5))


def test_onset_latency_by_hand():
    # L: first L decision at or after 1.4 s and before 2.9 s ends at 2.0 s -> 0.6 s;
    # R: the window ending at 4.0 s is decided R -> 0.1 s
    latencies = onset_latencies(TIMES, DECIDED, TRIALS["onset"], TRIALS["end"], TRIALS["label"])
    np.testing.assert_allclose(latencies, [0.6, 0.1])
    missed = DECIDED.copy()
    missed[7] = "L"  # R never decided inside its trial: undetected
    latencies = onset_latencies(TIMES, missed, TRIALS["onset"], TRIALS["end"], TRIALS["label"])
    assert latencies[0] == pytest.approx(0.6) and np.isnan(latencies[1])
    scores = run_scores(TIMES, TRUTH, missed, idle="i", n_classes=3, step=0.5, trials=TRIALS)
    assert scores["onset_latency_s"] == pytest.approx(0.6)  # median of the detected
    assert scores["onset_detected"] == 0.5


def test_run_scores_gathers_the_metrics():
    scores = run_scores(TIMES, TRUTH, DECIDED, idle="i", n_classes=3, step=0.5, trials=TRIALS)
    assert scores["nmcc"] == pytest.approx((21 / np.sqrt(58 * 62) + 1) / 2)
    assert scores["accuracy"] == 0.6
    assert scores["false_activations_min"] == pytest.approx(24.0)
    assert scores["onset_latency_s"] == pytest.approx(0.35)  # median of 0.6 and 0.1
    assert scores["onset_detected"] == 1.0


def test_metric_inputs_are_checked():
    with pytest.raises(ValueError, match="one label per window"):
        normalized_mcc(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="accuracy"):
        wolpaw_bits(1.2, 2)
    with pytest.raises(ValueError, match="decision_time"):
        itr_bits_per_min(TRUTH, DECIDED, 3, 0)


def test_shifted_chance_keeps_structure_and_breaks_alignment():
    truth = np.repeat(np.array(["idle", "left", "idle", "right"] * 6), 8)
    null = shifted_chance(truth, truth, min_shift=8)
    # shifted by whole cycles (32 windows) the labels realign: a few shifts score 1
    assert null.size > 50 and np.median(null) < 0.75
    assert shifted_chance(truth[:10], truth[:10], min_shift=8).size == 0


@pytest.fixture(scope="module")
def eegmmidb_s1():
    return load_pseudo_online("eegmmidb-leftright", "LeftRightImagery", 1)


def test_continuous_runs_label_every_sample(eegmmidb_s1):
    run = eegmmidb_s1.runs[0]
    assert run.data.shape == (64, 20000) and run.sfreq == 160.0
    # EEGMMIDB run 4 of S001: T0 (rest, 4.2 s) at 0 s, T2 (right fist, 4.1 s) at 4.2 s
    first = run.events.iloc[1]
    assert (first["sample"], first["end"], first["label"]) == (672, 1328, "right_hand")
    assert set(run.labels[:672]) == {"idle"} and set(run.labels[672:1328]) == {"right_hand"}
    assert run.labels[1328] == "idle"
    assert len(run.trials()) == 15 and run.trials()["onset"].iloc[0] == pytest.approx(4.2)


def test_ssvep_rest_trials_and_gaps_are_idle():
    from neuropipe.datasets import SSVEPExo

    runs = SSVEPExo().load_continuous(1)
    assert len(runs) == 2 and runs[0].idle_label == "rest"
    run = runs[0]
    # no cue before 15.5 s (sample 3965 at 256 Hz): rest; cues last until the next one
    assert set(run.labels[:3965]) == {"rest"}
    assert set(np.unique(run.labels)) == {"rest", "13", "17", "21"}
    assert (run.events["end"].iloc[:-1].to_numpy() == run.events["sample"].iloc[1:]).all()


def test_training_epochs_are_cut_from_the_causally_filtered_run(eegmmidb_s1):
    from neuropipe.online import causal_filter

    run = eegmmidb_s1.runs[0]
    X, y = training_epochs(run, tmin=0.0, n_window=481, l_freq=8.0, h_freq=32.0)
    filtered = causal_filter(run.data, run.sfreq, 8.0, 32.0)
    assert X.shape == (30, 64, 481) and (y == "idle").sum() == 15
    np.testing.assert_array_equal(X[1], filtered[:, 672 : 672 + 481])  # the first T2
    assert y[1] == "right_hand"


def test_one_run_is_refused(eegmmidb_s1):
    data = PseudoOnlineData(eegmmidb_s1.runs[:1], 0.0, 3.0, 8.0, 32.0)
    with pytest.raises(ValueError, match="two runs or more"):
        evaluate_pseudo_online({}, data, "eegmmidb-leftright")


def test_filter_bank_paradigms_are_not_planned():
    from neuropipe.benchmark import plan_benchmark

    configs = [
        {"name": n, "paradigms": [p], "source": "x.py"}
        for n, p in (("cca", "SSVEP"), ("fb", "FilterBankSSVEP"))
    ]
    tasks = plan_benchmark(configs, ["ssvep-exo"], [1], protocol="pseudo-online")
    assert [(t.pipeline, t.paradigm) for t in tasks] == [("cca", "SSVEP")]
    with pytest.raises(ValueError, match="filter bank"):
        load_pseudo_online("ssvep-exo", "FilterBankSSVEP", 1)


@pytest.mark.slow
def test_shuffled_labels_at_chance_real_labels_above(eegmmidb_s1):
    """S001 of EEGMMIDB left/right, TS+LR and CSP+LDA, every run held out in turn.

    Tolerance: the spread of nMCC under no information is measured on the decisions
    themselves (the circular-shift null of each held-out run, which keeps the runs'
    persistence); with 6 scores (2 pipelines x 3 runs) the mean's standard deviation is
    about sd / sqrt(6). Shuffled labels must sit within 3 of those of 0.5, the real
    labels above 0.5 by more than 2 of them and above the shuffled control.
    """
    from neuropipe.benchmark.pipeline_files import load_pipeline_file

    pipelines = {
        c["name"]: c["pipeline"]
        for f in ("pipelines/ts_lr.py", "pipelines/csp_lda.py")
        for c in load_pipeline_file(f)
    }
    folds = []
    real = evaluate_pseudo_online(pipelines, eegmmidb_s1, "eegmmidb-leftright", artifacts=folds)
    shuffled = evaluate_pseudo_online(
        pipelines, eegmmidb_s1, "eegmmidb-leftright", permute_labels=True
    )
    assert len(real) == len(shuffled) == 6 and (real["evaluation"] == "pseudo-online").all()
    assert set(real["session"]) == {"R04", "R08", "R12"} and (real["n_classes"] == 3).all()
    sd = np.mean([np.std(shifted_chance(f["y_true"], f["y_pred"], 7)) for f in folds])
    sd_mean = sd / np.sqrt(6)
    assert 0.02 < sd < 0.1  # the null is neither degenerate nor uninformative
    assert abs(shuffled["score"].mean() - 0.5) < 3 * sd_mean
    assert real["score"].mean() > 0.5 + 2 * sd_mean
    assert real["score"].mean() > shuffled["score"].mean()
    # the stored decisions are the ones scored: nMCC of the artifacts equals the score
    assert [normalized_mcc(f["y_true"], f["y_pred"]) for f in folds] == pytest.approx(
        real["score"].tolist()
    )


def _synthetic_run(seed, sfreq=100.0, seconds=60):
    """3 channels of noise; 10 Hz bursts on channel 0 (``L``) or 2 (``R``, in random order)
    during each task cue; cues of 1.5-3 s (random: no rhythm for the shifted null to
    realign), alternating with idle cues."""
    from neuropipe.io.eeg import ContinuousRun, labels_in_force

    rng = np.random.default_rng(seed)
    n = int(seconds * sfreq)
    data = rng.standard_normal((3, n))
    durations = rng.integers(150, 300, n // 150)
    samples = np.r_[0, np.cumsum(durations)][: len(durations)]
    keep = samples + durations < n
    samples, durations = samples[keep], durations[keep]
    labels = np.where(np.arange(len(samples)) % 2, rng.choice(["L", "R"], len(samples)), "idle")
    cues = pd.DataFrame({"sample": samples, "duration": durations, "label": labels})
    for start, length, label in zip(samples, durations, labels):
        if label != "idle":
            t = np.arange(length) / sfreq
            data["LR".index(label) * 2, start : start + length] += 3 * np.sin(2 * np.pi * 10 * t)
    in_force, ends = labels_in_force(cues, n, "idle")
    events = cues.assign(end=ends, event=labels)[["sample", "end", "label", "event"]]
    return ContinuousRun(data, sfreq, ["C3", "Cz", "C4"], in_force, events, run=f"r{seed}")


def test_report_draws_the_decision_timeline(tmp_path):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.pipeline import make_pipeline

    from neuropipe.benchmark import BenchmarkTask, TaskStore
    from neuropipe.features.spectral import PSD
    from neuropipe.report.html import make_report

    data = PseudoOnlineData([_synthetic_run(s) for s in (1, 2)], 0.0, 1.0, 5.0, 30.0)
    pipeline = make_pipeline(
        PSD(sfreq=100.0, fmin=8.0, fmax=12.0, flatten=True), LinearDiscriminantAnalysis()
    )
    folds = []
    rows = evaluate_pseudo_online({"PSD+LDA": pipeline}, data, "synthetic", artifacts=folds)
    # easy bursts, but windows that straddle a cue change are scored on the new label
    assert (rows["score"] > 0.6).all()
    assert (rows["score"] > rows["chance_p95"]).all()
    assert rows["onset_detected"].eq(1.0).all() and rows["onset_latency_s"].lt(2.0).all()
    store = TaskStore(tmp_path)
    task = BenchmarkTask("synthetic", "LeftRightImagery", "pseudo-online", 1, "PSD+LDA", "x.py")
    store.write(task, rows.assign(subject=1), artifacts=folds)
    rows.assign(subject=1).to_csv(tmp_path / "results.csv", index=False)
    page = make_report(tmp_path, tmp_path / "report.html").read_text()
    assert "Pseudo-online decoding" in page and "pseudo_online_timeline" in page


def test_benchmark_command_writes_pseudo_online_rows(tmp_path, capsys):
    from neuropipe.benchmark import read_results
    from neuropipe.cli import main

    argv = ["benchmark", "--protocol", "pseudo-online", "--datasets", "ssvep-exo"]
    argv += ["--subjects", "1", "--pipelines", "pipelines/cca_ssvep.py"]
    assert main([*argv, "--output", str(tmp_path), "--no-report", "--no-progress"]) == 0
    results = read_results(tmp_path / "results.csv")
    assert len(results) == 2 and set(results["evaluation"]) == {"pseudo-online"}
    assert results[["itr_bits_min", "false_activations_min", "onset_detected"]].notna().all().all()
    assert (results["score"] > results["chance_p95"]).all()  # SSVEP S001 decodes online
    assert "pseudo-online evaluation" in capsys.readouterr().out
