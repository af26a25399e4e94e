"""Rendering refuses what it cannot do safely: unknown names, broken tags, code in templates."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml

from app.rendering import RenderError, render_docx

from .support import contract_context, contract_path, make_template, texts

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_a_variable_the_context_lacks_is_an_error_naming_it(tmp_path: Path) -> None:
    context = contract_context()
    del context["review_date"]
    with pytest.raises(RenderError, match="review_date") as caught:
        render_docx(contract_path(), context)
    assert "contract.docx" in str(caught.value)
    assert "undefined" in str(caught.value)


def test_a_missing_nested_variable_is_an_error_too(tmp_path: Path) -> None:
    context = contract_context()
    del context["signed"]["supervisee"]
    with pytest.raises(RenderError, match="supervisee"):
        render_docx(contract_path(), context)


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    template = make_template(tmp_path / "broken.docx", "First", "Hello {% if name %}", "Last")
    with pytest.raises(RenderError) as caught:
        render_docx(template, {"name": "x"})
    error = caught.value
    assert error.template == "broken.docx" and error.line is not None
    assert "broken.docx, line" in str(error) and "syntax error" in str(error)


def test_a_tag_word_split_across_runs_is_an_error(tmp_path: Path) -> None:
    # Word shows "{{ name }}", but a tracked deletion sits between the two opening braces, so
    # docxtpl cannot join them and Jinja never sees the tag.
    doc = Document()
    paragraph = doc.add_paragraph()
    paragraph.add_run("Supervisee: {")
    paragraph._p.append(
        parse_xml(
            f'<w:del xmlns:w="{W_NS}" w:id="1" w:author="A" w:date="2024-01-01T00:00:00Z">'
            "<w:r><w:delText>x</w:delText></w:r></w:del>"
        )
    )
    paragraph.add_run("{ name }}")
    doc.save(str(tmp_path / "split.docx"))
    with pytest.raises(RenderError, match="left unrendered"):
        render_docx(tmp_path / "split.docx", {"name": "Sam"})


def test_a_tag_split_across_plain_runs_is_joined_by_docxtpl(tmp_path: Path) -> None:
    doc = Document()
    paragraph = doc.add_paragraph()
    for piece in ("Supervisee: {", "{ na", "me }", "}"):
        paragraph.add_run(piece).bold = True
    doc.save(str(tmp_path / "runs.docx"))
    assert texts(render_docx(tmp_path / "runs.docx", {"name": "Sam"})) == ["Supervisee: Sam"]


def test_a_value_containing_braces_is_not_mistaken_for_a_leftover_tag(tmp_path: Path) -> None:
    template = make_template(tmp_path / "plain.docx", "Venue: {{ venue }}")
    docx = render_docx(template, {"venue": "Room {{ 4 }} {% no %}"})
    assert texts(docx) == ["Venue: Room {{ 4 }} {% no %}"]


@pytest.mark.parametrize(
    "payload",
    [
        "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    ],
)
def test_code_in_a_template_is_refused_and_never_runs(tmp_path: Path, payload: str) -> None:
    marker = Path("/tmp") / f"countersign-pwned-{uuid.uuid4().hex}"
    template = make_template(tmp_path / "evil.docx", "Dear {{ name }}", payload.replace("MARKER", str(marker)))
    try:
        with pytest.raises(RenderError, match="evil.docx"):
            render_docx(template, {"name": "Sam"})
        assert not marker.exists()
    finally:
        marker.unlink(missing_ok=True)


def test_code_in_a_header_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = Path("/tmp") / f"countersign-pwned-{uuid.uuid4().hex}"
    template = make_template(
        tmp_path / "evil.docx",
        "Body",
        header="{{ cycler.__init__.__globals__.os.popen('touch %s').read() }}" % marker,
    )
    try:
        with pytest.raises(RenderError, match="sandbox"):
            render_docx(template, {})
        assert not marker.exists()
    finally:
        marker.unlink(missing_ok=True)


def test_a_template_cannot_switch_escaping_off(tmp_path: Path) -> None:
    template = make_template(tmp_path / "raw.docx", "{{ name|safe }}")
    with pytest.raises(RenderError, match="safe"):
        render_docx(template, {"name": "</w:t>"})


def test_an_already_escaped_value_is_not_escaped_twice(tmp_path: Path) -> None:
    template = make_template(tmp_path / "group.docx", "Supervisees: {{ names|join(', ') }}")
    docx = render_docx(template, {"names": ["O'Brien <Head>", "B & C"]})
    assert texts(docx) == ["Supervisees: O'Brien <Head>, B & C"]


def test_a_file_that_is_not_a_word_document_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_text("not a zip")
    with pytest.raises(RenderError, match="notes.docx"):
        render_docx(tmp_path / "notes.docx", {})
    with pytest.raises(RenderError, match="missing.docx"):
        render_docx(tmp_path / "missing.docx", {})


def test_rendering_leaves_the_template_file_unchanged(tmp_path: Path) -> None:
    before = contract_path().read_bytes()
    render_docx(contract_path(), contract_context())
    assert contract_path().read_bytes() == before
    Document(io.BytesIO(before))  # still a valid document
