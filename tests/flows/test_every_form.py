"""Every trust × kind renders through the real pipeline to a PDF holding the form and every value."""

from __future__ import annotations

import re
import tomllib
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from docx import Document as Docx
from sqlalchemy import select

from app.documents.examples import create_example, example_answers, example_fields, example_people
from app.documents.models import Document
from app.extensions import db
from app.kinds import KINDS

from .test_contract_spine import pdf_text

ROOT = Path(__file__).resolve().parents[2]
TRUSTS = sorted(tomllib.loads(p.read_text())["slug"] for p in (ROOT / "document_templates" / "trusts").glob("*.toml"))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


def docx_lines(data: bytes) -> list[str]:
    doc = Docx(BytesIO(data))
    lines = [p.text for p in doc.paragraphs]

    def cells(table: Any) -> None:
        for row in table.rows:
            for cell in row.cells:
                lines.extend(p.text for p in cell.paragraphs)
                for inner in cell.tables:
                    cells(inner)

    for table in doc.tables:
        cells(table)
    return [squash(line) for line in lines if squash(line)]


def variable(field: str) -> str:
    """Return the name a form uses for a field (positions and clinical details sit on the person)."""
    for prefix in ("supervisor_", "supervisee_", "case_"):
        if field.startswith(prefix) and field not in {"supervisee_expectations", "supervisee_responsibilities",
                                                       "supervisee_preparation", "supervisor_commitments"}:
            return field[len(prefix):]
    return field


def values(fields: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (field, text) for every value given, as the form would print it."""
    found: list[tuple[str, str]] = []
    for key, value in fields.items():
        if key in {"agreed_date", "session_date", "next_session_date", "done_actions", "sections"}:
            continue
        if isinstance(value, str):
            found.append((key, value))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    found.extend((key, v) for k, v in item.items() if k != "due")
                else:
                    found.append((key, item))
    found.extend(("sections", section["text"]) for section in fields.get("sections", []))
    return [(k, v) for k, v in found if v]


def form_xml(app: Any, slug: str, kind_name: str) -> str:
    """Return the Word XML of the form the trust uses for a kind."""
    import zipfile

    from app.trusts.models import Trust

    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
        path = Path(app.config["TEMPLATES_DIR"]) / trust.bundled_form(kind_name)
    with zipfile.ZipFile(path) as form:
        return form.read("word/document.xml").decode()


@pytest.mark.parametrize("kind_name", sorted(KINDS))
@pytest.mark.parametrize("slug", TRUSTS)
def test_form_renders_to_pdf_with_every_value(app, runner, trusts, mailbox, wait, slug, kind_name):
    with app.app_context():
        from app.trusts.models import Trust

        profile = db.session.scalar(select(Trust.profile).where(Trust.slug == slug))
        if kind_name == "audit" and not profile.get("audit", {}).get("questions"):
            pytest.skip(f"{slug} has no audit questions")
        supervisor, supervisees = example_people(kind_name)
        fields = example_fields(kind_name, profile) if kind_name != "audit" else {"answers": example_answers(profile)}
        document_id = create_example(slug, kind_name)

    def prepared() -> Any:
        with app.app_context():
            found = db.session.get(Document, document_id)
            return found.state in {"awaiting_agreement", "issued"} and (found.version.docx_file.read(), found.version.pdf_file.read())

    docx, pdf = wait(prepared)
    text = squash(pdf_text(pdf))
    assert "{{" not in text and "{%" not in text
    # Compared without white space: the PDF breaks lines where Word wraps them.
    bare = re.sub(r"\s+", "", text)
    for line in docx_lines(docx):  # the form as filled: every heading, clause and prompt reaches the PDF
        assert re.sub(r"\s+", "", line) in bare, line
    tags = " ".join(re.findall(r"\{[{%](.*?)[}%]\}", re.sub(r"<[^>]+>", "", form_xml(app, slug, kind_name))))
    optional = {f.name for f in KINDS[kind_name].fields if not f.required}
    for key, value in values(fields):
        if key in optional and not re.search(rf"\b{variable(key)}\b", tags):
            continue  # the trust's own form has no place for this optional detail
        for line in value.splitlines():
            assert re.sub(r"\s+", "", line) in bare, (key, line)
    people = [supervisor] if supervisor else []
    for name, _email in people + supervisees:
        assert name in text
