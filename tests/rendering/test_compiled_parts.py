"""A form's parts are compiled once and reused: each render keeps its own limits and what it printed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jinja2 import Environment, TemplateAssertionError, TemplateSyntaxError

from app.rendering import render_docx
from app.rendering import sandbox as sandbox_module
from app.rendering.sandbox import LimitError, SandboxLimits, sandboxed_environment

from .support import all_text, contract_context, contract_path


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The sources Jinja parsed (what compiling a part begins with), from an empty cache."""
    monkeypatch.setattr(sandbox_module, "_compiled", type(sandbox_module._compiled)())
    seen: list[str] = []
    parse = Environment._parse

    def counted(self: Environment, source: str, *args: Any) -> Any:
        seen.append(source)
        return parse(self, source, *args)

    monkeypatch.setattr(Environment, "_parse", counted)
    yield seen


def test_a_form_rendered_again_is_not_compiled_again_and_is_filled_with_the_new_values(parses: list[str]) -> None:
    first = render_docx(contract_path(), contract_context(supervisee={"name": "Sam Okafor", "email": "sam@example.org"}))
    compiled = len(parses)
    second = render_docx(contract_path(), contract_context(supervisee={"name": "Priya Shah", "email": "priya@example.org"}))

    assert compiled > 0 and len(parses) == compiled
    assert "Sam Okafor" in all_text(first) and "Sam Okafor" not in all_text(second)
    assert "Priya Shah" in all_text(second)


def test_each_render_of_a_reused_part_has_its_own_limits_and_record_of_what_it_printed(parses: list[str]) -> None:
    source = "{% for i in range(n) %}{{ i }}{% endfor %}"
    generous = sandboxed_environment(first := [], SandboxLimits(max_range_items=100))
    assert generous.from_string(source).render(n=60) == "".join(map(str, range(60)))

    tight = sandboxed_environment(second := [], SandboxLimits(max_range_items=50))
    with pytest.raises(LimitError, match="more than 50 times"):
        tight.from_string(source).render(n=60)
    again = sandboxed_environment(third := [], SandboxLimits(max_range_items=100))
    assert again.from_string(source).render(n=3) == "012"

    assert parses == [source]
    assert len(first) == 60 and len(second) == 50 and third == ["0", "1", "2"]


def test_a_part_compiled_in_one_environment_is_not_reused_by_one_unlike_it(parses: list[str]) -> None:
    source = "{{ name|upper }}"
    assert sandboxed_environment([]).from_string(source).render(name="sam") == "SAM"

    without_upper = sandboxed_environment([])
    del without_upper.filters["upper"]
    with pytest.raises(TemplateAssertionError, match="No filter named 'upper'"):
        without_upper.from_string(source)
    assert parses == [source, source]


def test_a_form_that_does_not_compile_is_refused_every_time(parses: list[str]) -> None:
    for _ in range(2):
        with pytest.raises(TemplateSyntaxError, match="Expected an expression"):
            sandboxed_environment([]).from_string("{% if %}")
    assert len(parses) == 2
