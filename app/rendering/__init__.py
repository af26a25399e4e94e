"""Word forms: render a trust's template safely, check one before install, append the evidence page (no Flask here)."""

from .check import Problem, check_template
from .evidence import Evidence, EvidenceParty, append_evidence_page
from .forms import RenderError, render_docx

__all__ = ["Evidence", "EvidenceParty", "Problem", "RenderError", "append_evidence_page", "check_template", "render_docx"]
