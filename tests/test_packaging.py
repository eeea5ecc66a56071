"""A built wheel works on its own: installed into a fresh virtual environment, outside the
checkout, `stackgen render` writes the same files as the checkout and `stackgen verify` passes."""
from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
import venv

from conftest import ROOT


def _tree(root):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_the_built_wheel_renders_and_verifies_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' scratch directory in the checkout
    [wheel] = wheels.glob("stackgen-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    install = subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
                             capture_output=True, text=True, cwd=tmp_path)
    assert install.returncode == 0, install.stderr
    samples = tmp_path / "samples"
    shutil.copytree(ROOT / "samples" / "ezcast", samples)  # nothing of the checkout is in reach
    stackgen = str(env_dir / "bin" / "stackgen")
    installed = subprocess.run([stackgen, "render", str(samples / "schema.yaml"), "-o", str(tmp_path / "installed")],
                               capture_output=True, text=True, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    checkout = subprocess.run([sys.executable, "-m", "stackgen", "render", str(samples / "schema.yaml"),
                               "-o", str(tmp_path / "checkout")], capture_output=True, text=True, cwd=ROOT)
    assert checkout.returncode == 0, checkout.stderr
    files = _tree(tmp_path / "checkout")
    assert _tree(tmp_path / "installed") == files and len(files) == 9 + 42 + 3  # 42 case pipelines; rules, 2 anomaly jobs
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "checkout", tmp_path / "installed", files, shallow=False)
    assert mismatch == [] and errors == []
    verified = subprocess.run([stackgen, "verify", str(samples)], capture_output=True, text=True, cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    location = subprocess.run([str(env_dir / "bin" / "python"), "-c", "import stackgen; print(stackgen.__file__)"],
                              capture_output=True, text=True, cwd=tmp_path)
    assert str(env_dir) in location.stdout  # the installed copy ran, not the checkout
