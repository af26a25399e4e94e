"""Trust admins check and install their own Word forms and profiles, with no code change."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from docx import Document as Docx

from app.kinds import KINDS

from .test_every_form import TRUSTS

ROOT = Path(__file__).resolve().parents[2]


def form(tmp_path: Path, *paragraphs: str, name: str = "form.docx") -> Path:
    doc = Docx()
    for text in paragraphs:
        doc.add_paragraph(text)
    buffer = BytesIO()
    doc.save(buffer)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


SOUND_CONTRACT = (
    "{{ trust.name }} contract between {{ supervisor.name }} and {{ supervisee.name }}",
    "Agreed {{ agreed_date }}, review {{ review_date }}; we meet {{ terms.frequency }}.",
    "Signed {{ signed.supervisor.name }}{{ signed.supervisor.place }} and "
    "{{ signed.supervisee.name }}{{ signed.supervisee.place }}",
)


@pytest.mark.parametrize("kind_name", sorted(KINDS))
@pytest.mark.parametrize("slug", TRUSTS)
def test_every_bundled_form_passes_the_check(runner, trusts, app, slug, kind_name):
    from sqlalchemy import select

    from app.extensions import db
    from app.trusts.models import Trust

    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
        path = ROOT / "document_templates" / trust.bundled_form(kind_name)
    result = runner.invoke(args=["templates", "check", str(path), "--kind", kind_name, "--trust", slug])
    assert result.exit_code == 0, result.output


def test_a_sound_form_is_installed_into_the_trusts_store_and_used(app, runner, trusts, mailbox, tmp_path):
    from sqlalchemy import select

    from app.documents.models import Document
    from app.extensions import db

    before = sorted((ROOT / "document_templates").rglob("*"))
    path = form(tmp_path, *SOUND_CONTRACT)
    result = runner.invoke(args=["templates", "install", str(path), "--trust", "inspire", "--kind", "contract"])
    assert result.exit_code == 0 and "version 1 of inspire's contract form" in result.output, result.output
    assert sorted((ROOT / "document_templates").rglob("*")) == before  # nothing written into the code tree
    created = runner.invoke(args=["contract", "create", "--trust", "inspire", "--supervisor", "A B <a@example.org>", "--supervisee", "C D <c@example.org>"])
    assert created.exit_code == 0, created.output
    mailbox.to("c@example.org", "Please read and agree")  # prepared (in a worker, or at once): its link is out
    with app.app_context():
        version = db.session.scalars(select(Document)).one().version
        assert version.form is not None and version.form.number == 1 and version.form.kind == "contract"
        assert version.form_sha256 == version.form.file.sha256
        document_id = version.document_id
    shown = runner.invoke(args=["documents", "show", str(document_id)])
    assert "form: version 1 (form.docx)" in shown.output, shown.output


@pytest.mark.parametrize(
    "paragraphs, expected",
    [
        (("Hello {{ supervisor.name }", *SOUND_CONTRACT[1:]), "paragraph 1"),
        ((SOUND_CONTRACT[0].replace("supervisee.name", "supervisee.nmae"), *SOUND_CONTRACT[1:]), "supervisee.nmae"),
        (SOUND_CONTRACT[:2], "never shows 'signed.supervisor'"),
        ((*SOUND_CONTRACT, "{{ cycler.__init__.__globals__.os.popen('id').read() }}"), "paragraph 4"),
    ],
    ids=["syntax", "unknown variable", "required field never shown", "code execution"],
)
def test_a_bad_form_is_refused_with_where_and_why(app, runner, trusts, tmp_path, paragraphs, expected):
    path = form(tmp_path, *paragraphs)
    check = runner.invoke(args=["templates", "check", str(path), "--kind", "contract"])
    assert check.exit_code == 1 and expected in check.output, check.output
    install = runner.invoke(args=["templates", "install", str(path), "--trust", "inspire", "--kind", "contract"])
    assert install.exit_code != 0 and "not installed" in install.output
    assert not (ROOT / "document_templates" / "forms" / "inspire" / "contract.docx").exists()


def test_a_tag_word_split_across_runs_is_found(runner, trusts, tmp_path):
    from docx.oxml import parse_xml

    doc = Docx()
    for text in SOUND_CONTRACT:
        doc.add_paragraph(text)
    paragraph = doc.add_paragraph()
    paragraph.add_run("Venue: {")
    # A tracked deletion between the braces, as Word leaves after an edit: docxtpl cannot rejoin it.
    paragraph._p.append(parse_xml(
        '<w:del xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:id="1" w:author="A" '
        'w:date="2024-01-01T00:00:00Z"><w:r><w:delText>x</w:delText></w:r></w:del>'
    ))
    paragraph.add_run("{ terms.venue }}")
    buffer = BytesIO()
    doc.save(buffer)
    path = tmp_path / "split.docx"
    path.write_bytes(buffer.getvalue())
    result = runner.invoke(args=["templates", "check", str(path), "--kind", "contract"])
    assert result.exit_code == 1 and "paragraph 4" in result.output, result.output


def test_a_bad_profile_is_refused_field_by_field(runner, trusts, tmp_path):
    profile = tmp_path / "bad.toml"
    profile.write_text('slug = "Bad Slug"\nname = ""\n[defaults]\nfrequency = "termly"\nreview_period_months = 0\n'
                       '[templates]\nrecord = "../outside.docx"\n[reminders]\nevery_days = 0\n')
    result = runner.invoke(args=["trusts", "install", str(profile)])
    assert result.exit_code != 0
    for message in ("slug:", "name: required", "defaults.session_length: required", "defaults.venue: required",
                    "defaults.review_period_months", "defaults.link_expiry_days", "templates.record: must stay inside", "reminders.every_days"):
        assert message in result.output, message
    broken = tmp_path / "broken.toml"
    broken.write_text("slug = [")
    result = runner.invoke(args=["trusts", "install", str(broken)])
    assert result.exit_code != 0 and "cannot be read" in result.output


def test_the_profiles_terms_kinds_sections_and_wording_are_checked_field_by_field(runner, trusts, tmp_path):
    profile = tmp_path / "bad.toml"
    source = (ROOT / "document_templates" / "trusts" / "inspire.toml").read_text(encoding="utf-8")
    source = source.replace('name = "Inspire Education Trust"\n', 'name = "Inspire Education Trust"\nkinds = ["contract", "memo"]\n')
    profile.write_text(source.replace("\n[templates]\n", """
