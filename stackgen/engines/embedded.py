"""Stage 4e: the embedded engine: real Elasticsearch 7.10.2 nodes started by stackgen.

`EmbeddedNode` runs one node for the duration of a command (also stopped on errors and Ctrl-C).
`EmbeddedCluster` runs several, one JVM each, forming one cluster (fault tests kill one with
SIGKILL). `start_background` / `stop_background` / `status` keep one node running between
commands (`stackgen engine start|stop|status`); `verify --engine embedded` reuses it.

Nothing is left behind:
- an attached node watches its standard input from the first instant and exits when it closes,
  removing its own data directory, so a killed stackgen (even SIGKILL, even during startup)
  leaves neither a JVM nor a directory; a node that fails to start is stopped and its directory
  removed by stackgen;
- every data directory (`$TMPDIR/stackgen-es-*`) names its owner; a start removes the ones whose
  owner and node are both gone (left by a SIGKILL of the whole process group, a power cut);
- the background node's state file records the node's process start time and data directory:
  `engine stop` signals only a process that still is that node (never a process that reused the
  PID), and a stale, corrupt or empty state file means "not running" (removed, with a note);
- `engine start` holds a lock while it starts, so two starts never run two nodes, and an
  unwritable cache directory is reported (exit 3) before any node starts.
"""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from stackgen.engines import jvm
from stackgen.engines.processes import KEEP_MARKER, _fingerprint, _new_base, _remove_base, _same_process, _signal, sweep_stale
from stackgen.errors import EngineError, EnvironmentProblem

READY = "STACKGEN_READY"
STARTUP_SECONDS = 180
STOP_SECONDS = 30
STATE_FILE = "engine.json"
LOCK_FILE = "engine.lock"
LOCK_WAIT_SECONDS = 900  # another `engine start` may be resolving the classpath (first run: Maven)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = _free_port()
        if port not in ports:
            ports.append(port)
    return ports


def _version(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)["version"]["number"]


def _notice(message: str) -> None:
    print(f"stackgen: note: {message}", file=sys.stderr, flush=True)


