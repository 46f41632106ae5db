"""The report renders in a real browser: headless Chromium takes a screenshot of it.

The screenshot is kept in ``test-artifacts/report.png`` (gitignored) for a person to look
at. Needs the Debian package ``chromium``; skipped where it is absent, except in CI
(``CI`` set), where a missing browser fails the test.
"""

import os
import shutil
import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from neuropipe.report import make_report

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _chromium():
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI must run 'apt-get install -y chromium'.")
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    return binary


def _results(folder):
    """Four pipelines on two datasets, with chance levels, leakage and decoding rows."""
    folder.mkdir()
    rng = np.random.default_rng(1)
    rows = [
        {
            "dataset": dataset,
            "subject": s,
            "session": "0",
            "pipeline": p,
            "score": float(np.clip(base + 0.08 * rng.standard_normal(), 0, 1)),
            "time": 0.02 * 3**k,
            "samples": 45,
            "evaluation": "WithinSession",
            "scoring": "roc_auc",
            "chance": 0.5,
            "chance_p95": 0.62,
            "n_classes": 2,
        }
        for dataset in ("eegmmidb-leftright", "eegmmidb-handsfeet")
        for s in range(1, 7)
        for k, (p, base) in enumerate(
            [("CSP+LDA", 0.6), ("TS+LR", 0.68), ("PSD+R2+LDA", 0.5), ("ACM+MDM", 0.72)]
        )
    ]
    pd.DataFrame(rows).to_csv(folder / "results.csv", index=False)
    pd.DataFrame(
        {
            "dataset": "eegmmidb-leftright",
            "pipeline": ["PSD+R2+LDA"],
            "leak_free": [0.51],
            "optimistic": [0.79],
            "subjects": [6],
            "gap": [0.28],
        }
    ).to_csv(folder / "leakage.csv", index=False)
    pd.DataFrame(
        {
            "dataset": "flint2012",
            "subject": 1,
            "session": 1,
            "pipeline": ["KF", "DKF-NW"],
            "evaluation": "TimeOrderedSplit",
            "state": "all",
            "score": [0.40, 0.65],
            "nrmse": [0.78, 0.59],
            "maae": [0.9, 0.73],
            "time": [0.03, 1.4],
            "samples": 5000,
        }
    ).to_csv(folder / "decoding.csv", index=False)
    return folder


@pytest.mark.slow
def test_report_renders_in_headless_chromium(tmp_path):
    binary = _chromium()
    report = make_report(_results(tmp_path / "results"), tmp_path / "report.html", models=False)
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    subprocess.run(
        [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={screenshot}",
            "--window-size=1280,2000",
            report.resolve().as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    assert screenshot.is_file()
    pixels = matplotlib.image.imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    assert pixels.std() > 0.05  # not a blank page
    # the dark header band (#14213d) is drawn at the top: the page's CSS was applied
    assert np.allclose(pixels[10, 640], np.array([0x14, 0x21, 0x3D]) / 255, atol=0.02)
    # figures were decoded and drawn: many distinct colours below the header
    colours = np.unique((pixels[200:] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 500
