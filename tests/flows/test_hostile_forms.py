"""A trust's own form is checked and filled in under limits: a hostile one is refused within seconds."""

from __future__ import annotations

import time
from pathlib import Path

from app.trusts.forms import is_bundled

from .test_templates_cli import ROOT, SOUND_CONTRACT, form

# Each step passes the sandbox (a text joined to itself with ~ is not sized), but thirty doublings
# of 100,000 characters would need about 100 TB: only the child's memory limit stops it.
MEMORY_BOMB = (
    "{% set s = namespace(text='x' * 100000) %}{% for i in range(30) %}"
    "{% set s.text = s.text ~ s.text %}{% endfor %}{{ s.text|length }}"
)
CPU_BOMB = "{% for a in range(9000) %}{% for b in 'x' * 9000 %}{{ '' }}{% endfor %}{% endfor %}"


def test_bundled_forms_are_known_by_their_bytes_and_any_other_is_not(tmp_path):
    bundled = ROOT / "document_templates" / "forms" / "generic" / "contract.docx"
    assert is_bundled(bundled.read_bytes())
    assert not is_bundled(form(tmp_path, *SOUND_CONTRACT).read_bytes())
    assert not is_bundled(bundled.read_bytes() + b"\0")


def test_the_bundled_manifest_matches_the_forms_on_disk():
    manifest = ROOT / "document_templates" / "forms" / "bundled.sha256"
    listed = [line.split(maxsplit=1) for line in manifest.read_text().splitlines()]
    shipped = sorted(p.relative_to(manifest.parent).as_posix() for p in manifest.parent.rglob("*.docx"))
    assert sorted(path for _, path in listed) == shipped
    from hashlib import sha256

    for digest, path in listed:
        assert sha256((manifest.parent / path).read_bytes()).hexdigest() == digest, path


def test_a_memory_bomb_is_refused_by_the_check_within_seconds(app, runner, trusts, tmp_path):
    app.config.update(FORM_MEMORY_MB=512, FORM_WALL_SECONDS=20)
    path = form(tmp_path, *SOUND_CONTRACT, MEMORY_BOMB)
    started = time.monotonic()
    result = runner.invoke(args=["templates", "check", str(path), "--kind", "contract"])
    assert time.monotonic() - started < 25  # a bound on a hang, not a speed target
    assert result.exit_code == 1
    assert "too much memory" in result.output, result.output


def test_a_form_that_spins_is_refused_at_the_cpu_limit_and_not_installed(app, runner, trusts, tmp_path):
    app.config.update(FORM_CPU_SECONDS=2, FORM_WALL_SECONDS=20)
    path = form(tmp_path, *SOUND_CONTRACT, CPU_BOMB)
    result = runner.invoke(args=["templates", "install", str(path), "--trust", "inspire", "--kind", "contract"])
    assert result.exit_code != 0 and "not installed" in result.output, result.output
    assert "too long" in result.output or "range" in result.output, result.output
    assert not (ROOT / "document_templates" / "forms" / "inspire" / "contract.docx").exists()


def test_a_form_without_a_heading_is_warned_about_but_still_sound(runner, trusts, tmp_path: Path):
    path = form(tmp_path, *SOUND_CONTRACT)
    result = runner.invoke(args=["templates", "check", str(path), "--kind", "contract"])
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "heading" in result.output
