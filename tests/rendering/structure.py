"""Read a PDF's tag tree with Poppler's `pdfinfo -struct-text`: what a screen reader navigates by."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HEADINGS = {"H", "H1", "H2", "H3", "H4", "H5", "H6"}


@dataclass
class Element:
    """One structure element: its tag (H1, Table, TH…), its own text and its children."""

    tag: str
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()

    def all_text(self) -> str:
        return self.text + "".join(child.all_text() for child in self.children)

    def header_cells(self) -> list[Element]:
        """A table's own header cells (TH in its rows, or in THead/TBody rows), not a nested table's."""
        rows = [c for c in self.children if c.tag == "TR"]
        for group in (c for c in self.children if c.tag in {"THead", "TBody", "TFoot"}):
            rows.extend(r for r in group.children if r.tag == "TR")
        return [cell for row in rows for cell in row.children if cell.tag == "TH"]


def structure(pdf: bytes) -> Element:
    """Return the PDF's structure tree (an empty Document when the PDF is not tagged)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    root = Element("root")
    stack: list[tuple[int, Element]] = [(-1, root)]
    for line in out.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("/"):  # attributes: /Placement, /Scope …
            continue
        indent = len(line) - len(line.lstrip())
        if stripped.startswith('"'):
            stack[-1][1].text += stripped[1:-1] if stripped.endswith('"') else stripped[1:]
            continue
        while stack[-1][0] >= indent:
            stack.pop()
        element = Element(stripped.split()[0].rstrip(":"))
        stack[-1][1].children.append(element)
        stack.append((indent, element))
    return root


def headings(tree: Element) -> list[Element]:
    return [e for e in tree.walk() if e.tag in HEADINGS]


def tables(tree: Element) -> list[Element]:
    return [e for e in tree.walk() if e.tag == "Table"]
