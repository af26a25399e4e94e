"""Check or fill in a form the app does not bundle in a child process with CPU, memory and time limits.

The sandbox (sandbox.py) refuses the obvious ways a form can ask for unbounded work, but not all
of them: a loop over a long text inside two more, or a text doubled with ``~`` in a loop, get
past every per-operation limit. A form a trust uploads is therefore checked and filled in in a
child process that the kernel stops at a CPU limit (RLIMIT_CPU) and a memory limit (RLIMIT_AS),
and that the parent kills at a wall-clock limit. Whatever happens to the child, the caller gets
an answer within the limits: the check's problems, the rendered bytes, or a refusal saying why.

A child comes one of two ways, both giving the same answers and refusals under the same limits:

- Where this process may have children (the web process, the command line, a Celery worker with
  threads), from a multiprocessing forkserver that has already imported the rendering code, so
  each costs a fork rather than a fresh interpreter (about 0.6 s once, then a few milliseconds).
  As with any multiprocessing start method but fork, each child re-imports the program's main
  script, so a script that calls these must keep its work under ``if __name__ == "__main__":``
  (the flask, gunicorn, celery and pytest entry points do).
- Where it may not, because it is itself a daemonic multiprocessing (or billiard) process, as a
  Celery prefork pool process is, multiprocessing refuses to start one. The child is then a fresh
  interpreter started with subprocess (``python -c`` running ``_serve_one``): it imports the
  rendering code alone, not the app (about 0.35 s of CPU), sets its own limits, with the CPU it spent starting added to the CPU
  limit so the job gets what a forked child would, says it is ready, and only then reads the
  pickled job from its stdin and writes the pickled outcome to its stdout; the wall clock starts
  when it is ready. It sets its limits itself rather than in a preexec_fn, which is unsafe in a
  process with threads.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from .check import Problem, check_template, variables_used
from .forms import RenderError, render_docx
from .html import docx_to_html
from .sandbox import SandboxLimits

MIB = 1024 * 1024
# After a child has answered it has nothing left to do; give it this long to exit before killing it.
EXIT_GRACE_SECONDS = 5.0
# A fresh interpreter that has not imported the app and limited itself by then will not.
STARTUP_SECONDS = 60.0
# The directory `app` is in, so a fresh interpreter imports this same app whatever its directory.
SOURCE_ROOT = Path(__file__).resolve().parents[2]
# What a fresh child runs; -P keeps the current directory off its path. It imports the rendering
# code alone: `app` is made a bare package over its directory, so app/__init__.py (the app factory,
# every model, job and view: about 1.2 s of the 1.5 s a child would take to start) never runs.
CHILD_COMMAND = (sys.executable, "-P", "-c", "; ".join((
    "import sys, types",
    "package = types.ModuleType('app')",
    f"package.__path__ = [{str(SOURCE_ROOT / 'app')!r}]",
    "sys.modules['app'] = package",
    "from app.rendering.isolated import _serve_one",
    "_serve_one()",
)))
READY = b"R"
SETTINGS_PREFIX = "COUNTERSIGN_"  # the app's settings in the environment (app/config.py)


@dataclass(frozen=True)
class Limits:
    """What one isolated check or render may use before it is stopped."""

    cpu_seconds: int = 10  # CPU time; the kernel stops the child past it (RLIMIT_CPU)
    memory_bytes: int = 1024 * MIB  # address space; allocations past it fail (RLIMIT_AS)
    wall_seconds: float = 30.0  # real time, waiting included; the parent kills the child past it


def check_template_isolated(
    docx: bytes,
    *,
    provided: Mapping[str, Any],
    required: Iterable[str] = (),
    warnings: bool = False,
    limits: Limits | None = None,
    sandbox: SandboxLimits | None = None,
) -> list[Problem]:
    """Return check_template's problems, found in a limited child; a form that exceeds the limits is one problem."""
    limits = limits or Limits()
    kwargs = {"provided": dict(provided), "required": list(required), "warnings": warnings, "limits": sandbox}
    result = run_limited(check_template, (docx,), kwargs, limits)
    if isinstance(result, _Refusal):
        return [Problem("limit", "the form", result.message("check"))]
    return result


def variables_used_isolated(docx: bytes, *, provided: Mapping[str, Any], limits: Limits | None = None) -> frozenset[str]:
    """Return variables_used's answer, found in a limited child; a form that exceeds the limits uses nothing."""
    result = run_limited(variables_used, (docx,), {"provided": dict(provided)}, limits or Limits())
    return frozenset() if isinstance(result, _Refusal) else result


