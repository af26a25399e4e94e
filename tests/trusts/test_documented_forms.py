"""Every example form in docs/templates.md, built as Word would save it, passes the check for its kind."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document as Docx
from sqlalchemy import select

from app.extensions import db
from app.kinds import KINDS
from app.trusts.forms import check_form
from app.trusts.models import Trust

DOCS = Path(__file__).resolve().parents[2] / "docs" / "templates.md"
EXAMPLE = re.compile(r"<!-- example form: ([\w-]+) -->\n```text\n(.*?)\n```", re.DOTALL)


def examples() -> dict[str, str]:
    return dict(EXAMPLE.findall(DOCS.read_text(encoding="utf-8")))


def build(text: str) -> bytes:
    """Build the form an example describes: a paragraph per line, `#` headings, `|` table rows, a blank line between tables."""
    doc = Docx()
    rows: list[list[str]] = []

    def table() -> None:
        if rows:
            built = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for r, cells in enumerate(rows):
                for c, cell in enumerate(cells):
                    built.cell(r, c).text = cell
            rows.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        table()
        if line.startswith("## "):
            doc.add_heading(line[3:], level=2)
        elif line.startswith("# "):
            doc.add_heading(line[2:], level=1)
        elif line.strip():
            doc.add_paragraph(line)
    table()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_the_guide_shows_an_example_form_for_every_kind():
    assert sorted(examples()) == sorted(KINDS)


@pytest.mark.parametrize("kind_name", sorted(KINDS))
def test_each_example_form_passes_the_check_for_every_bundled_trust(app, trusts, kind_name):
    form = build(examples()[kind_name])
    with app.app_context():
        assert check_form(form, kind_name, None, warnings=True) == []
        for trust in db.session.scalars(select(Trust)):
            assert check_form(form, kind_name, trust.profile, warnings=True) == [], trust.slug
