"""Checking a Word form before it is installed: every fault is reported, with where it is."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml import parse_xml

from app.rendering import Problem, RenderError, check_template, render_docx

from .support import contract_path, profile, texts

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DELETION = (
    '<w:del w:id="1" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r><w:delText>x</w:delText></w:r></w:del>'
)
BOLD = "<w:rPr><w:b/></w:rPr>"


def contract_provided() -> dict[str, Any]:
    """The variables a contract form receives, one example each (docs/templates.md)."""
    terms = {key: value for key, value in profile()["defaults"].items() if isinstance(value, str)}
    person = {"name": "Sam Patel", "email": "sam.patel@example.org", "position": "DSL"}
    return {
        "trust": {"name": "The Heart of Mercia Academy Trust"},
        "document": {"title": "Supervision contract", "reference": "CS-000123 v2", "kind": "contract"},
        "school": "Oakfield Primary School",
        "supervisor": {
            "name": "Alex Morgan",
            "email": "alex.morgan@example.org",
            "position": "Regional Safeguarding Lead",
        },
        "supervisee": person,
        "supervisees": [person],
        "terms": terms,
        "signed": {
            "supervisor": {"name": "Alex Morgan", "date": "24 November 2026", "place": ""},
            "supervisee": {"name": "Sam Patel", "date": "25 November 2026", "place": ""},
            "supervisees": [{"name": "Sam Patel", "date": "25 November 2026", "place": ""}],
        },
        "agreed_date": "1 September 2026",
        "review_date": "1 September 2027",
        "supervisee_expectations": "",
        "confidentiality_discussed": "Yes",
        "other_agreements": "",
    }


def record_provided() -> dict[str, Any]:
    provided = contract_provided()
    provided.update(
        session_date="14 October 2026",
        actions=[{"what": "Review plan", "who": "Sam Patel", "due": "1 November 2026"}],
        sections=[{"title": "Analysis", "text": "Notes"}],
    )
    return provided


CONTRACT_REQUIRED = ("supervisor.name", "supervisee.name", "agreed_date", "review_date", "document.reference")


def docx(*paragraphs: str, table: list[list[str]] | None = None, header: str | None = None) -> bytes:
    """A .docx with one single-run paragraph per string, then an optional table and header."""
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if table is not None:
        grid = doc.add_table(rows=len(table), cols=len(table[0]))
        for row, cells in zip(grid.rows, table, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_with_runs(runs_xml: str) -> bytes:
    """A .docx whose second paragraph is written run by run, as Word may store a typed tag."""
    doc = Document()
    doc.add_paragraph("Supervision contract")
    doc.element.body.insert(1, parse_xml(f'<w:p xmlns:w="{W_NS}">{runs_xml}</w:p>'))
    doc.add_paragraph("Supervisor: {{ supervisor.name }}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def run(text: str, properties: str = "") -> str:
    return f'<w:r>{properties}<w:t xml:space="preserve">{text}</w:t></w:r>'


def kinds(problems: list[Problem]) -> list[str]:
    return [problem.kind for problem in problems]


def render(tmp_path: Path, form: bytes, context: dict[str, Any]) -> bytes:
    (tmp_path / "form.docx").write_bytes(form)
    return render_docx(tmp_path / "form.docx", context)


# --- sound forms -----------------------------------------------------------------------------------


def test_a_sound_form_has_no_problems() -> None:
    form = docx(
        "Supervisee: {{ supervisee.name }} ({{ supervisee.email }})",
        "{% set lead = supervisor %}Supervisor: {{ lead.name|upper }}",
        "{% for s in supervisees %}{{ loop.index }}. {{ s.name }}{% if not loop.last %}, {% endif %}{% endfor %}",
        "{% if terms.parking is defined %}Parking: {{ terms.parking }}{% endif %}",
        "Venue: {{ terms.venue|default('to be agreed') }}; {{ terms.room|default('') }}",
        "Everyone: {{ supervisees|map(attribute='name')|join(', ') }}",
        table=[
            ["What", "Who"],
            ["{%tr for a in actions %}", ""],
            ["{{ a.what }}", "{{ a.who }} by {{ a.due }}"],
            ["{%tr endfor %}", ""],
        ],
        header="{{ trust.name }}",
    )
    assert check_template(form, provided=record_provided(), required=["supervisee.name", "actions"]) == []


def test_the_heart_of_mercia_contract_passes() -> None:
    problems = check_template(
        contract_path().read_bytes(), provided=contract_provided(), required=CONTRACT_REQUIRED
    )
    assert problems == []


def test_tags_word_split_only_by_formatting_or_spell_check_are_fine(tmp_path: Path) -> None:
    # docxtpl joins these itself: the rendered form shows the value.
    for runs in (
        run("Supervisee: {{ supervisee.") + '<w:proofErr w:type="spellStart"/>' + run("name }}"),
        run("Supervisee: {{ supervisee.") + run("name }}", BOLD),
        run("Supervisee: {") + '<w:proofErr w:type="spellStart"/>' + run("{ supervisee.name }}"),
        run("Supervisee: {")
        + '<w:bookmarkStart w:id="0" w:name="b"/><w:bookmarkEnd w:id="0"/>'
        + run("{ supervisee.name }}"),
        run("Supervisee: {{ supervisee.") + DELETION + run("name }}"),
    ):
        form = docx_with_runs(runs)
        assert texts(render(tmp_path, form, contract_provided()))[1] == "Supervisee: Sam Patel"
        assert check_template(form, provided=contract_provided()) == []


# --- each fault, and where it is -------------------------------------------------------------------


def test_garbage_is_unreadable_without_raising() -> None:
    for data in (b"not a zip at all", b"", zipfile_with("hello.txt", b"hi")):
        problems = check_template(data, provided={})
        assert kinds(problems) == ["unreadable"]
        assert "not a readable Word" in str(problems[0])


def zipfile_with(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(name, data)
    return out.getvalue()


def test_a_syntax_error_names_the_paragraph(tmp_path: Path) -> None:
    form = docx("Supervision contract", "Agreed on {% if agreed_date %}{{ agreed_date }}", "Signed")
    with pytest.raises(RenderError, match="syntax error"):
        render(tmp_path, form, contract_provided())
    (problem,) = check_template(form, provided=contract_provided())
    assert problem.kind == "syntax"
    assert "paragraph 2 ('Agreed on {% if agreed_date %}{{ agreed_date }}')" in str(problem)


def test_a_syntax_error_in_a_table_cell_names_the_cell() -> None:
    form = docx("Contract", table=[["Name", "Date"], ["{{ supervisor.name }}", "{{ agreed_date| }}"]])
    (problem,) = check_template(form, provided=contract_provided())
    assert problem.kind == "syntax"
    assert str(problem).startswith("table 1, row 2, cell 2 ('{{ agreed_date| }}')")


def test_a_misspelt_attribute_is_unknown_although_its_object_exists() -> None:
    form = docx("Contract", "Supervisor: {{ supervisor.nmae }}", "Supervisee: {{ supervise.name }}")
    first, second = check_template(form, provided=contract_provided())
    assert first.kind == second.kind == "unknown_variable"
    assert "paragraph 2 ('Supervisor: {{ supervisor.nmae }}')" in str(first)
    assert "supervisor.nmae" in first.message and "did you mean 'name'" in first.message
    assert "paragraph 3 ('Supervisee: {{ supervise.name }}')" in str(second)
    assert "'supervise'" in second.message and "did you mean 'supervisee'" in second.message


def test_loop_variables_resolve_against_the_lists_items() -> None:
    form = docx(
        "Actions",
        table=[["{%tr for a in actions %}", ""], ["{{ a.what }}", "{{ a.whom }}"], ["{%tr endfor %}", ""]],
    )
    (problem,) = check_template(form, provided=record_provided())
    assert problem.kind == "unknown_variable"
    assert str(problem).startswith("table 1, row 2, cell 2 ('{{ a.whom }}')")
    assert "'a.whom'" in problem.message and "each item of actions" in problem.message


def test_a_term_is_allowed_only_under_a_defined_guard() -> None:
    guarded = docx("{% if terms.parking is defined %}Parking: {{ terms.parking }}{% endif %}")
    assert check_template(guarded, provided=contract_provided()) == []
    bare = docx("Parking: {{ terms.parking }}")
    (problem,) = check_template(bare, provided=contract_provided())
    assert problem.kind == "unknown_variable" and "terms.parking" in problem.message


def test_a_problem_in_a_header_names_the_header() -> None:
    form = docx("Body", header="{{ trust.title }}")
    (problem,) = check_template(form, provided=contract_provided())
    assert problem.kind == "unknown_variable"
    assert str(problem).startswith("header 1, paragraph 1 ('{{ trust.title }}')")


def test_a_required_variable_the_form_never_shows_is_missing() -> None:
    form = docx("Supervisor: {{ supervisor.name }}", "{% for s in supervisees %}{{ s.name }}{% endfor %}")
    problems = check_template(
        form, provided=contract_provided(), required=["supervisor.name", "supervisees.name", "review_date"]
    )
    assert kinds(problems) == ["missing_required"]
    assert "review_date" in problems[0].message


@pytest.mark.parametrize(
    ("runs", "shown"),
    [
        (run("Supervisee: {") + DELETION + run("{ supervisee.name }}"), "Supervisee: {{ supervisee.name }}"),
        (
            run("Supervisee: {") + "<w:r><w:instrText>PAGE</w:instrText></w:r>" + run("{ supervisee.name }}"),
            "Supervisee: {{ supervisee.name }}",
        ),
        (run("Supervisee: {") + run(" { supervisee.name }}", BOLD), "Supervisee: { { supervisee.name }}"),
    ],
    ids=["tracked-deletion-between-braces", "field-code-between-braces", "space-between-braces"],
)
def test_a_tag_docxtpl_cannot_rejoin_is_a_split_tag(tmp_path: Path, runs: str, shown: str) -> None:
    form = docx_with_runs(runs)
    with pytest.raises(RenderError, match="left unrendered"):
        render(tmp_path, form, contract_provided())
    (problem,) = check_template(form, provided=contract_provided())
    assert problem.kind == "split_tag"
    assert f"paragraph 2 ('{shown}')" in str(problem)


def test_a_split_closing_brace_that_would_merge_paragraphs_is_a_split_tag(tmp_path: Path) -> None:
    # docxtpl renders this without complaint, but swallows the paragraph break up to the next "}}".
    form = docx_with_runs(run("Supervisee: {{ supervisee.name }") + DELETION + run("} agreed"))
    assert (
        texts(render(tmp_path, form, contract_provided()))[1]
        == "Supervisee: Sam Patel agreedSupervisor: Alex Morgan"
    )
    (problem,) = check_template(form, provided=contract_provided())
    assert problem.kind == "split_tag"
    assert "paragraph 2 ('Supervisee: {{ supervisee.name }} agreed')" in str(problem)


def test_a_block_spanning_a_paragraph_and_a_table_cell_is_reported(tmp_path: Path) -> None:
    form = docx("{% if school %}School: {{ school }}", table=[["{{ supervisor.name }}{% endif %}"]])
    context = contract_provided() | {"school": ""}
    with pytest.raises(RenderError, match="well-formed"):
        render(tmp_path, form, context)
    (problem,) = check_template(form, provided=contract_provided())
    assert problem.kind == "syntax"
    assert str(problem).startswith("paragraph 1 ('{% if school %}School: {{ school }}')")


@pytest.mark.parametrize(
    "tag",
    [
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ supervisor.name.format(supervisor) }}",
        "{{ '{0.__class__}'.format(supervisor) }}",
        "{{ supervisor|attr('__class__') }}",
        "{{ self }}",
        "{{ joiner.mro }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    ],
)
def test_code_reaching_python_internals_is_unsafe(tmp_path: Path, tag: str) -> None:
    form = docx("Contract", f"Note: {tag}")
    (problem,) = check_template(form, provided=contract_provided())
    assert problem.kind == "unsafe"
    assert str(problem).startswith(f"paragraph 2 ('Note: {tag}')")


def test_a_missing_filter_or_a_failure_while_filling_in_is_reported(tmp_path: Path) -> None:
    (missing,) = check_template(docx("{{ supervisor.name|shout }}"), provided=contract_provided())
    assert missing.kind == "syntax" and "'shout'" in missing.message
    (unescaped,) = check_template(docx("{{ supervisor.name|safe }}"), provided=contract_provided())
    assert unescaped.kind == "syntax" and "'safe'" in unescaped.message
    (failing,) = check_template(
        docx("Contract", "{% for n in supervisees|length %}{{ n }}{% endfor %}"), provided=contract_provided()
    )
    assert failing.kind == "syntax" and "not iterable" in failing.message
    assert failing.location.startswith("paragraph 2")


def test_a_problem_str_is_location_then_message() -> None:
    assert str(Problem("syntax", "paragraph 1 ('x')", "broken")) == "paragraph 1 ('x'): broken"


def with_footnote(form: bytes, text: str) -> bytes:
    """Add a footnotes part holding one footnote with text (python-docx cannot write footnotes)."""
    notes = (
        f'<w:footnotes xmlns:w="{W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    relationship = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(form)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    f'<Override PartName="/word/footnotes.xml" ContentType="{content_type}"/></Types>'.encode(),
                )
            elif item.filename == "word/_rels/document.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdNotes" Type="{relationship}" Target="footnotes.xml"/></Relationships>'.encode(),
                )
            target.writestr(item, data)
        target.writestr("word/footnotes.xml", notes)
    return out.getvalue()


def test_problems_in_footers_footnotes_and_document_properties_are_found(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("Supervisor: {{ supervisor.name }}")
    doc.sections[0].footer.paragraphs[0].text = "Reference: {{ document.ref }}"
    doc.core_properties.title = "{{ document.titel }}"
    out = io.BytesIO()
    doc.save(out)
    form = with_footnote(out.getvalue(), "See {{ terms.venu }}")
    context = contract_provided()
    context["document"] |= {"ref": "CS-1", "titel": "Contract"}
    with pytest.raises(RenderError, match="footnotes.xml"):  # the renderer does fill footnotes in
        render(tmp_path, form, context)
    problems = check_template(form, provided=contract_provided())
    assert kinds(problems) == ["unknown_variable"] * 3
    where = {problem.location for problem in problems}
    assert where == {
        "footer 1, paragraph 1 ('Reference: {{ document.ref }}')",
        "footnote 1, paragraph 1 ('See {{ terms.venu }}')",
        "document properties (title)",
    }
