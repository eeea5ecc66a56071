"""Stage 4d: Java and Maven for the embedded engines: tool checks, classpaths, commands.

A classpath is resolved once per pom (Maven Central, into the Maven cache and a stackgen cache
directory keyed by the pom's hash); later runs find it complete and never call Maven again.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from stackgen.errors import EnvironmentProblem

JAVA_DIR = Path(__file__).resolve().parent / "java"
Progress = Callable[[str], None]


def cache_root() -> Path:
    return Path(os.environ.get("STACKGEN_CACHE") or Path.home() / ".cache" / "stackgen")


def writable_cache(path: Path | None = None) -> Path:
    """`path` (default: the cache root) as an existing directory stackgen can write, else a clean error."""
    path = path or cache_root()
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        where = "" if path == cache_root() else f" (cannot write {path})"
        raise EnvironmentProblem(f"the stackgen cache {cache_root()} is not a writable directory{where}: "
                                 f"{exc.strerror or exc}; set STACKGEN_CACHE to one (default ~/.cache/stackgen)"
                                 ) from None
    return path


def tools(need_maven: bool = True) -> dict[str, str]:
    """Paths of java (and mvn), or an environment error naming every missing tool."""
    found = {"java": shutil.which("java"), "mvn": shutil.which("mvn") if need_maven else "-"}
    missing = [name for name, path in found.items() if not path]
    if missing:
        advice = {"java": "a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)",
                  "mvn": "Maven (e.g. apt-get install maven)"}
        raise EnvironmentProblem("the embedded engine needs " + " and ".join(advice[m] for m in missing)
                                 + f"; not found on PATH: {', '.join(missing)}")
    return found


def _home(project: str) -> Path:
    pom = JAVA_DIR / project / "pom.xml"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:12]
    return cache_root() / "java" / f"{project}-{digest}"


def classpath(project: str, progress: Progress = lambda message: None) -> Path:
    """The directory of jars for a project under java/, resolving it with Maven the first time."""
    pom = JAVA_DIR / project / "pom.xml"
    home = _home(project)
    lib = home / "lib"
    if (home / ".complete").exists():
        return lib
    mvn = tools()["mvn"]
    writable_cache(home)  # before Maven: an unwritable STACKGEN_CACHE is named at once
    progress(f"resolving the {project} classpath from Maven Central (once; later runs are offline)")
    if lib.exists():
        shutil.rmtree(lib)
    command = [mvn, "-B", "-f", str(pom), "dependency:copy-dependencies",
               f"-DoutputDirectory={lib}", "-DincludeScope=runtime"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail: list[str] = []
    downloaded = 0
    for line in process.stdout:
        tail = (tail + [line.rstrip()])[-30:]
        if line.startswith("Downloaded from"):
            downloaded += 1
            if downloaded % 10 == 1:
                progress(f"downloaded {downloaded} artifacts ...")
    if process.wait() != 0:
        raise EnvironmentProblem(f"Maven could not resolve {pom}:\n" + "\n".join(tail))
    jars = list(lib.glob("*.jar"))
    (home / ".complete").write_text(f"{len(jars)} jars\n")
    progress(f"{project} classpath ready: {len(jars)} jars")
    return lib


def java_command(project: str, main: str, args: list[str], heap: str | None = None,
                 progress: Progress = lambda message: None) -> list[str]:
    """A `java` command running a single-file program of java/<project> on its classpath."""
    # Maven is needed only while this project's classpath is unresolved: say so with java, at once.
    java = tools(need_maven=not (_home(project) / ".complete").exists())["java"]
    lib = classpath(project, progress)
    memory = [f"-Xms{heap}", f"-Xmx{heap}"] if heap else []
    return [java, *memory, "-Dlog4j2.formatMsgNoLookups=true", "-Djava.awt.headless=true",
            "-cp", f"{lib}{os.sep}*", str(JAVA_DIR / project / main), *args]
