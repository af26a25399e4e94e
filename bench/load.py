"""Pages under load: gunicorn on PostgreSQL, driven by wrk; and the last party's agree POST.

Run: .venv/bin/python bench/load.py [--database URL] [--workers 2] [--connections 50] [--duration 20]
     [--rounds 3] [--documents 500] [--agreements 20]

The database must be the benchmark's own: its schema is dropped and rebuilt. The app is served by
gunicorn (`--workers` sync processes, no broker: jobs run in the web process after the response)
converting through the host's conversion service (`flask conversion serve`, 2 LibreOffice
processes). wrk drives, at `--connections` for `--duration` seconds each, in `--rounds` interleaved rounds:
  - the signing page GET (a personal link to a prepared contract), opened again (served kept) and,
    from a second gunicorn that keeps nothing, rendered on every open (a link's first open);
  - `/verify` GET, the floor: a page that does no work;
  - `/health` GET, one `SELECT 1` through the app's database session: the ceiling of any page that reads;
  - the staff dashboard of a trust admin, with `--documents` documents seeded directly in the database,
    served kept and, from the second gunicorn, computed on every load.
Then `--agreements` contracts, each agreed by its supervisee already, are agreed by their supervisor
through gunicorn one after another (the POST that seals), timed, and waited on until sealed.
Prints, for each page, the median of the rounds (with min and max) of req/s, p50, p99 and its throughput
against the floor's in the same round; errors summed; the agree POST's times,
and the memory of gunicorn's processes and of the conversion service.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import (
    DEFAULT_DATABASE,
    ROOT,
    analyse,
    environment,
    free_port,
    reset_schema,
    rss_report,
    start_service,
    stop,
)
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.db import utcnow
from app.documents.answers import agree
from app.documents.create import create_document
from app.documents.links import link_url
from app.documents.models import Document, DocumentVersion, Link, LinkPurpose, Party
from app.documents.people import Person, Request
from app.documents.states import State
from app.extensions import db
from app.staff.auth import request_sign_in, sign_in_url
from app.staff.models import SignInLink

TRUST = "heart-of-mercia"
ADMIN = "admin@bench.example.org"
AGENT = "countersign-bench"


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def seed(app: Any, documents: int, agreements: int) -> dict[str, Any]:
    """Trusts, an admin, one contract to read, contracts awaiting their last agreement, and the bulk."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["trusts", "load"]).exit_code == 0
    made = runner.invoke(args=["users", "create", ADMIN, "--name", "Bench Admin", "--role", "admin", "--trust", TRUST])
    assert made.exit_code == 0, made.output
    with app.app_context():
        def contract(n: int) -> Document:
            return create_document(trust_slug=TRUST, kind_name="contract",
                                   supervisor=Person("Alex Morgan", f"alex{n}@bench.example.org"),
                                   supervisees=[Person("Sam Okafor", f"sam{n}@bench.example.org")], fields={})

        reading = contract(0)
        links = {p.role: db.session.scalar(select(Link).join(Party).where(Party.id == p.id)) for p in reading.parties}
        sign_url = link_url(links["supervisee"].id)
        last = []
        for n in range(1, agreements + 1):
            document = contract(n)
            by_role = {p.role: db.session.scalar(select(Link).where(Link.party_id == p.id)) for p in document.parties}
            agree(_token(link_url(by_role["supervisee"].id)), confirmed=True, typed_name="Sam Okafor",
                  request=Request(ip="127.0.0.1", user_agent="bench"))
            last.append((document.id, link_url(by_role["supervisor"].id)))
        _bulk(reading, documents)
        request_sign_in(ADMIN, ip="127.0.0.1", user_agent="bench")
        sign_in = db.session.scalar(select(SignInLink.id).order_by(SignInLink.id.desc()))
        client = app.test_client()
        path = urllib.parse.urlsplit(sign_in_url(sign_in)).path
        # Sessions are bound to the address and user agent (Flask-Login's strong protection): wrk sends the same.
        page = client.get(path, headers={"User-Agent": AGENT})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        assert client.post(path, data={"csrf_token": csrf}, headers={"User-Agent": AGENT}).status_code == 303
        cookie = client.get_cookie("session")
        assert cookie is not None
        total = db.session.scalar(select(func.count(Document.id)))
    return {"sign": sign_url, "last": last, "cookie": f"session={cookie.value}", "total": total}