def render_docx_isolated(
    template_file: Path | bytes,
    context: Mapping[str, Any],
    *,
    limits: Limits | None = None,
    sandbox: SandboxLimits | None = None,
    name: str | None = None,
) -> bytes:
    """Return render_docx's document, rendered in a limited child; raise RenderError as it does, or if the form exceeds the limits."""
    limits = limits or Limits()
    template = template_file if isinstance(template_file, bytes) else Path(template_file)
    result = run_limited(render_docx, (template, dict(context)), {"limits": sandbox, "name": name}, limits)
    if isinstance(result, _Refusal):
        raise RenderError(name or (Path(template).name if isinstance(template, Path) else "the form"),
                          result.message("fill in"))
    return result


def docx_to_html_isolated(docx: bytes, *, limits: Limits | None = None) -> str:
    """Return docx_to_html's text of a document filled from a form we do not ship, made in a limited child."""
    limits = limits or Limits()
    result = run_limited(docx_to_html, (docx,), {}, limits)
    if isinstance(result, _Refusal):
        raise RenderError("the filled form", result.message("read"))
    return result


@dataclass(frozen=True)
class _Refusal:
    """Why a child gave no answer: it ran out of CPU, memory or time, or stopped otherwise."""

    reason: str  # "cpu", "memory", "wall", "killed" or "crashed"
    limits: Limits
    exitcode: int | None = None

    def message(self, doing: str) -> str:
        """Return the refusal in words, for a child that was to do this ("check", "fill in")."""
        if self.reason == "cpu":
            return f"the form took too long to {doing} (over {self.limits.cpu_seconds} s of CPU)"
        if self.reason == "wall":
            return f"the form took too long to {doing} (over {self.limits.wall_seconds:g} s)"
        if self.reason == "memory":
            return f"the form used too much memory to {doing} (over {self.limits.memory_bytes // MIB} MiB)"
        if self.reason == "killed":
            return f"the form was stopped while trying to {doing} it: it used too much CPU or memory"
        return f"trying to {doing} the form stopped unexpectedly (exit code {self.exitcode})"


def run_limited(job: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits) -> Any:
    """Return job(*args, **kwargs) run in a limited child, or a _Refusal; re-raise what the job raised."""
    if may_have_children():
        outcome, exitcode = _run_forked(job, args, kwargs, limits)
    else:
        outcome, exitcode = _run_started(job, args, kwargs, limits)
    if outcome is None:
        return _Refusal(_death(exitcode), limits, exitcode)
    if outcome[0] == "ok":
        return outcome[1]
    if outcome[0] == "raised":
        raise outcome[1]
    return _Refusal(outcome[0], limits, exitcode)


def may_have_children() -> bool:
    """Say whether multiprocessing lets this process start children: a daemonic process may not."""
    if multiprocessing.current_process().daemon:
        return False
    billiard = sys.modules.get("billiard.process")  # Celery's fork of multiprocessing, if it is in use
    return not (billiard is not None and billiard.current_process().daemon)


_Outcome = tuple[Any, ...]


def _run_forked(
    job: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits
) -> tuple[_Outcome | None, int | None]:
    """Run the job in a child of the preloaded forkserver; return its outcome (None if it gave none) and exit code."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, limits, job, args, kwargs), daemon=True)
    outcome: _Outcome | None = None
    try:
        process.start()
        sender.close()  # the child holds the only sending end now, so its death reads as EOF
        if receiver.poll(limits.wall_seconds):
            try:
                outcome = pickle.loads(receiver.recv_bytes())
            except EOFError:  # it died without answering
                pass
        else:
            outcome = ("wall",)
    finally:
        receiver.close()
        exitcode = _reap(
            process, grace=EXIT_GRACE_SECONDS if outcome is not None and outcome[0] != "wall" else 0
        )
    return outcome, exitcode


def _run_started(
    job: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits
) -> tuple[_Outcome | None, int | None]:
    """Run the job in a fresh interpreter that limits itself; return its outcome (None if it gave none) and exit code."""
    work = pickle.dumps((job, args, kwargs))
    path = os.environ.get("PYTHONPATH")
    # The child needs none of the app's settings, some of which are secrets (keys, passwords, URLs with them).
    env = {name: value for name, value in os.environ.items() if not name.startswith(SETTINGS_PREFIX)}
    env["PYTHONPATH"] = os.pathsep.join([str(SOURCE_ROOT), *([path] if path else [])])
    outcome: _Outcome | None = None
    process = subprocess.Popen(
        [*CHILD_COMMAND, str(limits.cpu_seconds), str(limits.memory_bytes)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        if not _started(process):
            _stop(process, grace=0)
            return ("crashed",), process.returncode
        try:
            answer, _ = process.communicate(work, timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            answer, _ = process.communicate()
            # An answer written in time stands even if the child had not yet exited.
            outcome = _answer(answer) or ("wall",)
        else:
            outcome = _answer(answer)
    finally:
        _stop(process, grace=EXIT_GRACE_SECONDS if outcome is not None and outcome[0] != "wall" else 0)
    return outcome, process.returncode


def _started(process: subprocess.Popen[bytes]) -> bool:
    """Wait for a fresh child to say it has limited itself and is ready for its job."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], STARTUP_SECONDS)
    # Read the byte straight from the pipe, so nothing is left in a buffer communicate() would not see.
    return bool(ready) and os.read(process.stdout.fileno(), len(READY)) == READY


