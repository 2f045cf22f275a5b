"""docs/configuration.md lists every setting with the default the code has.

Each table of the reference is read back and compared with its source: ServingSettings' fields
and the shipped YAML, the YAML's TorchServe keys and `backends:` map, config.properties, the
environment variables the container's code reads, and the Makefile's `?=` variables.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from handler.settings import BACKENDS_KEY, ServingSettings, read_model_config
from handler.torchserve import BASE_CONFIG, read_properties

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE = REPO_ROOT / "docs" / "configuration.md"
# An environment variable's name as the code spells it: upper case with at least one underscore.
ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
SECTIONS = {
    "handler": "model-config.yaml `handler:` section",
    "torchserve": "model-config.yaml, TorchServe's keys",
    "backends": "model-config.yaml `backends:` map",
    "properties": "config.properties",
    "environment": "Container environment",
    "make": "make variables",
}


def reference_tables() -> dict[str, dict[str, str]]:
    """{section: {setting: default}} from the reference's `| `name` | `default` | ... |` rows."""
    tables: dict[str, dict[str, str]] = {}
    section = None
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            tables.setdefault(section, {})
        elif section and (row := re.match(r"\|\s*`([^`]+)`\s*\|\s*(?:`([^`]*)`)?\s*\|", line)):
            tables[section][row.group(1)] = row.group(2) or ""
    return tables


@pytest.fixture(scope="module")
def tables() -> dict[str, dict[str, str]]:
    found = reference_tables()
    missing = [heading for heading in SECTIONS.values() if heading not in found]
    assert not missing, f"docs/configuration.md lacks the sections {missing}"
    return {key: found[heading] for key, heading in SECTIONS.items()}


def as_yaml(text: str):
    return yaml.safe_load(text) if text else None


def test_every_handler_setting_is_listed_with_its_default(tables):
    shipped = read_model_config()["handler"]
    fields = {f.name: f for f in dataclasses.fields(ServingSettings) if f.name != "workers"}
    documented = tables["handler"]
    assert sorted(set(fields) - set(documented)) == [], "handler settings missing from docs/configuration.md"
    assert sorted(set(documented) - set(fields)) == [], "docs/configuration.md lists handler settings the code lacks"
    for name, field in fields.items():
        default = shipped[name] if name in shipped else field.default
        assert default is not dataclasses.MISSING, f"handler.{name} has no default in the YAML or the code"
        assert as_yaml(documented[name]) == default, (
            f"handler.{name}: documented {documented[name]!r}, code {default!r}"
        )


def test_every_torchserve_key_of_the_yaml_is_listed_with_its_value(tables):
    config = read_model_config()
    keys = {k: v for k, v in config.items() if k not in ("handler", BACKENDS_KEY)}
    documented = tables["torchserve"]
    assert sorted(set(keys) - set(documented)) == []
    for name, value in keys.items():
        assert as_yaml(documented[name]) == value, f"{name}: documented {documented[name]!r}, YAML {value!r}"


def test_every_entry_of_the_backends_map_is_listed(tables):
    backends = read_model_config()[BACKENDS_KEY]
    documented = tables["backends"]
    for backend, overrides in backends.items():
        if not overrides:
            assert as_yaml(documented[f"backends.{backend}"]) == {}
        for key, value in (overrides or {}).items():
            name = f"backends.{backend}.{key}"
            assert name in documented, f"{name} missing from docs/configuration.md"
            assert as_yaml(documented[name]) == value


def test_every_config_properties_key_is_listed_with_its_value(tables):
    properties = read_properties(BASE_CONFIG)
    documented = tables["properties"]
    assert sorted(set(properties) - set(documented)) == []
    assert sorted(set(documented) - set(properties)) == []
    for name, value in properties.items():
        assert documented[name] == value, f"{name}: documented {documented[name]!r}, config.properties {value!r}"


def container_sources() -> list[Path]:
    """The container's Python (the `container` package where it exists, else docker/'s scripts), and
    the handler's settings, whose variables (MAX_REQUEST_BYTES, WARMUP_SECONDS) reach the workers."""
    package = REPO_ROOT / "container"
    own = sorted(package.glob("*.py")) if package.is_dir() else sorted((REPO_ROOT / "docker").glob("*.py"))
    return [*own, REPO_ROOT / "handler" / "settings.py"]


