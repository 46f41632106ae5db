"""The HTML report: every figure embedded and saved, from a results folder alone."""

import argparse
import base64
import datetime
import io
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix

import neuropipe
from neuropipe.benchmark.artifact_files import load_artifacts
from neuropipe.report import html as report_html
from neuropipe.report import make_report
from neuropipe.report.cli import add_report_parser
from neuropipe.report.models import find_task_artifacts

IMG = re.compile(r"<img alt='([^']+)' width='\d+' src='data:image/png;base64,([^']+)'>")
NOTE = re.compile(r"<p class='note'>([^<]*)</p>")

EXPECTED = [
    "scores",
    "pairwise",
    "confusion",
    "fit_time",
    "r2map_1",
    "decoding_scores",
    "decoded_trajectories",
    "fmri_scores",
    "fmri_confusion",
]


def _images(page):
    return {name: base64.b64decode(data) for name, data in IMG.findall(page)}


def _decode_png(raw):
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(io.BytesIO(raw), format="png")
    assert pixels.ndim == 3 and min(pixels.shape[:2]) > 100
    assert pixels[..., :3].std() > 0.02  # not a blank image
    return pixels


def _text(page):
    return re.sub(r"<[^>]+>", " ", IMG.sub("", page))


def _no_data_no_fit(monkeypatch):
    """Any dataset load or pipeline-file load fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the report must not load data or pipelines")

    import neuropipe.benchmark.cache
    import neuropipe.benchmark.pipeline_files
    import neuropipe.datasets
    import neuropipe.datasets.decoding

    for module, names in [
        (neuropipe.datasets, ["get_dataset", "load_dataset"]),
        (neuropipe.datasets.decoding, ["load_flint2012", "load_stevenson2011"]),
        (neuropipe.benchmark.cache, ["load_epochs"]),
        (neuropipe.benchmark.pipeline_files, ["load_pipelines", "load_pipeline_file"]),
    ]:
        for name in names:
            monkeypatch.setattr(module, name, refuse)


def _copy(artifact_results, root):
    """The results folder copied alone to a new place: no pipelines folder beside it."""
    copy = root / "elsewhere" / "results"
    shutil.copytree(artifact_results, copy)
    assert not (copy.parent / "pipelines").exists()
    return copy


@pytest.fixture
def results_copy(artifact_results, tmp_path):
    return _copy(artifact_results, tmp_path)


@pytest.fixture(scope="module")
def report(artifact_results, tmp_path_factory):
    """The report of the copied folder, with every data and pipeline loader refusing."""
    root = tmp_path_factory.mktemp("report")
    copy = _copy(artifact_results, root)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _no_data_no_fit(monkeypatch)
        monkeypatch.chdir(root / "elsewhere")
        output = make_report(copy, root / "out" / "report.html")
    return output, output.read_text(encoding="utf-8"), copy


def test_report_renders_from_the_results_folder_alone(report):
    output, page, _ = report
    images = _images(page)
    assert list(images) == EXPECTED
    for raw in images.values():
        _decode_png(raw)
    assert not [n for n in NOTE.findall(page) if "artifact" in n]  # every model figure drawn
    folder = output.parent / "report_figures"
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert [re.sub(r"^\d\d_", "", Path(p).stem) for p in pngs] == EXPECTED
    for png in pngs:
        _decode_png((folder / png).read_bytes())
        svg = ET.parse(folder / png.replace(".png", ".svg")).getroot()
        assert svg.tag.endswith("svg")
    for anchor in ["scores", "pairwise", "confusion", "timing", "r2maps", "decoding", "fmri"]:
        assert f"<section id='{anchor}'>" in page
        assert f"href='#{anchor}'" in page
    assert "and 9 task artifact file(s) in tasks/" in page


def test_report_header_tables_and_self_containment(report):
    _, page, results_copy = report
    assert page.startswith("<!DOCTYPE html>")
    assert f"neuropipe {neuropipe.__version__}" in page
    assert datetime.date.today().isoformat() in page
    assert "make_report(" in page
    assert not re.search(r"(src|href)=['\"](https?:|//|file:)", page)
    assert "<script" not in page and "<link" not in page
    assert "header { background:#14213d" in page  # the packaged stylesheet, inlined
    text = _text(page)
    for name in ["PSD+R2", "PSD+LDA", "Ridge", "OLS", "motifs", "&lt;b&gt;connectome&lt;/b&gt;"]:
        assert name in text
    assert "<b>connectome</b>" not in page  # names are escaped
    results = pd.read_csv(results_copy / "results.csv")
    grid = page[page.index("table class='data grid'") :]
    grid = grid[: grid.index("</table>")]
    for pipeline, scores in results.groupby("pipeline")["score"]:
        assert re.search(
            rf"<th class=''>{re.escape(pipeline)}</th><td[^>]*>{scores.mean():.3f} ± ", grid
        )


def _eeg(results_copy):
    results = pd.read_csv(results_copy / "results.csv")
    return results, find_task_artifacts(results_copy)


def test_confusion_matrix_counts_the_stored_test_predictions(results_copy):
    results, index = _eeg(results_copy)
    section = report_html._confusion_section(results, index, results_copy)
    (figure,) = section.figures
    means = results.groupby("pipeline")["score"].mean()
    pipeline = means.idxmax()
    per_subject = results[results.pipeline == pipeline].set_index("subject")["score"]
    subject = (per_subject - per_subject.mean()).abs().idxmin()
    assert f"{pipeline} on synthetic-mi, subject {subject}" == figure.figure.axes[0].get_title()
    row = index[(index.pipeline == pipeline) & (index.subject == str(subject))].iloc[0]
    folds = load_artifacts(row.path)
    y_true = np.concatenate([f["y_true"] for f in folds])
    y_pred = np.concatenate([f["y_pred"] for f in folds])
    assert len(y_true) == 40  # every trial tested once over the 5 folds
    counts = confusion_matrix(y_true, y_pred, labels=[0, 1])
    ax = figure.figure.axes[0]
    texts = sorted(t.get_text() for t in ax.texts)
    share = counts / counts.sum(axis=1, keepdims=True)
    assert texts == sorted(f"{s:.0%}\n{c}" for s, c in zip(share.ravel(), counts.ravel()))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["left", "right"]
    assert np.allclose(ax.images[0].get_array(), share)


def test_r2_map_averages_the_folds_selector_scores(results_copy):
    results, index = _eeg(results_copy)
    section = report_html._r2_section(results, index, None, results_copy)
    assert [f.name for f in section.figures] == ["r2map_1"]  # only PSD+R2 selects
    row = index[(index.pipeline == "PSD+R2") & (index.subject == "1")].iloc[0]
    folds = load_artifacts(row.path)
    mean = np.mean([f["selector0_scores"] for f in folds], axis=0)
    sign = np.sign(np.sum([f["selector0_direction"] for f in folds], axis=0))
    heat = section.figures[0].figure.axes[0]
    values = np.asarray(heat.images[0].get_array())
    assert np.allclose(values, np.where(sign < 0, -mean, mean))
    assert [t.get_text() for t in heat.get_yticklabels()] == ["C3", "Cz", "C4"]
    # the 10 Hz power added to "right" at C3 is the strongest, positive feature
    best = np.unravel_index(np.argmax(np.abs(values)), values.shape)
    assert best[0] == 0 and values[best] > 0.3
    kept = np.mean([f["selector0_support"] for f in folds], axis=0) >= 0.5
    assert len(heat.collections[0].get_offsets()) == kept.sum()
    assert "Red: more power (or connectivity) for right than for left" in section.intro


def test_decoded_trajectories_are_the_stored_window(results_copy):
    decoding = pd.read_csv(results_copy / "decoding.csv")
    index = find_task_artifacts(results_copy)
    palette = {"Ridge": (1.0, 0, 0, 1.0), "OLS": (0, 0, 1.0, 1.0)}
    figure = report_html._trajectory_figure(decoding, index, palette)
    ax = figure.figure.axes[0]
    stored = load_artifacts(index[index.pipeline == "Ridge"].path.iloc[0])[0]
    assert stored["y_true"].shape == (50, 2) and int(stored["n_test"]) == 100
    assert np.allclose(ax.lines[0].get_ydata(), stored["y_true"][:, 0])
    assert np.allclose(ax.lines[0].get_xdata(), np.arange(50) * 0.1)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    scores = decoding.set_index("pipeline")["score"].sort_values(ascending=False)
    assert labels == ["true", *(f"{p} (R² {s:.2f})" for p, s in scores.items())]
    assert [a.get_ylabel() for a in figure.figure.axes] == ["vx", "vy"]


def test_missing_or_damaged_artifacts_leave_notes_not_errors(results_copy, tmp_path):
    npz = sorted((results_copy / "tasks").glob("*.npz"))
    npz[0].write_bytes(b"not a zip file")
    for path in npz[1:]:
        path.unlink()
    page = make_report(results_copy, tmp_path / "r.html").read_text()
    assert sorted(_images(page)) == sorted(
        ["scores", "pairwise", "fit_time", "decoding_scores", "fmri_scores"]
    )  # the fMRI confusion matrix is left out without a note: the fMRI rows stand alone
    notes = " ".join(NOTE.findall(page))
    assert "could not be read" in notes and npz[0].name in notes
    assert "to draw the confusion matrix" in notes
    assert "to draw decoded trajectories" in notes


@pytest.mark.slow
def test_one_results_table_for_every_family(results_copy, tmp_path):
    """The merged layout: EEG, decoding and fMRI rows in results.csv, no other file."""
    eeg = pd.read_csv(results_copy / "results.csv").assign(family="eeg")
    decoding = pd.read_csv(results_copy / "decoding.csv").assign(family="decoding")
    fmri = pd.read_csv(results_copy / "fmri.csv").assign(family="fmri", subject=np.nan)
    merged = pd.concat([eeg, decoding.drop(columns="state"), fmri], ignore_index=True)
    merged.to_csv(results_copy / "results.csv", index=False)
    for name in ("decoding.csv", "fmri.csv"):
        (results_copy / name).unlink()
    page = make_report(results_copy, tmp_path / "r.html").read_text()
    assert list(_images(page)) == EXPECTED
    grid = page[page.index("table class='data grid'") :]
    assert "Ridge" not in grid[: grid.index("</table>")]  # EEG table holds EEG rows only


def test_family_of_rows_without_a_family_column():
    table = pd.DataFrame(
        {
            "dataset": ["eegmmidb-leftright", "flint2012", "abide-pcp-cc200", "x"],
            "evaluation": [
                "WithinSession",
                "TimeOrderedSplit",
                "stratified-5fold",
                "leave-site-out",
            ],
        }
    )
    assert report_html._family(table).tolist() == ["eeg", "decoding", "fmri", "fmri"]


def _synthetic_dir(folder):
    folder.mkdir()
    rows = [
        {
            "dataset": "d",
            "subject": s,
            "session": "0",
            "pipeline": p,
            "score": 0.5 + 0.1 * k + 0.02 * s,
            "time": 0.1 * (k + 1),
            "samples": 45,
            "evaluation": "WithinSession",
            "scoring": "roc_auc",
            "chance": 0.5,
            "chance_p95": 0.62,
            "n_classes": 2,
        }
        for s in (1, 2, 3)
        for k, p in enumerate(["P1", "P2"])
    ]
    pd.DataFrame(rows).to_csv(folder / "results.csv", index=False)
    pd.DataFrame(
        {
            "dataset": "f",
            "subject": 1,
            "session": 1,
            "pipeline": ["KF", "DKF"],
            "evaluation": "TimeOrderedSplit",
            "state": "all",
            "score": [0.4, 0.65],
            "nrmse": [0.77, 0.59],
            "maae": [0.9, 0.7],
            "time": [0.03, 1.3],
            "samples": 5000,
        }
    ).to_csv(folder / "decoding.csv", index=False)
    return folder


def test_report_from_csv_files_only(tmp_path):
    folder = _synthetic_dir(tmp_path / "res")
    output = make_report(folder, tmp_path / "r.html", tmp_path / "figs", models=False)
    page = output.read_text()
    assert sorted(_images(page)) == ["decoding_scores", "fit_time", "pairwise", "scores"]
    assert not [n for n in NOTE.findall(page) if "artifact" in n]  # none asked for
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        f"{i:02d}_{n}.{e}"
        for i, n in enumerate(["scores", "pairwise", "fit_time", "decoding_scores"], 1)
        for e in ("png", "svg")
    ]
    assert not (tmp_path / "r_figures").exists()
    text = _text(page)
    assert "summary.csv" in text  # computed from results.csv when summary.csv is absent
    assert "R² 0.65" in text and "DKF · decoding" in text  # the headline card
    for raw in _images(page).values():
        _decode_png(raw)


def test_report_needs_benchmark_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="neuropipe benchmark --output"):
        make_report(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(FileNotFoundError, match="none of"):
        make_report(tmp_path / "empty", tmp_path / "r.html")


def test_cli_report_writes_the_page(tmp_path, capsys):
    folder = _synthetic_dir(tmp_path / "res")
    parser = argparse.ArgumentParser(prog="neuropipe")
    sub = parser.add_subparsers(dest="command", required=True)
    report = add_report_parser(sub)
    assert "RESULTS_DIR" in report.format_help() and "--no-models" in report.format_help()
    out = tmp_path / "site" / "bench.html"
    args = parser.parse_args(["report", str(folder), "-o", str(out), "--no-models"])
    assert args.func(args) == 0
    assert out.is_file() and (tmp_path / "site" / "bench_figures" / "01_scores.svg").is_file()
    assert f"neuropipe report {folder} -o {out} --no-models" in out.read_text()
    assert str(out) in capsys.readouterr().out


def test_fmri_confusion_pools_the_stored_folds_of_one_protocol(results_copy):
    table = pd.read_csv(results_copy / "fmri.csv")
    index = find_task_artifacts(results_copy)
    figure = report_html._fmri_confusion(table, index)
    row = index[index.family == "fmri"].iloc[0]
    assert (row.pipeline, row.protocol, row.subject) == ("motifs", "leave-site-out", "all")
    folds = load_artifacts(row.path)
    counts = confusion_matrix(
        np.concatenate([f["y_true"] for f in folds]), np.concatenate([f["y_pred"] for f in folds])
    )
    ax = figure.figure.axes[0]
    assert counts.sum() == 60 and ax.get_title() == "motifs on abide, leave-site-out"
    assert sorted(t.get_text().split("\n")[1] for t in ax.texts) == sorted(
        str(c) for c in counts.ravel()
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["control", "autism"]


@pytest.mark.slow
def test_benchmark_then_report_end_to_end(tmp_path, monkeypatch):
    """The real runner stores the arrays; the report of its folder, moved, draws them."""
    from neuropipe import cli

    repo = Path(__file__).resolve().parents[2] / "pipelines"
    pipes = tmp_path / "pipelines"
    (pipes / "decoding").mkdir(parents=True)
    for name in ("csp_lda.py", "psd_lda.py"):
        shutil.copy(repo / name, pipes / name)
    shutil.copy(repo / "decoding" / "kalman.py", pipes / "decoding" / "kalman.py")
    out = tmp_path / "run" / "results"
    argv = ["benchmark", "--pipelines", str(pipes), "--datasets", "eegmmidb-leftright",
            "flint2012", "--subjects", "1", "--include-slow", "--no-leakage",
            "--no-report", "--no-progress", "-q", "--output", str(out)]  # fmt: skip
    assert cli.main(argv) == 0
    moved = tmp_path / "moved"
    shutil.move(out, moved)
    shutil.rmtree(pipes)
    _no_data_no_fit(monkeypatch)
    page = make_report(moved, tmp_path / "report.html").read_text()
    assert list(_images(page)) == [
        "scores",
        "confusion",
        "fit_time",
        "r2map_1",
        "decoding_scores",
        "decoded_trajectories",
    ]  # fmt: skip (one subject: no pairwise statistics)
    assert not [n for n in NOTE.findall(page) if "artifact" in n]
    assert "Feature stage <b>psd</b> of PSD+R2+LDA" in page
    assert "Red: more power (or connectivity) for right_hand than for left_hand" in page


def test_artifacts_described_by_their_json_or_csv(tmp_path):
    """A .npz without its own description is named by its task's JSON record, else its CSV."""
    from neuropipe.benchmark.artifact_files import save_task_artifacts

    tasks = tmp_path / "tasks"
    tasks.mkdir()
    fold = {"y_true": np.array([0, 1]), "y_pred": np.array([0, 1])}
    save_task_artifacts(tasks / "a.npz", [fold])
    (tasks / "a.json").write_text('{"task": {"dataset": "d", "pipeline": "NA", "subject": "2"}}')
    save_task_artifacts(tasks / "b.npz", [fold])
    pd.DataFrame({"dataset": ["d"], "pipeline": ["None"], "subject": [3]}).to_csv(
        tasks / "b.csv", index=False
    )
    save_task_artifacts(tasks / "c.npz", [fold])  # nothing says what it is
    index = find_task_artifacts(tmp_path)
    assert index[["dataset", "pipeline", "subject", "family"]].values.tolist() == [
        ["d", "NA", "2", "eeg"],
        ["d", "None", "3", "eeg"],
    ]
    assert index.attrs["unreadable"] == [
        "c.npz: no dataset or pipeline in the file, its .json or its .csv"
    ]
