"""Writing rendered artifacts, all or nothing, and checking a directory for staleness."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from stackgen.targets.base import Artifact


def stale(artifacts: list[Artifact], out_dir: Path) -> list[str]:
    """Paths (relative) whose file is missing or differs from the rendered text."""
    out = []
    for artifact in artifacts:
        path = out_dir / artifact.path
        if not path.is_file() or path.read_bytes() != artifact.content.encode("utf-8"):
            out.append(artifact.path)
    return out


def leftovers(artifacts: list[Artifact], out_dir: Path) -> list[str]:
    """Files beside the rendered ones that this schema does not render (e.g. an old pipeline).

    They matter: Logstash runs every file of the pipeline directory the deployment mounts.
    Hidden files (`.env`) and directories below (`certs/`) are the deployment's own.
    """
    rendered = {a.path for a in artifacts}
    directories = {Path(a.path).parent for a in artifacts}
    out = []
    for directory in sorted(directories):
        folder = out_dir / directory
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            relative = (directory / path.name).as_posix()
            if path.is_file() and not path.name.startswith(".") and relative not in rendered:
                out.append(relative)
    return out


def write(artifacts: list[Artifact], out_dir: Path) -> list[str]:
    """Write every artifact; files are staged first so a failure leaves no half-written file."""
    staged: list[tuple[Path, Path]] = []
    try:
        for artifact in artifacts:
            final = out_dir / artifact.path
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".stackgen-", dir=final.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(artifact.content.encode("utf-8"))
            os.chmod(tmp, 0o644)
            staged.append((Path(tmp), final))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    return [a.path for a in artifacts]
