"""Build the Word forms under document_templates/forms from the definitions in build/.

Run once after changing a form, then commit the .docx files:

    .venv/bin/python document_templates/build_forms.py            # every trust's forms
    .venv/bin/python document_templates/build_forms.py heart-of-mercia

Each module in build/ (one per trust, plus generic) defines FORMS: kind -> builder. The forms
are docxtpl templates: docxtpl only sees a Jinja tag written inside a single run, so every
paragraph is written as one run (or one run per tag), and paragraph-level tags ({%p ... %})
sit alone in their own paragraph. `flask templates check` checks the result.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build.common import save  # noqa: E402


def forms() -> dict[str, dict]:
    """Return slug -> {kind: builder} for every module in build/ (module name with - for _)."""
    import build

    found = {}
    for info in pkgutil.iter_modules(build.__path__):
        if info.name == "common":
            continue
        module = importlib.import_module(f"build.{info.name}")
        found[info.name.replace("_", "-")] = module.FORMS
    return found


def main(slugs: Sequence[str]) -> int:
    every = forms()
    unknown = [slug for slug in slugs if slug not in every]
    if unknown:
        print(f"no forms defined for: {', '.join(unknown)} (known: {', '.join(every)})", file=sys.stderr)
        return 2
    for slug in slugs or every:
        for kind, build in every[slug].items():
            path = HERE / "forms" / slug / f"{kind}.docx"
            save(build(), path)
            print(f"wrote {path.relative_to(HERE)}")
    write_manifest(every)
    return 0


def write_manifest(every: dict[str, dict]) -> None:
    """List the SHA-256 of every bundled form: the app trusts these as code, and isolates any other form."""
    lines = []
    for slug, builders in sorted(every.items()):
        for kind in sorted(builders):
            path = HERE / "forms" / slug / f"{kind}.docx"
            lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(HERE / 'forms')}")
    (HERE / "forms" / "bundled.sha256").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote forms/bundled.sha256")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
