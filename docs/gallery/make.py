"""Make docs/gallery: page 1 of every trust × kind, through the real pipeline (LibreOffice and all).

    .venv/bin/python docs/gallery/make.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def main() -> int:
    import pypdfium2 as pdfium

    from app import create_app
    from app.trusts.cli import trusts_load
    from app.conversion.checks import PDFIUM_LOCK
    from app.documents.examples import create_example
    from app.kinds import KINDS
    from app.documents.models import Document
    from app.trusts.form_store import form_in_use
    from app.extensions import db
    from app.trusts.models import Trust

    with tempfile.TemporaryDirectory() as output:
        app = create_app({"OUTPUT_DIR": output, "MAIL_BACKEND": "outbox", "CELERY_BROKER_URL": None,
                          "JOBS_INLINE": True})
        rows = []
        with app.app_context():
            db.create_all()
            app.test_cli_runner().invoke(trusts_load)
            for trust in db.session.scalars(db.select(Trust).order_by(Trust.slug)).all():
                for kind_name in sorted(KINDS):
                    if kind_name == "audit" and not trust.profile.get("audit", {}).get("questions"):
                        continue
                    document = db.session.get(Document, create_example(trust.slug, kind_name))
                    pdf = document.version.pdf_file.read()
                    with PDFIUM_LOCK:
                        page = pdfium.PdfDocument(pdf)[0]
                        image = page.render(scale=1.0).to_pil()
                    name = f"{trust.slug}-{kind_name}.png"
                    image.save(HERE / name, optimize=True)
                    form = form_in_use(trust, kind_name).name
                    rows.append(f"| {trust.name} | {kind_name} | `{form}` | ![{trust.slug} {kind_name}]({name}) |")
                    print(f"wrote docs/gallery/{name}")
    (HERE / "README.md").write_text(
        "# Gallery\n\nPage 1 of each trust's documents, filled with example data by the real pipeline "
        "(`python docs/gallery/make.py`).\n\n| trust | kind | form | page 1 |\n| --- | --- | --- | --- |\n"
        + "\n".join(rows) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
