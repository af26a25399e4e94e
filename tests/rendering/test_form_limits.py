"""A form cannot hold a worker or its memory: the sandbox refuses huge work, a limited child stops the rest."""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import billiard
import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE

from app.rendering import Problem, RenderError, check_template, render_docx
from app.rendering.isolated import Limits, check_template_isolated, may_have_children, render_docx_isolated
from app.rendering.sandbox import SandboxLimits

from .daemonic import call_in_daemon, setting_seen_by_a_limited_child
from .support import contract_context, contract_path, texts
from .test_template_check import CONTRACT_REQUIRED, contract_provided

# A bound on a hang, not a measure of speed: each of these is refused in well under a second.
NO_HANG_SECONDS = 30
NESTED_HUGE_RANGES = "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}"
# Each step is allowed (a text joined to itself with ~ is not an operation the sandbox sizes),
# but thirty doublings of 100,000 characters would need about 100 TB.
DOUBLING = (
    '{% set s = namespace(text="x" * 100000) %}{% for i in range(STEPS) %}'
    "{% set s.text = s.text ~ s.text %}{% endfor %}{{ s.text|length }}"
)
# No step is large: three loops over 10,000 characters just take 10^12 turns.
SPINNING = (
    '{% set many = "x" * 10000 %}{% for a in many %}{% for b in many %}{% for c in many %}'
    "{% endfor %}{% endfor %}{% endfor %}"
)


def docx(*paragraphs: str, heading: str | None = None, style: str | None = None) -> bytes:
    """A .docx with an optional heading (in style, or Heading 1), then one paragraph per string."""
    doc = Document()
    if heading is not None:
        doc.add_paragraph(heading, style=style or "Heading 1")
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write(tmp_path: Path, form: bytes, name: str = "form.docx") -> Path:
    path = tmp_path / name
    path.write_bytes(form)
    return path


def parts(document: bytes) -> dict[str, bytes]:
    """The document's parts by name, so two renders compare without the zip's timestamps."""
    with zipfile.ZipFile(io.BytesIO(document)) as package:
        return {name: package.read(name) for name in package.namelist()}


def zombies() -> list[str]:
    """Return the zombie processes among this process's children and grandchildren."""
    parents: dict[int, int] = {}
    states: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it exited while we looked
            continue
        fields = stat.rsplit(")", 1)[1].split()
        states[int(entry.name)], parents[int(entry.name)] = fields[0], int(fields[1])
    mine = {pid for pid, parent in parents.items() if parent == os.getpid()}
    mine |= {pid for pid, parent in parents.items() if parent in mine}
    return [f"{pid}: {states[pid]}" for pid in mine if states[pid] == "Z"]


Call = Callable[..., Any]