[terms.venue]
label = "Where we meet"
colour = "blue"

[terms.parking]
label = "Parking"

[wording.contract]
statement = "We have read and accept the terms above"
openings = { agree_request = "{author} sends {attachment}" }

[templates]
""").replace('"AOB",\n]', '"AOB",\n  { title = "Wellbeing", actions = "yes" },\n]'), encoding="utf-8")
    result = runner.invoke(args=["trusts", "install", str(profile)])
    assert result.exit_code != 0
    for message in ("kinds: unknown kind 'memo'", "terms.venue: unknown keys colour",
                    "terms.parking: no term of this name in [defaults]", "record.sections[7].actions: must be true or false",
                    "wording.contract.openings.agree_request: unknown placeholder {attachment}"):
        assert message in result.output, (message, result.output)
    assert "wording.contract.statement" not in result.output  # a trust's own statement is fine


def test_a_contract_form_need_not_print_its_dates(runner, trusts, tmp_path):
    path = form(tmp_path, SOUND_CONTRACT[0], "We meet {{ terms.frequency }}.", SOUND_CONTRACT[2])
    check = runner.invoke(args=["templates", "check", str(path), "--kind", "contract"])
    assert check.exit_code == 0, check.output
    shown = runner.invoke(args=["kinds", "show", "contract"])
    must_show = next(line for line in shown.output.splitlines() if line.startswith("the form must show:"))
    assert "agreed_date" not in must_show and "review_date" not in must_show


def test_kinds_show_prints_fields_and_variables(runner, trusts):
    result = runner.invoke(args=["kinds", "show", "record", "--trust", "heart-of-mercia"])
    assert result.exit_code == 0, result.output
    for expected in ("agreed by: supervisor, supervisee", "cases", "anonymised case reference", "open_actions[]",
                     "form: forms/heart-of-mercia/record.docx", "signed.supervisor.name"):
        assert expected in result.output, expected
    unknown = runner.invoke(args=["kinds", "show", "memo"])
    assert unknown.exit_code != 0 and "unknown document kind" in unknown.output
