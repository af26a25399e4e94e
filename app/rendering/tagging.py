"""Tags for the evidence page: reportlab draws it but writes no structure tree, so this marks what it draws.

Each heading, paragraph and table cell is drawn inside a marked-content sequence (BDC … EMC with
an MCID), the tables' backgrounds and rules as artifacts; `tag_pdf` then writes the structure tree
(Sect: H1, P, H2, Table: TR: TH/TD) and the parent tree, so a screen reader and `pdfinfo -struct`
see headings and header cells. `graft` moves that tree into the sealed record's own, beside the
agreed document's, when the evidence pages are added to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table


@dataclass(frozen=True)
class Mark:
    """One marked-content sequence: the page (from 0) and its MCID there."""

    page: int
    mcid: int


@dataclass
class Node:
    """A structure element as drawn: its tag, its attributes (a header cell's scope) and its kids."""

    tag: str
    scope: str = ""
    kids: list[Node | Mark] = field(default_factory=list)


class Tagger:
    """Collect the structure of one evidence page while reportlab draws it."""

    def __init__(self) -> None:
        self.root = Node("Sect")
        self._mcids: dict[int, int] = {}
        self._table: Node | None = None
        self._row: Node | None = None

    def begin(self, canvas: Canvas, node: Node) -> None:
        """Start a marked-content sequence belonging to node on the canvas's current page."""
        page = canvas.getPageNumber() - 1
        mcid = self._mcids.get(page, 0)
        self._mcids[page] = mcid + 1
        node.kids.append(Mark(page, mcid))
        canvas.addLiteral(f"/{node.tag} <</MCID {mcid}>> BDC")

    @staticmethod
    def end(canvas: Canvas) -> None:
        canvas.addLiteral("EMC")

    def table_events(self, table: Table, event: str, *args: Any) -> None:
        """reportlab's renderCB: a Table node per drawn table (or part of one), TH for the header row
        (repeated on a new page) and the label column, TD for values, artifacts for the rest."""
        canvas = table.canv
        if event == "startTable":
            self._table = Node("Table")
            self.root.kids.append(self._table)
        elif event in ("startBG", "startLines"):
            canvas.addLiteral("/Artifact BMC")
        elif event in ("endBG", "endLines"):
            self.end(canvas)
        elif event == "startRow" and self._table is not None:
            self._row = Node("TR")
            self._table.kids.append(self._row)
        elif event == "startCell" and self._row is not None:
            row, column = args[0], args[1]
            header = row < max(table.repeatRows, 1)
            if header or column == 0:
                cell = Node("TH", scope="Column" if header else "Row")
            else:
                cell = Node("TD")
            self._row.kids.append(cell)
            self.begin(canvas, cell)
        elif event == "endCell":
            self.end(canvas)


class TaggedParagraph(Paragraph):
    """A paragraph drawn as one structure element (P, H1, H2): both halves of a split share it."""

    tagger: Tagger | None = None
    node: Node | None = None

    def tag(self, tagger: Tagger, name: str) -> TaggedParagraph:
        self.tagger, self.node = tagger, Node(name)
        return self

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        parts = super().split(availWidth, availHeight)
        for part in parts:
            if isinstance(part, TaggedParagraph):
                part.tagger, part.node = self.tagger, self.node
        return parts

    def draw(self) -> None:
        if self.tagger is None or self.node is None:
            super().draw()
            return
        if not any(self.node is kid for kid in self.tagger.root.kids):
            self.tagger.root.kids.append(self.node)
        self.tagger.begin(self.canv, self.node)
        super().draw()
        self.tagger.end(self.canv)


def tagged(text: str, style: ParagraphStyle, tagger: Tagger, name: str = "P") -> TaggedParagraph:
    """Return a paragraph of markup text drawn as one structure element."""
    return TaggedParagraph(text, style).tag(tagger, name)


def tag_pdf(pdf: bytes, tagger: Tagger, *, lang: str) -> bytes:
    """Return the PDF with the structure tree of what tagger saw drawn: Document, then its Sect."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    struct_root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    struct_ref = writer._add_object(struct_root)
    document = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Document"),
                                 NameObject("/P"): struct_ref})
    document_ref = writer._add_object(document)
    pages = [page.indirect_reference for page in writer.pages]
    by_page: dict[int, dict[int, IndirectObject]] = {}

    def element(node: Node, parent: IndirectObject) -> IndirectObject:
        built = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject(f"/{node.tag}"),
                                  NameObject("/P"): parent})
        ref = writer._add_object(built)
        if node.scope:
            built[NameObject("/A")] = DictionaryObject({NameObject("/O"): NameObject("/Table"),
                                                        NameObject("/Scope"): NameObject(f"/{node.scope}")})
        kids = ArrayObject()
        for kid in node.kids:
            if isinstance(kid, Mark):
                kids.append(_mcr(pages[kid.page], kid.mcid))
                by_page.setdefault(kid.page, {})[kid.mcid] = ref
            else:
                kids.append(element(kid, ref))
        built[NameObject("/K")] = kids
        return ref

    document[NameObject("/K")] = ArrayObject([element(tagger.root, document_ref)])
    struct_root[NameObject("/K")] = ArrayObject([document_ref])
    nums = ArrayObject()
    for page, marks in sorted(by_page.items()):
        writer.pages[page][NameObject("/StructParents")] = NumberObject(page)
        nums.extend([NumberObject(page), ArrayObject(marks[mcid] for mcid in sorted(marks))])
    struct_root[NameObject("/ParentTree")] = DictionaryObject({NameObject("/Nums"): nums})
    struct_root[NameObject("/ParentTreeNextKey")] = NumberObject(len(pages))
    _mark(writer, struct_ref)
    writer.root_object[NameObject("/Lang")] = TextStringObject(lang)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def graft(writer: PdfWriter, evidence: PdfReader, first_page: int) -> None:
    """Give the evidence pages' structure (added to writer from first_page on) to writer's own structure tree."""
    source = evidence.trailer["/Root"].get("/StructTreeRoot")
    if source is None:
        return
    struct_root, document = _structure_of(writer)
    index = {page.indirect_reference.idnum: i for i, page in enumerate(evidence.pages)}
    targets = [writer.pages[first_page + i].indirect_reference for i in range(len(evidence.pages))]
    first_key = _next_key(struct_root)
    by_page: dict[int, dict[int, IndirectObject]] = {}

    def copy(element: DictionaryObject, parent: IndirectObject) -> IndirectObject:
        built = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): element["/S"],
                                  NameObject("/P"): parent})
        ref = writer._add_object(built)
        if "/A" in element:
            built[NameObject("/A")] = element["/A"].get_object().clone(writer)
        kids = ArrayObject()
        for kid in _as_list(element.get("/K")):
            kid = kid.get_object()
            if isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR":
                page = index[kid.raw_get("/Pg").idnum]
                kids.append(_mcr(targets[page], int(kid["/MCID"])))
                by_page.setdefault(page, {})[int(kid["/MCID"])] = ref
            elif isinstance(kid, DictionaryObject):
                kids.append(copy(kid, ref))
        built[NameObject("/K")] = kids
        return ref

    added = []
    for top in _as_list(source.get_object().get("/K")):
        for section in _as_list(top.get_object().get("/K")):  # the evidence's Document holds its Sect
            added.append(copy(section.get_object(), document))
    kids = document.get_object().get("/K")
    document.get_object()[NameObject("/K")] = ArrayObject([*_as_list(kids), *added])
    nums = ArrayObject()
    for page, marks in sorted(by_page.items()):
        writer.pages[first_page + page][NameObject("/StructParents")] = NumberObject(first_key + page)
        nums.extend([NumberObject(first_key + page), ArrayObject(marks[mcid] for mcid in sorted(marks))])
    tree = struct_root["/ParentTree"].get_object()
    if "/Kids" in tree:
        kid = DictionaryObject({NameObject("/Nums"): nums, NameObject("/Limits"): ArrayObject(
            [NumberObject(first_key), NumberObject(first_key + len(targets) - 1)])})
        tree["/Kids"].get_object().append(writer._add_object(kid))
    else:
        tree.setdefault(NameObject("/Nums"), ArrayObject()).get_object().extend(nums)
    struct_root[NameObject("/ParentTreeNextKey")] = NumberObject(first_key + len(targets))


def _structure_of(writer: PdfWriter) -> tuple[DictionaryObject, IndirectObject]:
    """Return writer's structure tree root and its Document element, made if the PDF has none (not tagged)."""
    root = writer.root_object
    if "/StructTreeRoot" not in root:
        struct_root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot"),
                                        NameObject("/ParentTree"): DictionaryObject({NameObject("/Nums"): ArrayObject()})})
        _mark(writer, writer._add_object(struct_root))
    struct_root = root["/StructTreeRoot"].get_object()
    for kid in _as_list(struct_root.get("/K")):
        if isinstance(kid, IndirectObject) and kid.get_object().get("/S") == "/Document":
            return struct_root, kid
    document = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Document"),
                                 NameObject("/P"): root.raw_get("/StructTreeRoot"),
                                 NameObject("/K"): ArrayObject(_as_list(struct_root.get("/K")))})
    document_ref = writer._add_object(document)
    struct_root[NameObject("/K")] = ArrayObject([document_ref])
    return struct_root, document_ref