def call_here(function: Call, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


@pytest.fixture(params=["in a process that may have children", "in a daemonic process"])
def call(request: pytest.FixtureRequest) -> Call:
    """Call a function here, where the limited child is forked, or in a daemonic process, where it is started afresh."""
    return call_here if request.param.startswith("in a process") else call_in_daemon


# --- the sandbox, for every render and check -------------------------------------------------------


def test_two_nested_huge_ranges_are_refused_at_once(tmp_path: Path) -> None:
    form = docx("Contract", NESTED_HUGE_RANGES)
    started = time.monotonic()
    (problem,) = check_template(form, provided={})
    with pytest.raises(RenderError, match="at most 10000 are allowed"):
        render_docx(write(tmp_path, form), {})
    assert time.monotonic() - started < NO_HANG_SECONDS
    assert problem.kind == "limit" and problem.location.startswith("paragraph 2")
    assert "the form asks for a range of 100000 items; at most 10000 are allowed" in problem.message


def test_ranges_small_enough_alone_are_refused_when_nested_past_the_budget(tmp_path: Path) -> None:
    form = docx("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}")
    started = time.monotonic()
    (problem,) = check_template(form, provided={})
    assert time.monotonic() - started < NO_HANG_SECONDS
    assert problem.kind == "limit" and "more than 100000 times" in problem.message


@pytest.mark.parametrize(
    ("tag", "refusal"),
    [
        ('{{ "x" * 10**9 }}', "repeats a text or list to 1000000000"),
        ('{{ "x" * 100000 * 100000 }}', "repeats a text or list to 10000000000"),
        ("{{ [0] * 10**8 }}", "repeats a text or list to 100000000"),
        ('{% set t = "x" * 900000 %}{{ t + t }}', "joins texts or lists into 1800000"),
        ("{{ 10 ** 100000000 }}", "a number of about 100000000 digits"),
        ("{{ (10 ** 4000) * (10 ** 4000) }}", "a number of about 8002 digits; at most 4300"),
        ('{{ "%0999999999d" % 1 }}', "pads text to 999999999"),
        ('{{ "%*d" % (999999999, 1) }}', "computed width"),
        ('{{ "%0999999999d"|format(1) }}', "pads text to 999999999"),
        ('{{ "x"|center(10**9) }}', "pads text to 1000000000"),
        ('{{ "x".rjust(10**9) }}', "pads text to 1000000000"),
        ('{{ "{:>999999999}".format(1) }}', "pads text to 999999999"),
        ('{{ "{:>{}}".format(1, 999999999) }}', "computed width"),
        ('{{ ("x" * 100000)|replace("x", "y" * 1000) }}', "replaces text to make 100000000"),
        ('{{ "x"|indent(2000000, true) }}', "indents text to 2000001"),
    ],
)
def test_an_operation_that_would_build_something_huge_is_refused_before_it_does(
    tmp_path: Path, tag: str, refusal: str
) -> None:
    started = time.monotonic()
    with pytest.raises(RenderError, match="too much work for a form") as caught:
        render_docx(write(tmp_path, docx(f"Note: {tag}")), {})
    assert refusal in str(caught.value)
    assert time.monotonic() - started < NO_HANG_SECONDS


@pytest.mark.parametrize(
    "tag",
    [
        "{% for i in range(10000)._items %}{% for j in range(10000)._items %}{% endfor %}{% endfor %}",
        "{{ range(3).environment }}",
        "{{ range(3).items }}",
        "{{ range.__self__ }}",
    ],
)
def test_a_form_cannot_reach_the_uncounted_range_or_the_environment(tmp_path: Path, tag: str) -> None:
    started = time.monotonic()
    with pytest.raises(RenderError, match="sandbox|undefined"):
        render_docx(write(tmp_path, docx(tag)), {})
    assert time.monotonic() - started < NO_HANG_SECONDS


def test_the_check_reports_a_multiplication_bomb_as_a_limit_where_it_is() -> None:
    (problem,) = check_template(docx("Contract", 'Line: {{ "x" * 100000 * 100000 }}'), provided={})
    assert problem.kind == "limit" and problem.severity == "error"
    assert problem.location.startswith("paragraph 2 ('Line:")
    assert "at most 1000000 are allowed" in problem.message


def test_ordinary_arithmetic_ranges_and_formatting_still_work(tmp_path: Path) -> None:
    form = docx(
        '{{ "-" * 5 }}|{{ 2 ** 10 }}|{{ 3 * 4 }}|{{ "a" + "b" }}|{{ 7 % 3 }}|{{ "%-4s|%5.2f" % ("ab", 1.5) }}',
        "{% for i in range(3) %}{{ loop.index }}/{{ loop.length }} {% endfor %}{{ range(10)[2:5]|list }}",
        '{{ range(3)|reverse|list }} {{ "ab"|center(6) }}| {{ "a b"|replace(" ", "-") }}',
    )
    assert texts(render_docx(write(tmp_path, form), {})) == [
        "-----|1024|12|ab|1|ab  | 1.50",
        "1/3 2/3 3/3 [2, 3, 4]",
        "[2, 1, 0]   ab  | a-b",
    ]
    assert check_template(form, provided={}) == []
    # The check refuses str.format outright; the renderer allows it, bounded.
    assert texts(render_docx(write(tmp_path, docx('{{ "{:>4}".format(7) }}')), {})) == ["   7"]


def test_sandbox_limits_are_settings(tmp_path: Path) -> None:
    strict = SandboxLimits(max_range=5, max_length=10)
    (problem,) = check_template(
        docx("{% for i in range(6) %}{{ i }}{% endfor %}"), provided={}, limits=strict
    )
    assert "a range of 6 items; at most 5 are allowed" in problem.message
    with pytest.raises(RenderError, match="at most 10 are allowed"):
        render_docx(write(tmp_path, docx('{{ "x" * 11 }}')), {}, limits=strict)
    assert texts(render_docx(write(tmp_path, docx('{{ "x" * 11 }}')), {})) == ["x" * 11]


# --- the limited child, for forms the app does not bundle -----------------------------------------


def test_a_bundled_form_checks_and_renders_the_same_in_a_limited_child(call: Call) -> None:
    form = contract_path().read_bytes()
    isolated = call(check_template_isolated, form, provided=contract_provided(), required=CONTRACT_REQUIRED)
    assert isolated == check_template(form, provided=contract_provided(), required=CONTRACT_REQUIRED) == []
    context = contract_context(signed=True)
    assert parts(call(render_docx_isolated, contract_path(), context)) == parts(
        render_docx(contract_path(), context)
    )


@pytest.mark.parametrize("library", [multiprocessing, billiard], ids=["multiprocessing", "billiard"])
def test_a_daemonic_process_which_may_not_fork_children_starts_its_limited_child_afresh(library: Any) -> None:
    # A Celery prefork pool process is a daemonic billiard process; multiprocessing refuses it children.
    assert may_have_children()
    assert call_in_daemon(may_have_children, library=library) is False
    form = docx("Contract", "Supervisor: {{ supervisor.name }}")
    assert texts(call_in_daemon(render_docx_isolated, form, {"supervisor": {"name": "Alex"}}, library=library)) == [
        "Contract", "Supervisor: Alex"
    ]  # fmt: skip


def test_a_fresh_limited_child_is_given_none_of_the_apps_settings() -> None:
    # Settings hold secrets (keys, passwords); a form rendered where a Celery pool process starts its child sees none.
    assert call_in_daemon(setting_seen_by_a_limited_child, "COUNTERSIGN_SECRET_KEY", "not for forms") is None
    assert call_in_daemon(setting_seen_by_a_limited_child, "LANG_FOR_THE_TEST", "kept") == "kept"


def test_a_faulty_form_gets_the_same_answer_in_a_limited_child(tmp_path: Path, call: Call) -> None:
    form = docx("Contract", "Supervisor: {{ supervisor.nmae }}", NESTED_HUGE_RANGES)
    assert call(check_template_isolated, form, provided=contract_provided()) == check_template(
        form, provided=contract_provided()
    )
    path = write(tmp_path, docx("Contract", "Supervisor: {{ supervisor.name }}"))
    with pytest.raises(RenderError) as in_process:
        render_docx(path, {})
    with pytest.raises(RenderError) as isolated:
        call(render_docx_isolated, path, {})
    assert str(isolated.value) == str(in_process.value)
    assert (isolated.value.line, isolated.value.part) == (in_process.value.line, in_process.value.part)


def test_a_render_error_survives_pickling() -> None:
    error = RenderError("form.docx", "template error: broken", line=3, part="word/document.xml")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.template, copy.detail, copy.line, copy.part) == (
        str(error), "form.docx", "template error: broken", 3, "word/document.xml"
    )  # fmt: skip