def _bulk(template: Document, count: int) -> None:
    """Documents like the prepared one, straight into the database: waiting, sealed, some due for review."""
    version = template.version
    states = [State.AWAITING_AGREEMENT, State.SEALED, State.SEALED, State.CHANGES_REQUESTED]
    now = utcnow()
    for n in range(count):
        state = states[n % len(states)]
        review = date.today() + timedelta(days=(n % 120) - 30)
        document = Document(trust_id=template.trust_id, kind=template.kind, title=template.title, state=state,
                            author_name=template.author_name, author_email=template.author_email,
                            pair_key=f"bench-{n}", school=template.school, created_at=now - timedelta(hours=n),
                            review_date=review)
        document.versions = [DocumentVersion(
            number=1, fields={**version.fields, "review_date": review.isoformat()}, docx_file_id=version.docx_file_id,
            pdf_file_id=version.pdf_file_id, sent_at=now,
            sealed_file_id=version.pdf_file_id if state is State.SEALED else None,
            sealed_at=now if state is State.SEALED else None)]
        document.parties = [Party(role="supervisor", name=f"Supervisor {n}", email=f"sv{n}@bench.example.org", position=0),
                            Party(role="supervisee", name=f"Supervisee {n}", email=f"se{n}@bench.example.org", position=1)]
        db.session.add(document)
        db.session.flush()
        if state is State.AWAITING_AGREEMENT:
            for party in document.parties:
                db.session.add(Link(purpose=LinkPurpose.AGREE, party_id=party.id, version_id=document.versions[0].id,
                                    nonce=secrets.token_urlsafe(16), expires_at=now + timedelta(days=14)))
    db.session.commit()
    analyse(db.engine)


def wrk(url: str, connections: int, duration: int, headers: list[str]) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
               "-H", f"User-Agent: {AGENT}"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": errors,
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 303 is the answer being timed; the done page is fetched apart