class EmbeddedNode:
    """One node on 127.0.0.1 with a throwaway data directory.

    On its own it is a single-node cluster on free ports; `EmbeddedCluster` gives it fixed ports,
    a node name and the seed hosts and initial masters of a multi-node cluster.
    """

    def __init__(self, progress: jvm.Progress = lambda message: None, heap: str = "512m", detached: bool = False,
                 *, port: int = 0, transport_port: int = 0, cluster_name: str = "", node_name: str = "",
                 seeds: tuple[str, ...] = (), masters: tuple[str, ...] = ()):
        self.progress, self.heap, self.detached = progress, heap, detached
        self.port, self.transport_port = port, transport_port
        self.cluster_name, self.node_name = cluster_name, node_name
        self.seeds, self.masters = tuple(seeds), tuple(masters)
        self.process: subprocess.Popen | None = None
        self.base: Path | None = None
        self.url = ""
        self._command: list[str] = []
        self._log_offset = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> str:
        """Start the node; its URL once it is ready. A failed start leaves no JVM and no directory."""
        sweep_stale()
        self._prepare(jvm.java_command("node", "EsNode.java", [], heap=self.heap, progress=self.progress))
        try:
            self._launch()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.url

    def _prepare(self, java: list[str]) -> None:
        """Ports, names, the data directory and the command (java and the classpath come first)."""
        self.port = self.port or _free_port()
        self.cluster_name = self.cluster_name or f"stackgen-{os.getpid()}-{self.port}"
        self.base = _new_base()
        args = [str(self.port), str(self.base), self.cluster_name, "detached" if self.detached else "attached"]
        if self.transport_port:
            args.append(f"transport={self.transport_port}")
        if self.node_name:
            args.append(f"name={self.node_name}")
        if self.seeds:
            args += [f"seeds={','.join(self.seeds)}", f"masters={','.join(self.masters)}"]
        self._command = [*java, *args]
        self.url = f"http://127.0.0.1:{self.port}"

    def _launch(self) -> None:
        log_path = self.base / "node.log"
        self._log_offset = log_path.stat().st_size if log_path.exists() else 0
        where = f"127.0.0.1:{self.port}" + (f" ({self.node_name})" if self.node_name else "")
        self.progress(f"starting Elasticsearch 7.10.2 on {where} (heap {self.heap})")
        with open(log_path, "a") as log:
            stdin = subprocess.DEVNULL if self.detached else subprocess.PIPE
            self.process = subprocess.Popen(self._command, stdin=stdin, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        if not self.detached:
            atexit.register(self.stop)
        self._started = time.monotonic()

    def _log(self) -> str:
        try:
            with open(self.base / "node.log", errors="replace") as log:
                log.seek(self._log_offset)
                return log.read()
        except OSError:
            return ""

    def _wait_ready(self) -> None:
        started = self._started
        shown = 0.0
        while True:
            if READY in self._log():
                break
            if self.process.poll() is not None:
                tail = "\n".join(self._log().splitlines()[-25:])
                raise EngineError(f"the embedded Elasticsearch node exited during startup "
                                  f"(status {self.process.returncode}):\n{tail}")
            elapsed = time.monotonic() - started
            if elapsed > STARTUP_SECONDS:
                raise EngineError(f"the embedded Elasticsearch node was not ready after {STARTUP_SECONDS} s")
            if elapsed - shown >= 5:
                shown = elapsed
                self.progress(f"waiting for the node ({int(elapsed)} s)")
            time.sleep(0.1)
        self.progress(f"node ready in {time.monotonic() - started:.1f} s")

    def _halt(self, hard: bool) -> None:
        """End the JVM: SIGKILL when hard, else end of input and SIGTERM (SIGKILL after STOP_SECONDS)."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            if hard:
                process.kill()
            else:
                if process.stdin:
                    with contextlib.suppress(OSError):
                        process.stdin.close()
                process.terminate()
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait()
        if process.stdin:
            with contextlib.suppress(OSError):
                process.stdin.close()

    def kill(self) -> None:
        """SIGKILL the JVM, as a crash would (the data directory stays until `stop`)."""
        self._halt(hard=True)

    def restart(self, hard: bool = False) -> str:
        """Stop the JVM (SIGTERM, or SIGKILL when hard) and start it again on the same data and port."""
        if self.base is None or not self._command:
            raise EngineError("the node was never started")
        keep = self.base / KEEP_MARKER
        keep.touch()
        try:
            self._halt(hard)
        finally:
            keep.unlink(missing_ok=True)
        try:
            self._launch()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        """Stop the node and remove its data directory."""
        self._halt(hard=False)
        atexit.unregister(self.stop)
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class EmbeddedCluster:
    """Several nodes forming one cluster on 127.0.0.1, each in its own JVM.

    Separate JVMs rather than the codelibs runner's `numOfNode` (N nodes in one JVM): a node can be
    killed with SIGKILL, as a crash kills it (no graceful close, sockets reset by the kernel), and
    restarted as a process on the same data directory. Every node is master-eligible, data and
    ingest; they find each other through unicast seed hosts on their transport ports.
    """

    def __init__(self, nodes: int = 3, heap: str = "384m", progress: jvm.Progress = lambda message: None,
                 cluster_name: str = ""):
        if nodes < 1:
            raise ValueError("a cluster needs at least one node")
        self.size, self.heap, self.progress = nodes, heap, progress
        self.cluster_name = cluster_name or f"stackgen-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.nodes: list[EmbeddedNode] = []

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self) -> list[str]:
        """Start every node at once, then wait until all have joined and the cluster is green."""
        sweep_stale()
        java = jvm.java_command("node", "EsNode.java", [], heap=self.heap, progress=self.progress)
        ports = _free_ports(2 * self.size)
        names = [f"{self.cluster_name}-node-{i}" for i in range(self.size)]
        seeds = tuple(f"127.0.0.1:{port}" for port in ports[self.size:])
        self.nodes = [EmbeddedNode(self.progress, self.heap, port=ports[i], transport_port=ports[self.size + i],
                                   cluster_name=self.cluster_name, node_name=names[i], seeds=seeds,
                                   masters=tuple(names)) for i in range(self.size)]
        try:
            for node in self.nodes:
                node._prepare(java)
                node._launch()
            for node in self.nodes:
                node._wait_ready()
            self.wait_for(self.size, "green")
        except BaseException:
            self.stop()
            raise
        return self.urls

    def health(self, timeout: float = 5) -> dict:
        """Cluster health from the first node that answers."""
        for node in self.nodes:
            if node.process is None or node.process.poll() is not None:
                continue
            with contextlib.suppress(OSError, ValueError):
                with urllib.request.urlopen(f"{node.url}/_cluster/health", timeout=timeout) as response:
                    return json.load(response)
        raise EngineError("no node of the embedded cluster answers")

    def wait_for(self, nodes: int, status: str = "yellow", seconds: float = STARTUP_SECONDS) -> dict:
        """Wait until `nodes` nodes are in the cluster and its health is at least `status`."""
        order = {"red": 0, "yellow": 1, "green": 2}
        deadline = time.monotonic() + seconds
        last: dict = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(EngineError):
                last = self.health()
                if last.get("number_of_nodes") == nodes and order.get(last.get("status"), -1) >= order[status]:
                    return last
            time.sleep(0.2)
        raise EngineError(f"the embedded cluster did not reach {nodes} nodes and {status} in {seconds:.0f} s: {last}")

    def master(self) -> int:
        """The index in `nodes` of the elected master."""
        for node in self.nodes:
            if node.process is None:
                continue
            with contextlib.suppress(OSError, ValueError):
                with urllib.request.urlopen(f"{node.url}/_cat/master?format=json", timeout=5) as response:
                    name = json.load(response)[0]["node"]
                return next(i for i, n in enumerate(self.nodes) if n.node_name == name)
        raise EngineError("no node of the embedded cluster names a master")

    def kill(self, index: int) -> None:
        """SIGKILL one node's JVM."""
        self.nodes[index].kill()

    def stop(self) -> None:
        """Stop every node (all at once) and remove their data directories."""
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                if node.process.stdin:
                    with contextlib.suppress(OSError):
                        node.process.stdin.close()
                node.process.terminate()
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> list[str]:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# The background node (`stackgen engine start|stop|status`)


def _state_file() -> Path:
    return jvm.cache_root() / STATE_FILE


def _read_state() -> dict | None:
    """The recorded background node, or None; an unreadable record is removed, with a note."""
    path = _state_file()
    try:
        text = path.read_text()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        info = None
    else:
        reason = "empty" if not text.strip() else ""
        info = None
        if not reason:
            try:
                info = json.loads(text)
            except ValueError as exc:
                reason = f"not JSON: {exc}"
        if info is not None:
            if not isinstance(info, dict):
                reason = "not a JSON object"
            elif not isinstance(info.get("pid"), int) or isinstance(info.get("pid"), bool) or info["pid"] <= 0:
                reason = "no valid pid"
            elif not isinstance(info.get("url"), str) or not isinstance(info.get("base"), str):
                reason = "no url or data directory"
            else:
                return info
    try:
        path.unlink()
        _notice(f"the embedded engine's state file {path} was unreadable ({reason}): "
                "treated as 'not running' and removed")
    except OSError as exc:
        _notice(f"the embedded engine's state file {path} is unreadable ({reason}) and could not be removed "
                f"({exc.strerror or exc}): treated as 'not running'")
    return None


def _alive(info: dict) -> bool:
    """The recorded PID still is the node: same start time and its data directory in its command line."""
    return _same_process(info["pid"], info.get("start"), info["base"])


def _write_state(info: dict) -> None:
    path = _state_file()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".engine-", suffix=".json")
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(info, out)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _forget(info: dict, why: str) -> None:
    """Remove the state file (if it still records `info`) and the stale node's data directory."""
    path = _state_file()
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text()).get("pid") == info["pid"]:
            path.unlink()
    if why:
        _notice(f"the embedded engine's state file {path} named pid {info['pid']}, {why}: "
                "treated as 'not running' and removed")
    _remove_base(info.get("base"))