def _next_key(struct_root: DictionaryObject) -> int:
    """Return the first parent-tree key no page or annotation uses yet."""
    keys = [-1]

    def walk(node: DictionaryObject) -> None:
        nums = node.get("/Nums")
        if nums is not None:
            keys.extend(int(key) for key in list(nums.get_object())[::2])
        for kid in _as_list(node.get("/Kids")):
            walk(kid.get_object())

    if "/ParentTree" in struct_root:
        walk(struct_root["/ParentTree"].get_object())
    return max(max(keys) + 1, int(struct_root.get("/ParentTreeNextKey", 0)))


def _as_list(value: PdfObject | None) -> list[Any]:
    """Return an array's items, or a single object as a list of one (a reference kept a reference)."""
    if value is None:
        return []
    resolved = value.get_object()
    return list(resolved) if isinstance(resolved, ArrayObject) else [value]


def _mcr(page: IndirectObject | None, mcid: int) -> DictionaryObject:
    return DictionaryObject({NameObject("/Type"): NameObject("/MCR"), NameObject("/Pg"): page,
                             NameObject("/MCID"): NumberObject(mcid)})


def _mark(writer: PdfWriter, struct_ref: IndirectObject) -> None:
    writer.root_object[NameObject("/StructTreeRoot")] = struct_ref
    writer.root_object[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})