def agree_over_http(url: str, name: str) -> tuple[float, bool]:
    """Agree as the last party; return the POST's time (to its 303) and whether the done page said "being sealed"."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    page = opener.open(url, timeout=30).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": csrf, "confirm": "yes", "full_name": name}).encode()
    began = time.perf_counter()
    try:
        opener.open(urllib.request.Request(url + "/agree", data=data), timeout=30)
        raise SystemExit("agreeing did not answer with a redirect")
    except urllib.error.HTTPError as answer:
        took = time.perf_counter() - began
        assert answer.code == 303, answer.code
        done = urllib.parse.urljoin(url, answer.headers["Location"])
    return took, "being sealed" in opener.open(done, timeout=30).read().decode()


def serve(env: dict[str, str], base: str, log: Path) -> subprocess.Popen[bytes]:
    """Start gunicorn as `make serve` does and wait until it answers."""
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:app.serving", "app:create_app()"],
                               cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/verify", timeout=2)
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(log.read_text()) from None
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="the benchmark's own PostgreSQL database (emptied)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per page per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every page, interleaved")
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--agreements", type=int, default=20)
    args = parser.parse_args()

    output = Path(tempfile.mkdtemp(prefix="countersign-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # wrk is one client on 127.0.0.1 making 50 people's requests: the per-client limits on personal-link
    # pages (60 a minute) would answer nearly all of them with a 429, so they are off for the benchmark.
    env = environment(output, args.database, COUNTERSIGN_BASE_URL=base, COUNTERSIGN_WEB_BIND=f"127.0.0.1:{port}",
                      COUNTERSIGN_WEB_WORKERS=str(args.workers), COUNTERSIGN_RATELIMIT_ENABLED="false")
    reset_schema(args.database)
    service, service_url = start_service(env, 2, output / "service.log")
    env["COUNTERSIGN_CONVERSION_URL"] = service_url
    gunicorn = uncached = None
    try:
        config = {k.removeprefix("COUNTERSIGN_"): v for k, v in env.items() if k.startswith("COUNTERSIGN_")}
        app = create_app({**config, "JOBS_INLINE": True})
        with app.app_context():
            upgrade(directory=str(ROOT / "app" / "migrations"))
        began = time.monotonic()
        seeded = seed(app, args.documents, args.agreements)
        print(f"seeded {seeded['total']} documents in {time.monotonic() - began:.1f} s; "
              f"gunicorn with {args.workers} workers on PostgreSQL; wrk at {args.connections} connections "
              f"for {args.duration} s each")
        gunicorn = serve(env, base, output / "gunicorn.log")
        # The same app with the dashboard computed and the signing page rendered on every load: what a load
        # right after a change costs, and a link's first open.
        uncached_port = free_port()
        uncached_base = f"http://127.0.0.1:{uncached_port}"
        uncached = serve({**env, "COUNTERSIGN_WEB_BIND": f"127.0.0.1:{uncached_port}", "COUNTERSIGN_DASHBOARD_CACHE_SECONDS": "0",
                          "COUNTERSIGN_SIGNING_PAGE_CACHE_SIZE": "0"},
                         uncached_base, output / "gunicorn-uncached.log")

        sign_path = urllib.parse.urlsplit(seeded["sign"]).path
        pages = [
            ("/verify GET (floor)", base + "/verify", []),
            # The health check asks the database one trivial question: no page that reads the
            # database through the app's session can be faster, so it shows what the floor leaves.
            ("/health GET (one SELECT 1)", base + "/health", []),
            ("signing page GET", base + sign_path, []),
            ("  the same, rendered on every open", uncached_base + sign_path, []),
            (f"staff dashboard GET ({seeded['total']} documents)", base + "/staff/", [f"Cookie: {seeded['cookie']}"]),
            ("  the same, recomputed on every load", uncached_base + "/staff/", [f"Cookie: {seeded['cookie']}"]),
        ]
        for _, url, headers in pages:  # each worker warm, every page answering 200 itself (no redirect)
            for _ in range(args.workers * 2):
                connection = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=30)
                connection.request("GET", urllib.parse.urlsplit(url).path,
                                   headers={"User-Agent": AGENT, **dict(h.split(": ", 1) for h in headers)})
                response = connection.getresponse()
                assert response.status == 200, (url, response.status, response.getheader("Location"))
                response.read()
                connection.close()
        # Rounds interleave the pages, so a change in the machine's load falls on all of them alike;
        # each round's throughput is taken against the floor's in the same round.
        runs: dict[str, list[dict[str, float]]] = {label: [] for label, _, _ in pages}
        for _ in range(args.rounds):
            floor = None
            for label, url, headers in pages:
                result = wrk(url, args.connections, args.duration, headers)
                floor = floor or result["rps"]
                runs[label].append({**result, "ratio": result["rps"] / floor})

        def spread(values: list[float], fmt: str) -> str:
            return f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"

        print(f"{args.rounds} rounds; each figure the median of its rounds (min–max)")
        print(f"{'page':<40} {'req/s':>18} {'p50 ms':>20} {'p99 ms':>20} {'errors':>7} {'vs floor':>16}")
        for label, results in runs.items():
            print(f"{label:<40} {spread([r['rps'] for r in results], '.0f'):>18} "
                  f"{spread([r['p50'] for r in results], '.1f'):>20} {spread([r['p99'] for r in results], '.1f'):>20} "
                  f"{sum(int(r['errors']) for r in results):>7d} {spread([r['ratio'] * 100 for r in results], '.0f'):>16}")
        print(rss_report("gunicorn (master and workers)", gunicorn.pid))

        answers = [agree_over_http(url, "Alex Morgan") for _, url in seeded["last"]]
        times = [took for took, _ in answers]
        ordered = sorted(times)
        print(f"last agree POST (answers; the seal follows in the worker's job threads), {len(times)} contracts: "
              f"median {statistics.median(times) * 1000:.0f} ms, p90 {ordered[int(0.9 * (len(ordered) - 1))] * 1000:.0f} ms, "
              f"max {ordered[-1] * 1000:.0f} ms; the done page said it was being sealed for "
              f"{sum(sealing for _, sealing in answers)} of {len(answers)}")
        ids = [document_id for document_id, _ in seeded["last"]]
        began = time.monotonic()
        with app.app_context():
            while db.session.scalar(select(func.count()).where(Document.id.in_(ids), Document.state == State.SEALED)) < len(ids):
                db.session.rollback()
                if time.monotonic() - began > 300:
                    raise SystemExit("the contracts were not all sealed within 5 minutes")
                time.sleep(0.25)
        print(f"all {len(ids)} sealed {time.monotonic() - began:.1f} s after the last POST answered")
        print(rss_report("gunicorn (master and workers)", gunicorn.pid))
        print(rss_report("conversion service", service.pid))
    finally:
        for process in (gunicorn, uncached):
            if process is not None:
                stop(process)
        stop(service)


if __name__ == "__main__":
    main()
