"""A form whose agreeing parties have no signature place is refused: the seal would have nowhere to stamp them."""

from __future__ import annotations

from pathlib import Path

from app.kinds import KINDS, example_context, required_variables
from app.rendering import check_template

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def problems(path: Path, kind_name: str) -> list[str]:
    spec = KINDS[kind_name]
    found = check_template(path.read_bytes(), provided=example_context(spec), required=required_variables(spec))
    return [p.message for p in found]


def test_a_contract_form_without_signature_places_is_reported_for_each_role() -> None:
    messages = problems(HERE / "data" / "contract-without-places.docx", "contract")
    assert any("no signature place for the supervisor" in m for m in messages), messages
    assert any("no signature place for the supervisee" in m for m in messages), messages


def test_the_bundled_contract_has_both_places() -> None:
    messages = problems(ROOT / "document_templates" / "forms" / "generic" / "contract.docx", "contract")
    assert not [m for m in messages if "signature place" in m], messages
