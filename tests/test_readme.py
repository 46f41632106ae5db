"""The README's examples run as written, the gallery runs, the API reference is complete."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def _build_docs():
    spec = importlib.util.spec_from_file_location("build_docs", REPO / "docs" / "build_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NEUROPIPE_DATA"}
    env.update(HOME=str(tmp_path), MNE_DATA=str(tmp_path / "mne_data"), MPLBACKEND="Agg")
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return env


#: A python block of a markdown file (the README's, docs/*.md's: tests/test_docs.py).
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", flags=re.S)


def run_blocks(blocks, cwd, tmp_path, timeout=600):
    """Run markdown python blocks as one script (later blocks use earlier names).

    In a new process, from ``cwd``, with a fresh ``HOME`` and ``MNE_DATA`` and one BLAS
    thread; returns the finished process (``returncode``, ``stdout``, ``stderr``).
    """
    script = tmp_path / "blocks.py"
    script.write_text("\n".join(blocks))
    return subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=_env(tmp_path), capture_output=True,
        text=True, timeout=timeout,
    )


def test_readme_paths_exist():
    paths = set(re.findall(r"(?<![\w/])((?:pipelines|data|docs)/[\w./-]+\.\w+)", README))
    assert "pipelines/ts_lr.py" in paths and "data/eegmmidb/S001/S001R04.edf" in paths
    missing = sorted(p for p in paths if not (REPO / p).exists())
    assert not missing, f"README names files that do not exist: {missing}"


@pytest.mark.slow
def test_readme_python_blocks_run_as_written(tmp_path):
    blocks = PYTHON_BLOCK.findall(README)
    assert len(blocks) >= 5
    done = run_blocks(blocks, REPO, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    scores = [float(x) for x in re.findall(r"^(0\.\d+)$", done.stdout, flags=re.M)]
    assert len(scores) == 2 and scores[0] == pytest.approx(scores[1])  # arrays == mne.Epochs


EXAMPLES = sorted((REPO / "docs" / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_gallery_example_runs(path, tmp_path):
    done = subprocess.run(
        [sys.executable, str(path)], cwd=REPO, env=_env(tmp_path), capture_output=True,
        text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_gallery_and_api_reference_are_complete():
    docs = _build_docs()
    assert len(EXAMPLES) >= 4
    api = docs.render_api()
    for module, _ in docs.MODULES:
        for name in docs.public_names(module):
            assert f"### `{name}" in api, f"{module}.{name} missing from the API reference"
    assert "**Parameters**" in api and "```python\n>>> " in api
    committed = (REPO / "docs" / "api.md").read_text()
    listed = set(re.findall(r"^### `(\w+)", committed, flags=re.M))
    assert {"EpochsToArray", "get_dataset", "install_sample_data", "BandPower"} <= listed
    assert not re.search(r" at 0x[0-9a-f]+>", api + committed), "memory address in api.md"
    gallery = (REPO / "docs" / "gallery.md").read_text()
    assert all(f"docs/examples/{p.name}" in gallery for p in EXAMPLES)
