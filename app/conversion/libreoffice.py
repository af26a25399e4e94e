"""Find LibreOffice and the Python that can drive it (Debian's, with python3-uno)."""

from __future__ import annotations

import functools
import importlib.metadata
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import ConversionUnavailable

DEBIAN_PACKAGES = "libreoffice-writer-nogui python3-uno"
NOT_INSTALLED = (
    f"LibreOffice is not installed: install the Debian packages {DEBIAN_PACKAGES} "
    "(make install does this as root)"
)
SOFFICE_FALLBACK = "/usr/lib/libreoffice/program/soffice"
UNO_PYTHON = "/usr/bin/python3"


@dataclass(frozen=True)
class Installation:
    """The programs a worker runs: soffice, and a Python that can `import uno`."""

    soffice: str
    uno_python: str


def find_installation(soffice: str | None = None, uno_python: str | None = None) -> Installation:
    """Locate soffice and a uno-capable Python, or raise ConversionUnavailable."""
    found = _executable(soffice) if soffice else shutil.which("soffice") or _executable(SOFFICE_FALLBACK)
    if not found:
        where = soffice or f"soffice on PATH or {SOFFICE_FALLBACK}"
        raise ConversionUnavailable(f"{NOT_INSTALLED}; looked for {where}.")
    python = uno_python or UNO_PYTHON
    if not _has_uno(python):
        raise ConversionUnavailable(f"{NOT_INSTALLED}; {python} cannot import uno.")
    return Installation(soffice=found, uno_python=python)


def _executable(path: str) -> str | None:
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


@functools.cache
def _has_uno(python: str) -> bool:
    """Check once per interpreter whether it can import LibreOffice's uno module."""
    if not _executable(python):
        return False
    try:
        result = subprocess.run(
            [python, "-s", "-c", "import uno"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            env=python_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def unoserver_path(folder: Path) -> Path:
    """Make a folder holding only the unoserver package and its metadata, for PYTHONPATH.

    Debian's Python must find unoserver (installed in our virtualenv) and nothing else from it:
    the virtualenv's compiled packages are built for another interpreter.
    """
    import unoserver  # only where LibreOffice is started: the client side never needs the package on disk

    distribution = importlib.metadata.distribution("unoserver")
    metadata = next(f for f in distribution.files or () if f.name == "METADATA")
    dist_info = Path(str(distribution.locate_file(metadata))).resolve().parent
    links = {"unoserver": Path(unoserver.__file__).resolve().parent, dist_info.name: dist_info}
    folder.mkdir(parents=True, exist_ok=True)
    for name, target in links.items():
        link = folder / name
        if not link.is_symlink():
            link.symlink_to(target, target_is_directory=True)
    return folder


def python_env(pythonpath: Path | None = None) -> dict[str, str]:
    """The environment for Debian's Python: none of our virtualenv's Python settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV"}
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # don't write .pyc files into our virtualenv
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env
