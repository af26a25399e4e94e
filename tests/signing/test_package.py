"""The signing package stands alone: no Flask, no SQLAlchemy, nothing from the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_signing_pulls_in_neither_the_web_framework_nor_the_database_layer() -> None:
    check = (
        "import sys, signing, signing.tokens, signing.certs, signing.seal, signing.verify\n"
        "import signing.cms, signing.ltv, signing.timestamps\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy', 'app', 'flask_sqlalchemy'})\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
