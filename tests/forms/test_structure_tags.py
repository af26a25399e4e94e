"""Every bundled form, filled in and converted by LibreOffice, is a tagged PDF with headings and table header cells.

A screen reader navigates a PDF by its tags: the form's title and sections must be headings (H1, H2)
and each table must say which cells are its headers (TH), as `pdfinfo -struct` shows them.
"""

from __future__ import annotations

from typing import Any

import pytest
from docxtpl import DocxTemplate
from sqlalchemy import select

from app.documents.examples import create_example
from app.documents.models import Document
from app.extensions import db
from app.kinds import KINDS
from app.rendering.check.headings import heading_problems

from ..flows.test_every_form import TRUSTS
from ..rendering.structure import headings, structure, tables
from ..rendering.support import TEMPLATES

FORMS = TEMPLATES / "forms"


@pytest.mark.parametrize("kind_name", sorted(KINDS))
@pytest.mark.parametrize("slug", TRUSTS)
def test_the_filled_form_has_headings_and_header_cells_in_every_table(app, trusts, mailbox, wait, slug, kind_name):
    from app.trusts.models import Trust

    with app.app_context():
        profile = db.session.scalar(select(Trust.profile).where(Trust.slug == slug))
        if kind_name == "audit" and not profile.get("audit", {}).get("questions"):
            pytest.skip(f"{slug} has no audit questions")
        document_id = create_example(slug, kind_name)

    def prepared() -> Any:
        with app.app_context():
            found = db.session.get(Document, document_id)
            return found.state in {"awaiting_agreement", "issued"} and found.version.pdf_file.read()

    tree = structure(wait(prepared))
    found = headings(tree)
    assert found, "no heading in the tagged PDF"
    assert found[0].tag in {"H", "H1"} and found[0].all_text().strip(), "the first heading is the form's title"
    for index, table in enumerate(tables(tree)):
        header = table.header_cells()
        assert header, f"table {index + 1} has no header cells (TH)"
        assert any(cell.all_text().strip() for cell in header), f"table {index + 1}'s header cells are empty"


@pytest.mark.parametrize("form", sorted(FORMS.glob("*/*.docx")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_bundled_form_draws_the_checks_no_heading_warning(form) -> None:
    template = DocxTemplate(str(form))
    template.init_docx()
    assert heading_problems(template) == []
