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
#: The one circle left (through function-level imports): ``protocols.evaluate`` dispatches
#: on the protocol name into the family modules, which call ``protocols.evaluate_folds``.
#: Paradigm objects that own their evaluation (issue 25 item 3) remove it.
KNOWN_CIRCLE = {
    "neuropipe.evaluation.protocols",
    "neuropipe.evaluation.fmri",
    "neuropipe.evaluation.decoding",
    "neuropipe.evaluation.pseudo_online",
}
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


def test_the_only_circle_is_the_known_protocol_dispatch():
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
