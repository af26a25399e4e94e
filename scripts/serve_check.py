"""Seal a contract through a running `make serve`: the web processes, the worker and the conversion service.

Run from the checkout `make serve` runs from, with the same COUNTERSIGN_* environment (a mail backend
of outbox), while it serves:

    COUNTERSIGN_DATABASE_URL=... COUNTERSIGN_CELERY_BROKER_URL=... python scripts/serve_check.py

It creates a contract with `flask contract create`, agrees it through the links in the outbox over
HTTP (as each party's browser would), waits for the worker to seal it, and prints what happened.
Exit status 0 only when the contract was sealed and each party was sent its download link.
"""

from __future__ import annotations

import email
import email.policy
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPERVISOR = ("Alex Morgan", "alex.morgan@example.org")
SUPERVISEE = ("Sam Okafor", "sam.okafor@example.org")


def flask(*args: str) -> str:
    """Run a `flask` command of this checkout with the caller's settings; return its output."""
    command = [sys.executable, "-m", "flask", *args]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "FLASK_APP": "app"}, capture_output=True,
                            text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def outbox_links(outbox: Path, since: float, subject: str) -> dict[str, str]:
    """The personal link in each email with this subject written after `since`, by recipient."""
    links = {}
    for path in outbox.glob("*.eml"):
        if path.stat().st_mtime < since:
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if subject not in str(message["Subject"]):
            continue
        body = message.get_body(preferencelist=("plain",))
        match = re.search(r"https?://\S+/(?:s|d)/\S+", body.get_content() if body else "")
        if match:
            links[email.utils.parseaddr(str(message["To"]))[1]] = match.group(0)
    return links


def wait_for(what: str, check, timeout: float = 180):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def agree(url: str, name: str) -> float:
    """Open the link and agree as that party, over HTTP with the party's own cookies; return the POST's time."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(url, timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not token:
        raise SystemExit(f"the signing page has no form: {page[:500]}")
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "confirm": "yes", "full_name": name}).encode()
    began = time.monotonic()
    answer = opener.open(urllib.request.Request(url + "/agree", data=data), timeout=30)
    took = time.monotonic() - began
    if "/done" not in answer.geturl():
        raise SystemExit(f"agreeing did not reach the done page: {answer.geturl()}")
    return took


def main() -> None:
    outbox = Path(os.environ.get("COUNTERSIGN_OUTPUT_DIR") or ROOT / "output") / "outbox"
    if (os.environ.get("COUNTERSIGN_MAIL_BACKEND") or "outbox") != "outbox":
        raise SystemExit("run with COUNTERSIGN_MAIL_BACKEND=outbox: the links are read from the outbox")
    flask("trusts", "load")
    since = time.time() - 1
    created = flask("contract", "create", "--trust", "heart-of-mercia", "--supervisor",
                    f"{SUPERVISOR[0]} <{SUPERVISOR[1]}>", "--supervisee", f"{SUPERVISEE[0]} <{SUPERVISEE[1]}>")
    document_id = created.strip().splitlines()[-1]
    print(f"created contract {document_id}; waiting for the worker to prepare it and send the links")
    links = wait_for("the links", lambda: (found := outbox_links(outbox, since, "Please read and agree"))
                     and len(found) >= 2 and found)
    for name, address in (SUPERVISEE, SUPERVISOR):
        took = agree(links[address], name)
        print(f"{name} agreed through {urllib.parse.urlsplit(links[address]).netloc} ({took * 1000:.0f} ms)")
    began = time.monotonic()
    wait_for("the seal", lambda: "state: sealed" in flask("documents", "show", document_id))
    sealed = wait_for("the download links", lambda: (found := outbox_links(outbox, since, "Sealed:"))
                      and len(found) >= 2 and found)
    print(f"sealed {time.monotonic() - began:.1f} s after the last agreement; download links sent to "
          f"{', '.join(sorted(sealed))}")


if __name__ == "__main__":
    main()