def environment_names(paths: list[Path]) -> set[str]:
    """Every string constant in the code that is an environment variable's name."""
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and ENV_NAME.fullmatch(node.value):
                names.add(node.value)
    return names


def environment_registry() -> dict[str, object] | None:
    """The container's own list of its variables ({name: default}), where its entrypoint declares one."""
    try:
        from container import entrypoint
    except ImportError:
        return None
    registry = getattr(entrypoint, "ENVIRONMENT", None)
    return dict(registry) if registry else None


def test_every_environment_variable_the_container_reads_is_listed(tables):
    registry = environment_registry()
    names = set(registry) if registry else environment_names(container_sources())
    assert {"AIP_HTTP_PORT", "AIP_STORAGE_URI", "MODEL_LOAD_TIMEOUT"} <= names  # the scan finds them at all
    assert sorted(names - set(tables["environment"])) == [], "container variables missing from docs/configuration.md"
    for name, default in (registry or {}).items():
        if default not in (None, ""):
            assert as_yaml(tables["environment"][name]) == default or tables["environment"][name] == str(default), (
                f"{name}: documented {tables['environment'][name]!r}, code {default!r}"
            )


def test_the_container_defaults_are_the_codes(tables):
    """Defaults given as a number in the code: the loopback ports, the timeouts, the public port."""
    documented = tables["environment"]
    defaults: dict[str, str] = {}
    for path in container_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            # port_from(env, "NAME", default), positive_seconds(env, "NAME", default), ...
            if isinstance(node, ast.Call) and len(node.args) == 3 and isinstance(node.args[1], ast.Constant):
                defaults[node.args[1].value] = resolve(node.args[2], constants)
            # {"TS_INFERENCE_PORT": 8083, ...}
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str) and ENV_NAME.fullmatch(key.value):
                        defaults.setdefault(key.value, resolve(value, constants))
    from handler.torchserve import GRPC_PORTS, INFERENCE_PORT, MANAGEMENT_PORT, METRICS_PORT

    known = {"INFERENCE_PORT": INFERENCE_PORT, "MANAGEMENT_PORT": MANAGEMENT_PORT, "METRICS_PORT": METRICS_PORT}
    known |= {"GRPC_PORTS[0]": GRPC_PORTS[0], "GRPC_PORTS[1]": GRPC_PORTS[1]}
    checked = 0
    for name, default in defaults.items():
        value = known.get(default, default) if isinstance(default, str) else default
        if isinstance(value, (int, float)) and name in documented:
            assert as_yaml(documented[name]) == value, f"{name}: documented {documented[name]!r}, code {value!r}"
            checked += 1
    assert checked >= 8


def resolve(node: ast.expr, constants: dict[str, ast.expr]) -> object:
    """A default as the code writes it: a number, a module constant (followed), or its source text."""
    for _ in range(5):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id in constants:
            node = constants[node.id]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            left, right = resolve(node.left, constants), resolve(node.right, constants)
            return left - right if isinstance(left, int) and isinstance(right, int) else ast.unparse(node)
        else:
            return ast.unparse(node)
    return ast.unparse(node)


def test_every_make_variable_is_listed_with_its_default(tables):
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    variables: dict[str, list[str]] = {}
    for name, value in re.findall(r"^([A-Z_]+) \?=[ \t]*(.*)$", makefile, flags=re.MULTILINE):
        variables.setdefault(name, []).append(value.strip())
    documented = tables["make"]
    assert sorted(set(variables) - set(documented)) == [], "make variables missing from docs/configuration.md"
    reference = REFERENCE.read_text(encoding="utf-8")
    for name, values in variables.items():
        # A variable set in both branches of an ifeq (the image's CPU and CUDA variants): the first
        # is the documented default and the row names every other one.
        assert documented[name] == values[0], f"{name}: documented {documented[name]!r}, Makefile {values[0]!r}"
        row = re.search(rf"^\|\s*`{name}`.*$", reference, flags=re.MULTILINE).group(0)
        for other in values[1:]:
            assert f"`{other}`" in row or not other, f"{name}: the row does not name the Makefile's other value {other!r}"


def test_the_shipped_yaml_offers_no_setting_that_make_archive_overrides():
    """`make archive` writes handler.backend and handler.dtype: editing them in the YAML would do nothing."""
    assert not {"backend", "dtype"} & set(read_model_config()["handler"])
