"""Word forms: render a trust's template safely, check one before install, draw the evidence page (no Flask here)."""

from .check import Problem, check_template
from .evidence import DRAWING, Evidence, EvidenceParty, draws, evidence_pdf
from .forms import RenderError, render_docx
from .summaries import browser_and_system, uk_time
from .summaries import warm as warm_summaries

__all__ = ["DRAWING", "Evidence", "EvidenceParty", "Problem", "RenderError", "browser_and_system", "check_template", "draws", "evidence_pdf",
           "render_docx", "uk_time", "warm_summaries"]
