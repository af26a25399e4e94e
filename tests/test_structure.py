"""The code keeps the shape the README describes: a newcomer finds each behaviour by its file's name."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _graph():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("import_graph", module)  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_no_cycles_no_private_imports_few_function_imports_small_modules():
    graph = _graph()
    assert graph.problems(graph.load()) == []


def test_the_graph_would_catch_a_cycle_and_a_private_import(tmp_path):
    graph = _graph()
    modules = graph.load()
    # Pretend the mail package imported the documents' links module: mail must stay a leaf.
    modules["app.mail.operations"].imports.add("app.documents.links")
    modules["app.mail.operations"].private_imports.append((1, "app.documents.links._refusal"))
    found = graph.problems(modules)
    assert any(line.startswith("package cycle") and "app.mail" in line for line in found)
    assert any("imports private app.documents.links._refusal" in line for line in found)


def test_no_feature_imports_the_removed_catch_all_modules():
    for gone in ("app/cli.py", "app/links.py", "app/sealing.py", "app/documents/operations.py",
                 "app/reviews/operations.py", "app/staff/views.py"):
        assert not (ROOT / gone).exists(), gone