def _answer(data: bytes) -> _Outcome | None:
    """Return the outcome a fresh child wrote, or None if it wrote none or only part of one."""
    try:
        return pickle.loads(data) if data else None
    except Exception:  # cut off as it was written
        return None


def _stop(process: subprocess.Popen[bytes], *, grace: float) -> None:
    """Wait up to grace seconds for a fresh child to exit, kill it if it has not, and collect it."""
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()


def _reap(process: multiprocessing.process.BaseProcess, *, grace: float) -> int | None:
    """Wait up to grace seconds for the child to exit, kill it if it has not, collect it and return its exit code."""
    if process.pid is None:  # it never started
        return None
    process.join(grace)
    if process.exitcode is None:
        process.kill()
        process.join()
    exitcode = process.exitcode
    process.close()  # release its sentinel now rather than when it is collected
    return exitcode


def _death(exitcode: int | None) -> str:
    """Name why a child that never answered stopped, from its exit code."""
    if exitcode == -signal.SIGXCPU:
        return "cpu"
    if exitcode == -signal.SIGKILL:  # the hard CPU limit, or the kernel's out-of-memory killer
        return "killed"
    return "crashed"


def _child(
    sender: Connection,
    limits: Limits,
    job: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Limit this forked process, run the job and send back what came of it."""
    _limit_resources(limits)
    try:
        sender.send_bytes(_pickled(_outcome(job, args, kwargs)))
    finally:
        sender.close()


def _serve_one() -> None:
    """Be a fresh child: limit this process, say so, then run the job read from stdin and write what came of it to stdout."""
    cpu_seconds, memory_bytes = (int(value) for value in sys.argv[1:3])
    answer = os.fdopen(os.dup(1), "wb")
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)  # whatever the job prints cannot spoil the answer
    os.close(quiet)
    _limit_resources(Limits(cpu_seconds=cpu_seconds, memory_bytes=memory_bytes), started=True)
    answer.write(READY)
    answer.flush()
    try:
        job, args, kwargs = pickle.load(sys.stdin.buffer)
        outcome = _outcome(job, args, kwargs)
    except MemoryError:
        outcome = ("memory",)
    answer.write(_pickled(outcome))
    answer.close()


def _outcome(job: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Outcome:
    """Return what came of job(*args, **kwargs): ("ok", result), ("raised", exception) or ("memory",)."""
    try:
        return ("ok", job(*args, **kwargs))
    except MemoryError:
        return ("memory",)
    except Exception as exc:
        return ("raised", exc)


def _pickled(outcome: _Outcome) -> bytes:
    """Return the outcome pickled, or what it was in words if it will not pickle."""
    try:
        return pickle.dumps(outcome)
    except MemoryError:
        return pickle.dumps(("memory",))
    except Exception as exc:  # the result or exception would not pickle: say what it was instead
        return pickle.dumps(("raised", RuntimeError(f"{outcome[0]}: {outcome[1]!r} ({exc})")))


def _limit_resources(limits: Limits, *, started: bool = False) -> None:
    """Set this process's CPU, memory and core-dump limits; they cannot be raised again.

    A process started fresh has spent CPU importing the app; that is added to the CPU limit, so
    its job gets as much as a forked child's does.
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU would otherwise dump core
    spent = 0
    if started:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        spent = round(usage.ru_utime + usage.ru_stime)
    cpu = spent + limits.cpu_seconds
    _lower(resource.RLIMIT_CPU, cpu, cpu + 1)  # SIGXCPU, then SIGKILL
    _lower(resource.RLIMIT_AS, limits.memory_bytes, limits.memory_bytes)


def _lower(which: int, soft: int, hard: int) -> None:
    """Lower a resource limit to soft and hard, never above the limit already in force."""
    _, current = resource.getrlimit(which)
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


_context_lock = threading.Lock()
_chosen: BaseContext | None = None


def _context() -> BaseContext:
    """Return the multiprocessing context children come from: a preloaded forkserver where there is one."""
    global _chosen
    with _context_lock:
        if _chosen is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                forkserver = multiprocessing.get_context("forkserver")
                # Import the rendering code once, in the server, rather than in every child.
                forkserver.set_forkserver_preload([__name__])
                _chosen = forkserver
            else:
                _chosen = multiprocessing.get_context("spawn")
        return _chosen
