"""Word forms: render a trust's template safely, check one before install, draw the evidence page (no Flask here)."""

from .check import Problem, check_template
from .evidence import Evidence, EvidenceParty, evidence_pdf
from .forms import RenderError, render_docx

__all__ = ["Evidence", "EvidenceParty", "Problem", "RenderError", "evidence_pdf", "check_template", "render_docx"]
