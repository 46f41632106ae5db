"""The HTML report: every figure embedded and saved, tables with the pipelines, no outside files."""

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
from sklearn.model_selection import StratifiedKFold

import neuropipe
from neuropipe.datasets import load_dataset
from neuropipe.evaluation.benchmark import run_decoding_benchmark, summarize
from neuropipe.evaluation.leakage import optimistic_vs_leakfree
from neuropipe.evaluation.pipelines import load_pipelines
from neuropipe.evaluation.protocols import evaluate_within_session
from neuropipe.report import make_report
from neuropipe.report.cli import add_report_parser

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"
IMG = re.compile(r"<img alt='([^']+)' width='\d+' src='data:image/png;base64,([^']+)'>")


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


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    """A quick real benchmark: 2 EEG pipelines on 2 subjects, leakage, KF decoding."""
    root = tmp_path_factory.mktemp("bench")
    pipes = root / "pipelines"
    (pipes / "decoding").mkdir(parents=True)
    for name in ("csp_lda.py", "psd_lda.py"):
        shutil.copy(PIPELINES / name, pipes / name)
    shutil.copy(PIPELINES / "decoding" / "kalman.py", pipes / "decoding" / "kalman.py")
    results_dir = root / "results"
    results_dir.mkdir()
    configs = {c["name"]: c["pipeline"] for c in load_pipelines(pipes, include_slow=True)}
    data = load_dataset("eegmmidb-leftright", subjects=[1, 2])
    results = evaluate_within_session(configs, data, "eegmmidb-leftright")
    results.to_csv(results_dir / "results.csv", index=False)
    summarize(results).to_csv(results_dir / "summary.csv", index=False)
    first = data[np.asarray(data.metadata["subject"] == 1)]
    leak = optimistic_vs_leakfree(
        configs["PSD+R2+LDA"],
        first.X,
        first.y,
        cv=StratifiedKFold(5, shuffle=True, random_state=42),
    )
    pd.DataFrame(
        {
            "dataset": ["eegmmidb-leftright"],
            "pipeline": ["PSD+R2+LDA"],
            "subjects": [1],
            "leak_free": [leak["leak_free"]],
            "optimistic": [leak["optimistic"]],
            "gap": [leak["gap"]],
        }
    ).to_csv(results_dir / "leakage.csv", index=False)
    run_decoding_benchmark(pipes, progress=False).to_csv(results_dir / "decoding.csv", index=False)
    pd.DataFrame(
        {
            "dataset": "abide",
            "pipeline": ["motifs"] * 3 + ["<b>connectome</b>"] * 3,
            "evaluation": "leave-site-out",
            "session": ["KKI", "NYU", "UM"] * 2,
            "score": [0.6, 0.55, 0.7, 0.5, 0.62, 0.58],
            "chance": 0.52,
        }
    ).to_csv(results_dir / "fmri.csv", index=False)
    output = make_report(results_dir, root / "out" / "report.html", pipelines_dir=pipes)
    return output, results, output.read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_embeds_every_figure_and_saves_png_and_svg(real_report):
    output, _, page = real_report
    expected = [
        "scores",
        "pairwise",
        "confusion",
        "fit_time",
        "leakage",
        "r2map_1",
        "decoding_scores",
        "decoded_trajectories",
        "fmri_scores",
    ]
    images = _images(page)
    assert sorted(images) == sorted(expected)
    for raw in images.values():
        _decode_png(raw)
    folder = output.parent / "report_figures"
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert [re.sub(r"^\d\d_", "", Path(p).stem) for p in pngs] == expected
    for png in pngs:
        _decode_png((folder / png).read_bytes())
        svg = ET.parse(folder / png.replace(".png", ".svg")).getroot()
        assert svg.tag.endswith("svg")
    for anchor in [
        "scores",
        "pairwise",
        "confusion",
        "timing",
        "leakage",
        "r2maps",
        "decoding",
        "fmri",
    ]:
        assert f"<section id='{anchor}'>" in page
        assert f"href='#{anchor}'" in page


@pytest.mark.slow
def test_report_tables_hold_the_pipelines_and_their_scores(real_report):
    _, results, page = real_report
    text = _text(page)
    for name in ["CSP+LDA", "PSD+R2+LDA", "KF", "motifs", "&lt;b&gt;connectome&lt;/b&gt;"]:
        assert name in text
    assert "<b>connectome</b>" not in page  # names are escaped
    means = results.groupby("pipeline")["score"].mean()
    grid = page[page.index("table class='data grid'") :]
    grid = grid[: grid.index("</table>")]
    for pipeline, mean in means.items():
        assert re.search(rf"<th>{re.escape(pipeline)}</th><td[^>]*>{mean:.3f} ± ", grid)
    leakage = pd.read_csv(real_report[0].parent.parent / "results" / "leakage.csv")
    assert f"{leakage['optimistic'].iloc[0]:.3f}" in text


@pytest.mark.slow
def test_report_header_and_self_containment(real_report):
    output, _, page = real_report
    assert page.startswith("<!DOCTYPE html>")
    assert f"neuropipe {neuropipe.__version__}" in page
    assert datetime.date.today().isoformat() in page
    assert "make_report(" in page
    assert not re.search(r"(src|href)=['\"](https?:|//|file:)", page)
    assert "<script" not in page and "<link" not in page


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
    output = make_report(folder, tmp_path / "r.html", tmp_path / "figs", fit_models=False)
    page = output.read_text()
    assert sorted(_images(page)) == ["decoding_scores", "fit_time", "pairwise", "scores"]
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
