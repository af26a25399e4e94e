"""Print, per document kind, every tag its Word form may use, as Markdown for docs/templates.md.

Derived from app/kinds.py: what each kind's form receives (`example_context`, the variables the
form check accepts) and what it must show (`required_variables`). Run from the checkout:

    .venv/bin/python scripts/form_tags.py > /tmp/tags.md
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.kinds import KINDS, Kind, example_context, required_variables  # noqa: E402

# Variables every kind receives (the shared table in docs/templates.md describes them).
COMMON = ("trust", "document", "school", "supervisor", "supervisee", "supervisees", "terms", "signed")
# What the generated variables that are not a kind's fields mean.
EXTRA = {
    "open_actions": "actions still open from earlier records",
    "standard_items": "the trust's standard agenda items (profile `[agenda] items`)",
    "attendees": "everyone taking part, supervisor first",
    "has_actions_table": "whether the trust's record has an actions table (profile `[record] actions_table`)",
    "case": "the case discussed",
    "questions": "the trust's audit questions (profile `[audit] questions`) with the supervisee's answers",
    "answered_date": "the date the supervisee answered",
}


def tags(spec: Kind) -> list[tuple[str, str, str]]:
    """Return (tag, how to use it, meaning) for every variable of the kind beyond the common ones."""
    context = example_context(spec)
    labels = {f.name: f.label for f in spec.fields}
    rows = []
    for name, value in context.items():
        if name in COMMON:
            continue
        meaning = labels.get(name) or EXTRA.get(name, "")
        rows += _rows(name, value, meaning, labels)
    return rows


def _rows(path: str, value: Any, meaning: str, labels: dict[str, str]) -> list[tuple[str, str, str]]:
    if isinstance(value, dict):  # e.g. case.reference, from the field case_reference
        return [(f"{path}.{key}", f"`{{{{ {path}.{key} }}}}`", labels.get(f"{path}_{key}", meaning)) for key in value]
    if isinstance(value, list):
        item = path.rstrip("s") if path.endswith("s") else "item"
        if value and isinstance(value[0], dict):
            keys = ", ".join(f"`{item}.{k}`" for k in value[0])
            return [(path, f"`{{% for {item} in {path} %}}` … {keys} … `{{% endfor %}}`", meaning)]
        return [(path, f"`{{% for {item} in {path} %}}` … `{{{{ {item} }}}}` … `{{% endfor %}}`", meaning)]
    return [(path, f"`{{{{ {path} }}}}`", meaning)]


def main() -> None:
    for spec in KINDS.values():
        required = required_variables(spec)
        print(f"#### Every tag a form of kind `{spec.name}` may use\n")
        print("Beyond the variables every form receives. Must show: " + ", ".join(f"`{r}`" for r in required) + ".\n")
        print("| variable | in the form | meaning |\n| --- | --- | --- |")
        for path, use, meaning in tags(spec):
            print(f"| `{path}` | {use} | {meaning} |")
        print()


if __name__ == "__main__":
    main()
