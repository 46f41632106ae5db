"""The layout of neuropipe, read from the source (AST): who may import whom.

Layers, bottom to top (docs/design.md draws them): private helpers; ``io``; the estimator
rooms (``preprocessing``, ``features``, ``selection``, ``decoders``, ``harmonization``,
``ensemble``); ``model_selection`` (splitters and searches); ``datasets``, ``persistence``
and ``discovery``; ``evaluation`` (the fold maths) and ``online`` (the sliding-window
decoder); ``benchmark`` (planning, runner, task store, fingerprints, results tables, caches,
Dask, pipeline files); ``clinical``, ``report`` and the live LSL client; the command lines.
A module imports only from its own layer or lower ones, at module level or inside a
function; pipeline files import model-building tools only from the estimator rooms and
``model_selection``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "neuropipe"

LAYERS = [
    ("neuropipe._",),
    ("neuropipe.io",),
    (
        "neuropipe.preprocessing",
        "neuropipe.features",
        "neuropipe.selection",
        "neuropipe.decoders",
        "neuropipe.harmonization",
        "neuropipe.ensemble",
    ),
    ("neuropipe.model_selection",),
    ("neuropipe.datasets", "neuropipe.persistence", "neuropipe.discovery"),
    ("neuropipe.evaluation", "neuropipe.online"),
    ("neuropipe.benchmark",),
    ("neuropipe.clinical", "neuropipe.report", "neuropipe.online.live"),
    ("neuropipe.cli", "neuropipe.clinical_cli", "neuropipe.online.cli", "neuropipe.report.cli"),
]
#: Upward imports still in the tree, each with what removes it (issue 25).
KNOWN_UPWARD: set = set()
#: Circles allowed through function-level imports: none since the protocol registry
#: (``evaluation/paradigms.py``) dispatches instead of ``protocols.evaluate``.
KNOWN_CIRCLE: set = set()
#: Rooms a pipeline file builds its model from.
PIPELINE_ROOMS = (
    "neuropipe.model_selection",
    "neuropipe.features",
    "neuropipe.decoders",
    "neuropipe.preprocessing",
    "neuropipe.selection",
    "neuropipe.ensemble",
    "neuropipe.harmonization",
)
#: Names a pipeline file may take from elsewhere: data facts (ABIDE's column names) and the
#: loader of a sibling pipeline file (neither is a step of the model, so no saved model
#: names these modules).
PIPELINE_EXTRAS = {
    "neuropipe.datasets.abide": {"COVARIATES", "SITE_COLUMN"},
    "neuropipe.benchmark.pipeline_files": {"load_pipeline_file"},
}


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path, module=None):
    """``(imported module, names, at module level)`` for every neuropipe import of a file."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    package = module if module and path.name == "__init__.py" else (module or "").rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, set(), id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:  # `from .pkg import submodule` imports the submodule
                sub = f"{target}.{alias.name}"
                name = sub if sub in MODULES else target
                found.append((name, {alias.name}, id(node) in top))
    return [f for f in found if f[0].split(".")[0] == "neuropipe"]


EDGES = [
    (module, target, top)
    for module, path in MODULES.items()
    for target, _, top in _imports(path, module)
    if target != module
]


def _in(module, prefix):
    if prefix.endswith("_"):  # private helpers at the top of the package
        return module.startswith(prefix)
    return module == prefix or module.startswith(prefix + ".")


def _layer(module):
    """Index in LAYERS of the longest prefix naming ``module`` (None: in no layer)."""
    matches = [
        (len(prefix), i)
        for i, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if _in(module, prefix)
    ]
    return max(matches)[1] if matches else None


def _circles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    graph = {}
    for a, b, _ in edges:
        graph.setdefault(a, set()).add(b)
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_is_read():
    targets = {(a, b) for a, b, _ in EDGES}
    assert ("neuropipe.evaluation.protocols", "neuropipe.model_selection") in targets
    assert ("neuropipe.model_selection._search", "neuropipe.model_selection._split") in targets
    assert all(_layer(m) is not None for m in MODULES if m != "neuropipe"), [
        m for m in MODULES if m != "neuropipe" and _layer(m) is None
    ]


def test_no_import_circle_at_module_level():
    assert _circles([e for e in EDGES if e[2]]) == []


def test_no_import_circle_at_all():
    circles = _circles(EDGES)
    assert all(circle <= KNOWN_CIRCLE for circle in circles), circles
    assert not any(m.startswith("neuropipe.model_selection") for c in circles for m in c)


def test_no_import_from_a_higher_layer():
    upward = {(a, b) for a, b, _ in EDGES if b != "neuropipe" and _layer(b) > _layer(a)}
    assert upward <= KNOWN_UPWARD, sorted(upward - KNOWN_UPWARD)


