"""Word forms: render a trust's template safely and append the evidence page (no Flask here)."""

from .evidence import Evidence, EvidenceParty, append_evidence_page
from .forms import RenderError, render_docx

__all__ = ["Evidence", "EvidenceParty", "RenderError", "append_evidence_page", "render_docx"]
