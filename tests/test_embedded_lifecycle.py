"""The embedded engine's lifecycle: one background node at most, clean errors, nothing left behind.

Every command here runs with a private STACKGEN_CACHE (sharing the resolved classpath) and a
private TMPDIR, so the nodes and data directories it makes are told apart from any other
stackgen's by their paths. Each test checks, and its fixture makes sure, that no JVM and no
`stackgen-es-*` directory of its own is left.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from stackgen.engines import embedded, jvm, processes
from stackgen.errors import EngineError, EnvironmentProblem

from conftest import ROOT, SAMPLES

pytestmark = pytest.mark.engine


def real_cache() -> Path:
    return Path(os.environ.get("STACKGEN_CACHE") or Path.home() / ".cache" / "stackgen")


def nodes_under(path: Path) -> list[int]:
    """PIDs of live embedded-node JVMs whose data directory is under `path`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if "EsNode.java" in cmdline and str(path) in cmdline and state not in ("Z", "X"):
            pids.append(int(entry.name))
    return pids


def leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.glob("stackgen-es-*"))


def wait_until(condition, seconds: float = 30, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


@dataclass
class Sandbox:
    cache: Path
    tmp: Path
    env: dict

    @property
    def state(self) -> Path:
        return self.cache / "engine.json"

    def run(self, *args: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "stackgen", *args], env=self.env, capture_output=True,
                              text=True, cwd=ROOT, timeout=timeout, **kwargs)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "stackgen", *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT)

    def python(self, code: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", code], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, cwd=ROOT)


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A private cache (its `java` is the real, resolved one) and TMPDIR, for subprocesses and this one."""
    jvm.classpath("node")  # resolved once in the real cache (Maven only on a fresh machine)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "java").symlink_to(real_cache() / "java", target_is_directory=True)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "STACKGEN_CACHE": str(cache), "TMPDIR": str(tmp)}
    monkeypatch.setenv("STACKGEN_CACHE", str(cache))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    box = Sandbox(cache, tmp, env)
    yield box
    stray = nodes_under(tmp)
    for pid in stray:  # ours: their data directory is in this test's TMPDIR
        os.kill(pid, signal.SIGKILL)
    assert stray == [], f"the test left embedded nodes running: {stray}"
    assert leftovers(tmp) == [], "the test left data directories behind"


def started_line(result) -> str:
    lines = [line for line in result.stdout.splitlines() if line.startswith("embedded Elasticsearch")]
    assert len(lines) == 1, (result.stdout, result.stderr)
    return lines[0]


def test_a_second_start_reports_the_running_node_and_starts_nothing(sandbox):
    first, second = sandbox.start("engine", "start"), sandbox.start("engine", "start")  # at the same time
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    lines = {out.strip() for out, _ in outputs}
    assert len(lines) == 1, f"two nodes were started: {lines}"
    pid = int(lines.pop().rsplit("(pid ", 1)[1].rstrip(")"))
    assert nodes_under(sandbox.tmp) == [pid]
    try:
        again = sandbox.run("engine", "start")  # one after the other
        assert again.returncode == 0 and f"(pid {pid})" in started_line(again)
        assert "starting Elasticsearch" not in again.stderr
        os.kill(pid, signal.SIGSTOP)  # alive but not answering: still the running node
        try:
            busy = sandbox.run("engine", "start")
        finally:
            os.kill(pid, signal.SIGCONT)
        assert busy.returncode == 0 and f"(pid {pid})" in started_line(busy), busy.stderr
        assert "does not answer" in busy.stderr and "starting Elasticsearch" not in busy.stderr
        assert nodes_under(sandbox.tmp) == [pid]
        assert sandbox.run("engine", "status").returncode == 0
    finally:
        stopped = sandbox.run("engine", "stop")
    assert stopped.stdout.strip() == "stopped"
    assert wait_until(lambda: nodes_under(sandbox.tmp) == [], 10)
    assert sandbox.run("engine", "status").stdout.strip() == "not running"


def test_a_cache_path_that_is_a_file_fails_before_starting_a_node(sandbox, tmp_path):
    not_a_dir = tmp_path / "cache-file"
    not_a_dir.write_text("not a directory\n")
    sandbox.env["STACKGEN_CACHE"] = str(not_a_dir)
    started = time.monotonic()
    result = sandbox.run("engine", "start")
    assert result.returncode == 3, result.stderr
    assert "is not a writable directory" in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 20  # named at once, before Maven
    assert nodes_under(sandbox.tmp) == [] and leftovers(sandbox.tmp) == []


def test_a_read_only_cache_fails_before_starting_a_node(sandbox):
    if os.geteuid() == 0:  # root writes through mode bits: make the directory immutable instead
        subprocess.run(["chattr", "+i", str(sandbox.cache)], check=True, capture_output=True)
        undo = ["chattr", "-i", str(sandbox.cache)]
    else:
        sandbox.cache.chmod(0o555)
        undo = ["chmod", "755", str(sandbox.cache)]
    try:
        with pytest.raises(OSError):
            (sandbox.cache / "probe").write_text("x")  # really read-only
        result = sandbox.run("engine", "start")
        status = sandbox.run("engine", "status")
        stop = sandbox.run("engine", "stop")
    finally:
        subprocess.run(undo, check=True)
    assert result.returncode == 3, result.stderr
    assert "not a writable directory" in result.stderr and "Traceback" not in result.stderr
    assert "starting Elasticsearch" not in result.stderr
    assert nodes_under(sandbox.tmp) == [] and leftovers(sandbox.tmp) == []
    assert (status.returncode, status.stdout.strip()) == (1, "not running")
    assert (stop.returncode, stop.stdout.strip()) == (0, "not running")


def test_a_state_path_that_is_a_directory_fails_before_starting_a_node(sandbox):
    sandbox.state.mkdir()
    (sandbox.state / "x").write_text("")
    result = sandbox.run("engine", "start")
    assert result.returncode == 3 and "is not a file" in result.stderr and "Traceback" not in result.stderr
    assert "starting Elasticsearch" not in result.stderr
    for action, code in (("status", 1), ("stop", 0)):
        other = sandbox.run("engine", action)
        assert (other.returncode, other.stdout.strip()) == (code, "not running"), other.stderr
        assert "Traceback" not in other.stderr
    assert nodes_under(sandbox.tmp) == [] and leftovers(sandbox.tmp) == []


def test_a_node_that_cannot_be_recorded_is_stopped(sandbox, monkeypatch):
    def refuse(info):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(embedded, "_write_state", refuse)
    with pytest.raises(EnvironmentProblem, match="could not record the background node .* stopped it"):
        embedded.start_background()
    assert wait_until(lambda: nodes_under(sandbox.tmp) == [], 10)
    assert leftovers(sandbox.tmp) == [] and not sandbox.state.exists()


def test_stop_never_signals_a_process_that_reused_the_recorded_pid(sandbox):
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        records = [  # the PID now belongs to `sleep`: a later start time, no data directory in its command line
            {"pid": bystander.pid, "start": "1", "url": "http://127.0.0.1:9", "version": "7.10.2",
             "base": str(sandbox.tmp / "stackgen-es-gone")},
            {"pid": bystander.pid, "url": "http://127.0.0.1:9", "version": "7.10.2",  # an older stackgen's record
             "base": str(sandbox.tmp / "stackgen-es-gone")},
        ]
        for record in records:
            sandbox.state.write_text(json.dumps(record))
            stop = sandbox.run("engine", "stop")
            assert (stop.returncode, stop.stdout.strip()) == (0, "not running"), stop.stderr
            assert "no longer the node" in stop.stderr and "Traceback" not in stop.stderr
            assert not sandbox.state.exists()
            assert bystander.poll() is None, "engine stop signalled a process that is not the node"
            sandbox.state.write_text(json.dumps(record))
            status = sandbox.run("engine", "status")
            assert (status.returncode, status.stdout.strip()) == (1, "not running")
            assert not sandbox.state.exists() and bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.parametrize("content", [b"", b"  \n", b"{not json", b"[]", b'{"pid": "12"}',
                                     b'{"pid": 0, "url": "x", "base": "y"}', b'{"pid": 5}', b"\xff\xfe\x00"])
def test_a_corrupt_or_empty_state_file_means_not_running(sandbox, content):
    for action, code in (("status", 1), ("stop", 0)):
        sandbox.state.write_bytes(content)
        result = sandbox.run("engine", action)
        assert (result.returncode, result.stdout.strip()) == (code, "not running"), result.stderr
        assert "Traceback" not in result.stderr
        assert "state file" in result.stderr and "treated as 'not running'" in result.stderr
        assert not sandbox.state.exists()


def test_embedded_commands_work_past_a_corrupt_state_file(sandbox):
    sandbox.state.write_text("")
    parsed = sandbox.run("parse", "--schema", str(SAMPLES / "schema.yaml"), "--engine", "embedded",
                         str(SAMPLES / "test-edge-cases.log"))
    assert parsed.returncode == 0 and "Traceback" not in parsed.stderr, parsed.stderr
    assert "treated as 'not running'" in parsed.stderr and parsed.stdout.count("\n") > 5
    assert nodes_under(sandbox.tmp) == [] and leftovers(sandbox.tmp) == []
    sandbox.state.write_text('{"pid": ')
    started = sandbox.run("engine", "start")
    try:
        assert started.returncode == 0 and "treated as 'not running'" in started.stderr, started.stderr
        info = json.loads(sandbox.state.read_text())
        assert nodes_under(sandbox.tmp) == [info["pid"]]
    finally:
        assert sandbox.run("engine", "stop").stdout.strip() == "stopped"


NODE_SCRIPT = """
import sys, time
from stackgen.engines.embedded import EmbeddedNode
node = EmbeddedNode(heap="256m")
print("URL", node.start(), node.base, flush=True)
time.sleep(600)
"""


def test_a_killed_stackgen_leaves_no_node_and_no_directory(sandbox):
    owner = sandbox.python(NODE_SCRIPT)
    try:
        line = owner.stdout.readline()
        assert line.startswith("URL "), line + owner.stdout.read()
        base = Path(line.split()[2])
        assert base.is_dir() and len(nodes_under(sandbox.tmp)) == 1
    finally:
        owner.kill()  # SIGKILL: no atexit, no finally; the node sees its input close
        owner.wait()
    assert wait_until(lambda: nodes_under(sandbox.tmp) == [] and not base.exists(), 30), \
        (nodes_under(sandbox.tmp), leftovers(sandbox.tmp))


def test_a_stackgen_killed_during_startup_leaves_no_node_and_no_directory(sandbox):
    owner = sandbox.python(NODE_SCRIPT)
    try:
        assert wait_until(lambda: nodes_under(sandbox.tmp) and leftovers(sandbox.tmp), 60)
        time.sleep(0.5)  # the JVM is compiling EsNode.java or starting Elasticsearch: not ready yet
    finally:
        owner.kill()
        owner.wait()
    assert "URL" not in owner.stdout.read(), "the node was ready before the kill"
    assert wait_until(lambda: nodes_under(sandbox.tmp) == [] and leftovers(sandbox.tmp) == [], 30), \
        (nodes_under(sandbox.tmp), leftovers(sandbox.tmp))


def test_a_node_that_exits_during_startup_leaves_no_directory(sandbox):
    for detached in (False, True):  # attached (a command's node) and detached (`engine start`'s)
        node = embedded.EmbeddedNode(heap="1x", detached=detached)  # the JVM refuses the heap size and exits
        with pytest.raises(EngineError, match="exited during startup") as info:
            node.start()
        assert "heap" in str(info.value)
        assert node.process is None and node.base is None and leftovers(sandbox.tmp) == [], detached


def test_missing_java_leaves_no_directory(sandbox, monkeypatch, tmp_path):
    for name, value in {"PATH": str(tmp_path / "empty"), "STACKGEN_JVM_ROOTS": "", "JAVA_HOME": "",
                        "STACKGEN_JAVA_HOME": ""}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(EnvironmentProblem, match="not found: java"):
        embedded.EmbeddedNode().start()
    assert leftovers(sandbox.tmp) == []


def test_a_start_sweeps_directories_whose_node_and_owner_are_gone(sandbox):
    tmp = sandbox.tmp
    gone = subprocess.Popen(["true"])
    gone.wait()
    old = time.time() - 3600

    def directory(name: str, owner: dict | None = None, mtime: float | None = None) -> Path:
        path = tmp / f"stackgen-es-{name}"
        (path / "node_1" / "data").mkdir(parents=True)
        if owner is not None:
            (path / processes.OWNER_FILE).write_text(json.dumps(owner))
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    dead_owner = directory("deadowner", {"pid": gone.pid, "start": "1"})
    orphan = directory("orphan", mtime=old)  # an older stackgen's directory, an hour old, no node on it
    mine = directory("mine", processes._owner(), mtime=old)
    young = directory("young")  # no owner yet: being made right now
    used = directory("used", mtime=old)
    user = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", str(used)])
    try:
        assert wait_until(lambda: str(used) in Path(f"/proc/{user.pid}/cmdline").read_bytes().decode(), 10)
        removed = processes.sweep_stale()
        assert sorted(removed) == sorted([dead_owner, orphan])
        assert not dead_owner.exists() and not orphan.exists()
        assert mine.exists() and young.exists() and used.exists()
    finally:
        user.kill()
        user.wait()
        for path in (mine, young, used):
            subprocess.run(["rm", "-rf", str(path)], check=True)