def test_text_doubled_in_a_loop_gets_past_the_sandbox_but_not_the_memory_limit(tmp_path: Path, call: Call) -> None:
    # Five doublings are harmless, and show the sandbox lets each step through.
    assert texts(render_docx(write(tmp_path, docx(DOUBLING.replace("STEPS", "5"))), {})) == ["3200000"]
    bomb = docx("Contract", DOUBLING.replace("STEPS", "30"))
    started = time.monotonic()
    (problem,) = call(check_template_isolated, bomb, provided={}, limits=Limits(memory_bytes=512 * 1024 * 1024))
    assert problem.kind == "limit" and "too much memory" in problem.message
    with pytest.raises(RenderError, match=r"the form used too much memory to fill in \(over 512 MiB\)"):
        call(render_docx_isolated, write(tmp_path, bomb), {}, limits=Limits(memory_bytes=512 * 1024 * 1024))
    assert time.monotonic() - started < NO_HANG_SECONDS
    assert zombies() == []


def test_a_form_that_only_spins_is_stopped_by_the_cpu_limit(tmp_path: Path, call: Call) -> None:
    form = docx("Contract", SPINNING)
    started = time.monotonic()
    assert call(check_template_isolated, form, provided={}, limits=Limits(cpu_seconds=1)) == [
        Problem("limit", "the form", "the form took too long to check (over 1 s of CPU)")
    ]
    with pytest.raises(
        RenderError, match=r"form.docx: the form took too long to fill in \(over 1 s of CPU\)"
    ):
        call(render_docx_isolated, write(tmp_path, form), {}, limits=Limits(cpu_seconds=1))
    assert time.monotonic() - started < NO_HANG_SECONDS
    assert zombies() == []