@contextlib.contextmanager
def _lock(required: bool, progress: jvm.Progress = lambda message: None, wait: bool = True) -> Iterator[bool]:
    """Serialise the commands that change the background node; yields whether the lock is held.

    When `required`, an unwritable cache directory is an EnvironmentProblem (before anything starts);
    otherwise the block runs without the lock.
    """
    handle = None
    try:
        root = jvm.writable_cache() if required else jvm.cache_root()
        handle = open(root / LOCK_FILE, "a")
    except OSError as exc:
        if required:
            raise EnvironmentProblem(f"cannot use the stackgen cache {jvm.cache_root()} ({exc.strerror or exc}); "
                                     "set STACKGEN_CACHE to a writable directory") from None
    except EnvironmentProblem:
        if required:
            raise
    if handle is None:
        yield False
        return
    with handle:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
            except BlockingIOError:
                held = False
            if held or not wait:
                break
            if time.monotonic() > deadline:
                raise EnvironmentProblem(f"another stackgen engine command holds {root / LOCK_FILE}")
            if not told:
                progress("waiting for another `stackgen engine` command to finish")
                told = True
            time.sleep(0.2)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(handle, fcntl.LOCK_UN)


def status() -> dict | None:
    """The background node's pid and URL if it is running and answering, else None."""
    info = _read_state()
    if info is None:
        return None
    if not _alive(info):
        with _lock(required=False, wait=False) as held:
            if held:
                again = _read_state()
                if again is not None and again["pid"] == info["pid"] and not _alive(again):
                    _forget(again, "which is no longer the node it started")
        return None
    try:
        info["version"] = _version(info["url"])
    except (OSError, ValueError, KeyError):
        return None
    return info


