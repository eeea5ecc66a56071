"""Stage 4e: the processes and data directories of embedded nodes: who is who, without a bare PID.

A node is identified by its PID together with the process start time (from /proc) and its data
directory on the command line, so a recycled PID is never signalled. Every data directory names
the stackgen process that made it; `sweep_stale` removes those whose owner and node are gone.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

BASE_PREFIX = "stackgen-es-"
OWNER_FILE = "stackgen-owner.json"  # in each data directory: the stackgen process that made it
KEEP_MARKER = "stackgen-keep"  # in a data directory: the JVM leaves it in place when it exits (restart)
SWEEP_GRACE_SECONDS = 60  # an owner-less data directory younger than this may be starting


def _fingerprint(pid: int) -> tuple[str, str] | None:
    """(start time, command line) of a live process, or None when there is no such process."""
    if not isinstance(pid, int) or pid <= 0:
        return None
    proc = Path("/proc")
    if (proc / "self" / "stat").exists():
        try:
            stat = (proc / str(pid) / "stat").read_text()
            cmdline = (proc / str(pid) / "cmdline").read_bytes()
        except OSError:
            return None
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] in ("Z", "X"):  # exited, not yet reaped
            return None
        return fields[19], cmdline.replace(b"\0", b" ").decode(errors="replace")
    try:  # no procfs (macOS, BSD): ps
        start = subprocess.run(["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True).stdout
        args = subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return None
    return (start.strip(), args.strip()) if start.strip() else None


def _mentions(cmdline: str, path: str) -> bool:
    return re.search(re.escape(path) + r"(?=[\s/]|$)", cmdline) is not None


def _same_process(pid, start: str | None, marker: str | None) -> bool:
    """The process `pid` is alive and still the one recorded (start time, a path in its command line)."""
    found = _fingerprint(pid)
    if found is None:
        return False
    if start is not None and found[0] != str(start):
        return False
    return not marker or _mentions(found[1], marker)


def _signal(pid: int, sig: int, start: str | None, marker: str | None) -> bool:
    """Send `sig` only if `pid` still is the recorded process (a pidfd closes the reuse race)."""
    handle = None
    try:
        if hasattr(os, "pidfd_open"):
            try:
                handle = os.pidfd_open(pid)
            except ProcessLookupError:
                return False
            except OSError:
                handle = None
        if not _same_process(pid, start, marker):
            return False
        if handle is not None:
            signal.pidfd_send_signal(handle, sig)
        else:
            os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False
    finally:
        if handle is not None:
            os.close(handle)


def _all_command_lines() -> list[str]:
    proc = Path("/proc")
    if (proc / "self" / "cmdline").exists():
        lines = []
        for entry in proc.iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        return lines
    try:
        return subprocess.run(["ps", "-axo", "args="], capture_output=True, text=True).stdout.splitlines()
    except OSError:
        return []


# ---------------------------------------------------------------------------------------------
# Data directories


def _owner() -> dict:
    found = _fingerprint(os.getpid())
    return {"pid": os.getpid(), "start": found[0] if found else None}


def _new_base() -> Path:
    base = Path(tempfile.mkdtemp(prefix=BASE_PREFIX))
    try:
        (base / OWNER_FILE).write_text(json.dumps(_owner()))
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    return base


def _in_use(base: Path, command_lines: list[str]) -> bool:
    """A node runs on it, or the stackgen process that made it is alive, or it is too young to tell."""
    if any(_mentions(line, str(base)) for line in command_lines):
        return True
    try:
        owner = json.loads((base / OWNER_FILE).read_text())
        return _same_process(owner["pid"], owner.get("start"), None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no owner yet (being made) or an older stackgen's directory: judge by age
    try:
        return time.time() - base.stat().st_mtime < SWEEP_GRACE_SECONDS
    except OSError:
        return True


def sweep_stale(root: Path | None = None) -> list[Path]:
    """Remove this user's data directories (`stackgen-es-*`) whose node and owner are both gone."""
    root = Path(root or tempfile.gettempdir())
    try:
        candidates = [p for p in root.glob(BASE_PREFIX + "*") if p.is_dir() and not p.is_symlink()]
    except OSError:
        return []
    removed: list[Path] = []
    command_lines: list[str] | None = None
    for base in candidates:
        try:
            if base.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        if command_lines is None:
            command_lines = _all_command_lines()
        if not _in_use(base, command_lines):
            shutil.rmtree(base, ignore_errors=True)
            removed.append(base)
    return removed


def _remove_base(path: str | None) -> None:
    """Remove a recorded data directory, only if it is one of ours and no process runs on it."""
    if not path:
        return
    base = Path(path)
    if not base.name.startswith(BASE_PREFIX) or not base.is_dir() or base.is_symlink():
        return
    if not any(_mentions(line, str(base)) for line in _all_command_lines()):
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Nodes
