"""The trust's audit report for a year: each question's answers counted by school and trust-wide, as a page and a PDF.

The PDF is drawn with reportlab (tables and bar charts as vector drawings), not through LibreOffice:
it needs no Word form and no conversion process.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from ..documents.models import Document
from ..documents.states import State
from ..extensions import db
from ..rendering import draws
from ..trusts.models import Trust
from ..trusts.wording import document_name
from .charts import COLOURS

NO_SCHOOL = "No school given"


@dataclass
class Question:
    number: int
    text: str
    answer: str  # yes_no, number or text
    counts: Counter[str] = field(default_factory=Counter)
    by_school: dict[str, Counter[str]] = field(default_factory=dict)
    texts: list[tuple[str, str]] = field(default_factory=list)  # school, free-text answer
    comments: list[tuple[str, str]] = field(default_factory=list)

    def options(self) -> list[str]:
        """Return the answers to count, in the order to show them."""
        if self.answer == "yes_no":
            return ["Yes", "No"]
        return sorted(self.counts, key=lambda v: (len(v), v))

    def ordered(self, counts: Counter[str]) -> dict[str, int]:
        return {option: counts.get(option, 0) for option in self.options()}


@dataclass
class Respondent:
    name: str
    school: str
    reference: str
    on: date | None


@dataclass
class Report:
    trust: Trust
    year: int
    questions: list[Question]
    schools: list[str]
    answered: list[Respondent]
    unanswered: list[Respondent]

    @property
    def answered_count(self) -> int:
        return len(self.answered)


def _supervisee(document: Document) -> str:
    return next((p.name for p in document.parties if p.role.startswith("supervisee")), "—")


def audit_report(trust: Trust, year: int) -> Report:
    """Count the answers to the trust's audit questions given in a year, and list who has not answered."""
    asked = trust.profile.get("audit", {}).get("questions", [])
    questions = [Question(n, q["text"], q["answer"]) for n, q in enumerate(asked, start=1)]
    audits = list(db.session.scalars(select(Document).where(
        Document.trust_id == trust.id, Document.kind == "audit", Document.state != State.DESTROYED,
        Document.state != State.CANCELLED).order_by(Document.id)))
    answered, unanswered, schools = [], [], set()
    for document in audits:
        fields: dict[str, Any] = document.version.fields
        school = document.school or NO_SCHOOL
        on = date.fromisoformat(fields["answered_date"]) if fields.get("answered_date") else None
        if document.state is State.AWAITING_ANSWERS:
            if document.created_at.year == year:
                unanswered.append(Respondent(_supervisee(document), school, document.reference, document.created_at.date()))
            continue
        if on is None or on.year != year or len(fields.get("answers", [])) != len(questions):
            continue
        schools.add(school)
        answered.append(Respondent(fields.get("respondent_name") or _supervisee(document), school, document.reference, on))
        for question, given in zip(questions, fields["answers"], strict=True):
            value = str(given.get("answer", "")).strip()
            if given.get("comments", "").strip():
                question.comments.append((school, given["comments"].strip()))
            if question.answer == "text":
                question.texts.append((school, value))
                continue
            question.counts[value] += 1
            question.by_school.setdefault(school, Counter())[value] += 1
    return Report(trust, year, questions, sorted(schools), answered, unanswered)


def _bars(counts: dict[str, int]) -> Drawing:
    top = max(counts.values(), default=0) or 1
    drawing = Drawing(160 * mm, 8 * mm * max(len(counts), 1))
    for index, (label, count) in enumerate(counts.items()):
        y = drawing.height - (index + 1) * 8 * mm
        width = 100 * mm * count / top
        drawing.add(String(0, y + 2 * mm, label, fontSize=9))
        drawing.add(Rect(30 * mm, y + 1 * mm, width, 5 * mm, fillColor=colors.HexColor(COLOURS[index % len(COLOURS)]),
                         strokeColor=None))
        drawing.add(String(30 * mm + width + 2 * mm, y + 2 * mm, str(count), fontSize=9))
    return drawing


@draws
def report_pdf(report: Report) -> bytes:
    """Return the whole report as a PDF for the trust board (reportlab is not thread-safe: app/rendering/evidence.py)."""
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading2"]
    story: list[Any] = [
        Paragraph(escape(f"{report.trust.name}: {document_name(report.trust.profile, 'audit')} {report.year}"), styles["Title"]),
        Paragraph(f"{report.answered_count} answered; {len(report.unanswered)} not answered yet.", body),
    ]
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTSIZE", (0, 0), (-1, -1), 8)])
    for question in report.questions:
        part: list[Any] = [Paragraph(escape(f"{question.number}. {question.text}"), heading)]
        if question.answer == "text":
            part += [Paragraph(escape(f"{school}: {text}"), body) for school, text in question.texts] or [
                Paragraph("No answers.", body)]
        else:
            part.append(_bars(question.ordered(question.counts)))
            rows = [["School", *question.options()]]
            rows += [[Paragraph(escape(s), body), *question.ordered(question.by_school.get(s, Counter())).values()]
                     for s in report.schools]
            rows.append(["Trust-wide", *question.ordered(question.counts).values()])
            part.append(Table(rows, style=grid, repeatRows=1))
        if question.comments:
            part.append(Paragraph("Comments", styles["Heading4"]))
            part += [Paragraph(escape(f"{school}: {text}"), body) for school, text in question.comments]
        story += [KeepTogether(part[:3]), *part[3:], Spacer(1, 4 * mm)]
    for title, people in (("Answered", report.answered), ("Not answered yet", report.unanswered)):
        story.append(Paragraph(title, heading))
        rows = [["Name", "School", "Reference", "Date"]] + [
            [Paragraph(escape(p.name), body), Paragraph(escape(p.school), body), p.reference,
             p.on.strftime("%d %B %Y") if p.on else ""] for p in people]
        story.append(Table(rows, style=grid, repeatRows=1) if people else Paragraph("Nobody.", body))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{report.trust.name} {document_name(report.trust.profile, 'audit')} {report.year}",
                      leftMargin=18 * mm, rightMargin=18 * mm).build(story)
    return out.getvalue()