def start_background(progress: jvm.Progress = lambda message: None) -> dict:
    """Start a node that keeps running after this command, or return the running one.

    Never starts a second node: concurrent starts wait for each other, and a recorded node that
    is alive but slow to answer is still the running one.
    """
    with _lock(required=True, progress=progress):
        path = _state_file()
        if path.exists() and not path.is_file():
            raise EnvironmentProblem(f"{path} is not a file, so a background node could not be recorded there; "
                                     "remove it (or set STACKGEN_CACHE to another directory)")
        info = _read_state()
        if info is not None:
            if _alive(info):
                try:
                    info["version"] = _version(info["url"])
                except (OSError, ValueError, KeyError):
                    progress(f"the running node (pid {info['pid']}) does not answer at {info['url']} yet")
                info.setdefault("version", "7.10.2")
                return info
            _forget(info, "which is no longer the node it started")
        node = EmbeddedNode(progress, detached=True)
        url = node.start()
        try:
            found = _fingerprint(node.process.pid)
            info = {"pid": node.process.pid, "start": found[0] if found else None, "url": url,
                    "base": str(node.base), "cluster": node.cluster_name, "version": _version(url)}
            _write_state(info)
        except BaseException as exc:
            node.stop()
            if isinstance(exc, OSError):
                raise EnvironmentProblem(f"could not record the background node in {_state_file()} "
                                         f"({exc.strerror or exc}); stopped it") from None
            raise
        return info


def stop_background() -> bool:
    """Stop the background node; False when none was running (a stale record is removed)."""
    with _lock(required=False):
        info = _read_state()
        if info is None:
            return False
        if not _alive(info):
            _forget(info, "which is no longer the node it started")
            return False
        _signal(info["pid"], signal.SIGTERM, info.get("start"), info["base"])
        deadline = time.monotonic() + STOP_SECONDS
        while _alive(info) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(info):
            _signal(info["pid"], signal.SIGKILL, info.get("start"), info["base"])
            deadline = time.monotonic() + 10
            while _alive(info) and time.monotonic() < deadline:
                time.sleep(0.1)
        _forget(info, "")
        return True
