"""Report the import graph of app/ and signing/: cycles, private names imported, function-level imports, sizes.

Run: .venv/bin/python scripts/import_graph.py  (exit 1 when a structure rule is broken)
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "signing")
MAX_LINES = 450
MAX_FUNCTION_IMPORTS = 20


@dataclass
class Module:
    name: str
    path: Path
    lines: int
    imports: set[str] = field(default_factory=set)
    function_imports: list[tuple[int, str, str]] = field(default_factory=list)  # line, target, reason
    private_imports: list[tuple[int, str]] = field(default_factory=list)


def module_name(path: Path) -> str:
    """Return the dotted module name of a file under ROOT."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    """Return the absolute module an ImportFrom refers to."""
    if not node.level:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, node.module] if node.module else base)


def scan(path: Path, known: set[str]) -> Module:
    """Parse one file and collect its imports of project modules."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    name = module_name(path)
    module = Module(name, path, len(lines))
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            guarded = type_checking or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            targets: list[tuple[str, list[str]]] = []
            if isinstance(child, ast.Import):
                targets = [(a.name, []) for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = resolve(name, is_package, child)
                targets = [(base, [a.name for a in child.names])]
            if in_function and targets and not guarded:
                line = lines[child.lineno - 1]
                reason = line.split("#", 1)[1].strip() if "#" in line else ""
                module.function_imports.append((child.lineno, targets[0][0], reason))
            for target, names in targets:
                if target.split(".")[0] not in PACKAGES or guarded:
                    continue
                for imported in names or [""]:
                    full = f"{target}.{imported}" if imported else target
                    dest = full if full in known else target
                    module.imports.add(dest)
                    if imported.startswith("_") and not imported.startswith("__"):
                        module.private_imports.append((child.lineno, f"{target}.{imported}"))
            visit(child, nested, guarded)

    visit(tree, False, False)
    return module


def cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def edges(name: str) -> list[str]:
        # Importing a.b.c runs a and a.b first, but those are packages' __init__ only: count the target.
        return [t for t in modules[name].imports if t in modules and t != name]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges(v):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for name in modules:
        if name not in index:
            strong(name)
    return found


def package_of(name: str) -> str:
    """Return the feature a module belongs to: app.documents.links -> app.documents; app.db -> app.db."""
    return ".".join(name.split(".")[:2])


def package_cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Return cycles between features (packages, and top-level modules), which hide module cycles."""
    packages: dict[str, Module] = {}
    for m in modules.values():
        pkg = packages.setdefault(package_of(m.name), Module(package_of(m.name), m.path, 0))
        pkg.imports |= {package_of(t) for t in m.imports if package_of(t) != pkg.name}
    return cycles(packages)


def load() -> dict[str, Module]:
    """Scan every module of the project's packages (migrations excluded)."""
    paths = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts]
    known = {module_name(p) for p in paths}
    return {m.name: m for m in (scan(p, known) for p in sorted(paths))}


def problems(modules: dict[str, Module]) -> list[str]:
    """Return every broken structure rule, one line each."""
    found = [f"import cycle: {' -> '.join(c)}" for c in cycles(modules)]
    found += [f"package cycle: {' <-> '.join(c)}" for c in package_cycles(modules)]
    for m in modules.values():
        found += [f"{m.path.relative_to(ROOT)}:{line}: imports private {what}" for line, what in m.private_imports]
        found += [
            f"{m.path.relative_to(ROOT)}:{line}: function-level import of {what} without a reason"
            for line, what, reason in m.function_imports
            if not reason
        ]
        if m.lines > MAX_LINES:
            found.append(f"{m.path.relative_to(ROOT)}: {m.lines} lines (at most {MAX_LINES})")
    total = sum(len(m.function_imports) for m in modules.values())
    if total > MAX_FUNCTION_IMPORTS:
        found.append(f"{total} function-level imports in all (at most {MAX_FUNCTION_IMPORTS})")
    return found


def main() -> int:
    modules = load()
    found = problems(modules)
    total = sum(len(m.function_imports) for m in modules.values())
    print(f"{len(modules)} modules, {sum(len(m.imports) for m in modules.values())} imports, "
          f"{total} function-level imports, largest {max(m.lines for m in modules.values())} lines")
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
