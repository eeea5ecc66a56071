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
from functools import lru_cache
from pathlib import Path

from stackgen.errors import EnvironmentProblem

JAVA_DIR = Path(__file__).resolve().parent / "java"
JVM_ROOTS = "/usr/lib/jvm"  # where Debian and Temurin packages install JDKs side by side ($STACKGEN_JVM_ROOTS)
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


@lru_cache(maxsize=None)
def java_major(java: str) -> int:
    """The feature version of a java binary (17 for "17.0.9", 25 for "25"), 0 if it does not run."""
    try:
        result = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True, text=True,
                                timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    for line in result.stderr.splitlines():
        name, _, value = line.strip().partition(" = ")
        if name == "java.specification.version":
            value = value.removeprefix("1.")  # "1.8" was Java 8
            return int(value) if value.isdigit() else 0
    return 0


def find_java(minimum: int) -> str | None:
    """A java of at least `minimum`: $STACKGEN_JAVA_HOME, $JAVA_HOME, PATH, then JDKs under the JVM roots."""
    candidates = [Path(home) / "bin" / "java" for home in (os.environ.get("STACKGEN_JAVA_HOME"),
                                                          os.environ.get("JAVA_HOME")) if home]
    if shutil.which("java"):
        candidates.append(Path(shutil.which("java")))
    roots = os.environ.get("STACKGEN_JVM_ROOTS", JVM_ROOTS).split(os.pathsep)
    candidates += [java for root in roots if root for java in sorted(Path(root).glob("*/bin/java"))]
    for candidate in candidates:
        if candidate.is_file() and java_major(str(candidate)) >= minimum:
            return str(candidate)
    return None


def tools(need_maven: bool = True, java: int = 17) -> dict[str, str]:
    """Paths of java (at least version `java`) and mvn, or an environment error naming every missing tool."""
    found = {"java": find_java(java), "mvn": shutil.which("mvn") if need_maven else "-"}
    missing = [name for name, path in found.items() if not path]
    if missing:
        advice = {"java": f"a Java {java}+ runtime (on PATH, in JAVA_HOME or STACKGEN_JAVA_HOME, or under "
                          f"{JVM_ROOTS}; e.g. apt-get install openjdk-{java}-jre-headless)",
                  "mvn": "Maven (e.g. apt-get install maven)"}
        raise EnvironmentProblem("the embedded engine needs " + " and ".join(advice[m] for m in missing)
                                 + f"; not found: {', '.join(missing)}")
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
                 progress: Progress = lambda message: None, java: int = 17) -> list[str]:
    """A `java` (at least version `java`) command running a single-file program of java/<project>."""
    # Maven is needed only while this project's classpath is unresolved: say so with java, at once.
    java = tools(need_maven=not (_home(project) / ".complete").exists(), java=java)["java"]
    lib = classpath(project, progress)
    memory = [f"-Xms{heap}", f"-Xmx{heap}"] if heap else []
    return [java, *memory, "-Dlog4j2.formatMsgNoLookups=true", "-Djava.awt.headless=true",
            "-cp", f"{lib}{os.sep}*", str(JAVA_DIR / project / main), *args]