def test_a_child_past_the_wall_clock_limit_is_killed(call: Call) -> None:
    started = time.monotonic()
    (problem,) = call(
        check_template_isolated, docx(SPINNING), provided={}, limits=Limits(cpu_seconds=600, wall_seconds=1)
    )
    assert time.monotonic() - started < NO_HANG_SECONDS
    assert problem.message == "the form took too long to check (over 1 s)"
    assert zombies() == []


def test_the_limited_child_passes_sandbox_limits_on(call: Call) -> None:
    (problem,) = call(
        check_template_isolated, docx("{% for i in range(6) %}{{ i }}{% endfor %}"), provided={},
        sandbox=SandboxLimits(max_range=5),
    )
    assert "at most 5 are allowed" in problem.message


# --- a heading, for screen readers and tagged PDFs ------------------------------------------------


def test_a_form_without_a_heading_gets_a_warning_only_when_asked() -> None:
    plain = docx("Supervisor: {{ supervisor.name }}")
    assert check_template(plain, provided=contract_provided()) == []
    (warning,) = check_template(plain, provided=contract_provided(), warnings=True)
    assert (warning.kind, warning.severity) == ("no_heading", "warning")
    assert str(warning) == (
        "the form: warning: the form has no heading: screen readers and tagged PDFs need one "
        "(use Word's Heading 1 style for the title)"
    )


@pytest.mark.parametrize("style", ["Heading 1", "Heading 2", "Title", "Form title"])
def test_a_heading_style_or_one_based_on_it_counts(style: str) -> None:
    doc = Document()
    if style == "Form title":  # a trust's own style, built on Word's heading
        doc.styles.add_style(style, WD_STYLE_TYPE.PARAGRAPH).base_style = doc.styles["Heading 1"]
    doc.add_paragraph("Supervision contract", style=style)
    doc.add_paragraph("Supervisor: {{ supervisor.name }}")
    out = io.BytesIO()
    doc.save(out)
    assert check_template(out.getvalue(), provided=contract_provided(), warnings=True) == []


def test_a_heading_inside_a_table_counts_but_bold_text_does_not() -> None:
    doc = Document()
    doc.add_paragraph().add_run("Supervision contract").bold = True
    out = io.BytesIO()
    doc.save(out)
    assert [p.kind for p in check_template(out.getvalue(), provided={}, warnings=True)] == ["no_heading"]
    doc.add_table(rows=1, cols=1).cell(0, 0).paragraphs[0].style = doc.styles["Heading 1"]
    out = io.BytesIO()
    doc.save(out)
    assert check_template(out.getvalue(), provided={}, warnings=True) == []