def test_model_selection_imports_nothing_from_evaluation():
    used = {b for a, b, _ in EDGES if a.startswith("neuropipe.model_selection")}
    assert used and not any(b.startswith("neuropipe.evaluation") for b in used), used


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "pipelines").rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT / "pipelines")),
)
def test_pipeline_files_build_models_from_the_estimator_rooms(path):
    for module, names, _ in _imports(path):
        if module.startswith(PIPELINE_ROOMS):
            continue
        assert names <= PIPELINE_EXTRAS.get(module, set()), (
            f"{path.name} imports {sorted(names)} from {module}; pipeline files take "
            f"model-building tools from {', '.join(PIPELINE_ROOMS)}"
        )


#: Function-level imports of neuropipe modules that stay, each with its reason. The command
#: lines load the saved-model machinery only for the commands that use it: ``persistence``
#: imports skops (with ``clinical``, +0.7-1.1 s and ~900 modules), which ``neuropipe --help``,
#: ``neuropipe benchmark`` and ``neuropipe report`` never need (issue 27: small jobs).
DEFERRED_NEUROPIPE = {
    ("neuropipe.clinical_cli", "neuropipe.clinical"): "fit/predict only: skops",
    ("neuropipe.clinical_cli", "neuropipe.persistence"): "predict only: skops",
    ("neuropipe.online.cli", "neuropipe.online.live"): "online only: clinical, skops, mne_lsl",
}
#: Third-party libraries a function may import instead of its module: optional
#: dependencies, or heavy ones that few calls need (``import neuropipe`` and the command
#: line stay fast, issue 27).
DEFERRED_LIBRARIES = {
    "mne": "readers and MNE objects: ~1 s to import",
    "mne_bids": "optional: BIDS datasets",
    "moabb": "optional: MOABB datasets and pipeline files",
    "mne_lsl": "optional: live decoding",
    "matplotlib": "figures only",
    "cycler": "figures only (matplotlib's)",
    "PIL": "report images only",
    "jinja2": "the HTML report only",
    "pyriemann": "the Riemannian stages and transfer pipelines only",
    "nilearn": "fMRI stages and readers only",
    "numba": "optional accelerator of the connectivity stage",
    "dask": "optional: --dask / --scheduler",
    "scipy": "scipy.stats / linalg / io / sparse, each where one function needs it",
    "tomllib": "TOML datasets only (standard library from Python 3.11)",
    "tomli": "TOML datasets on Python 3.10",
    "threadpoolctl": "BLAS limits only when a thread limit is set",
    "pandas": "tables only: the layer-0 helpers (_validation) load with numpy alone",
}


def _function_level_imports(path, module):
    """``(imported module, top-level package)`` of every import inside a function, except in
    a package's PEP 562 ``__getattr__`` (names loaded on first use)."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    lazy = {
        id(node)
        for node in tree.body
        if path.name == "__init__.py"
        and isinstance(node, ast.FunctionDef)
        and node.name == "__getattr__"
    }
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if id(function) in lazy:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                found += [(a.name, a.name.split(".")[0]) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = node.module or ""
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.append((sub if sub in MODULES else target, target.split(".")[0]))
    return found


FUNCTION_LEVEL = {
    (module, target, root)
    for module, path in MODULES.items()
    for target, root in _function_level_imports(path, module)
}


def test_no_function_level_import_of_a_neuropipe_module():
    """Every neuropipe module a module uses is imported at its top, so the import graph
    tests above see every edge, and no circle hides inside a function."""
    found = {(m, t) for m, t, root in FUNCTION_LEVEL if root == "neuropipe"}
    assert found <= set(DEFERRED_NEUROPIPE), sorted(found - set(DEFERRED_NEUROPIPE))


def test_functions_import_only_optional_or_heavy_libraries():
    found = {(m, root) for m, _, root in FUNCTION_LEVEL if root != "neuropipe"}
    unlisted = {(m, r) for m, r in found if r not in DEFERRED_LIBRARIES}
    assert not unlisted, sorted(unlisted)


#: The modules that may compare a name with a paradigm's (the registries): every other
#: module asks a dataset's ``modality`` or a paradigm / protocol object.
FAMILY_NAMES = {"eeg", "fmri", "decoding"}
REGISTRIES = {"neuropipe.datasets.registry", "neuropipe.evaluation.paradigms"}


def _family_comparisons(path):
    """``(line, source)`` of every ``==`` / ``!=`` / ``in`` / ``not in`` comparison whose
    operand is one of the paradigm names (a literal, or a tuple / list / set of them)."""

    def names(node):
        if isinstance(node, ast.Constant):
            return {node.value} & FAMILY_NAMES
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return set().union(*(names(e) for e in node.elts)) if node.elts else set()
        return set()

    source = path.read_text()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for op in node.ops
        ):
            if any(names(operand) for operand in [node.left, *node.comparators]):
                found.append((node.lineno, ast.get_source_segment(source, node)))
    return found


def test_no_module_outside_the_registries_branches_on_a_paradigm_name():
    branches = {
        f"{module}:{line}": text
        for module, path in sorted(MODULES.items())
        if module not in REGISTRIES
        for line, text in _family_comparisons(path)
    }
    assert not branches, (
        "Ask the paradigm and protocol objects (neuropipe.evaluation.paradigms) or the "
        f"dataset registry instead of comparing a paradigm name: {branches}"
    )
