"""Translate Turkish sentences with a deployed Vertex AI endpoint (online prediction).

    python -m vertex.predict --endpoint ENDPOINT_ID "Bu odun yanmaz." "Kedi uyuyor."
    python -m vertex.predict --endpoint ENDPOINT_ID --instances-file vertex/examples/instances_test.json
    python -m vertex.predict --endpoint ENDPOINT_ID --parameters '{"num_beams": 4}' "Bu odun yanmaz."

Prints one prediction per line, in order: a string prediction as it is, any other (the
prediction of a list instance, or n-best lists) as JSON. --json prints the whole response.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vertex import common

ENDPOINT = common.Setting("endpoint", "--endpoint", ("VERTEX_ENDPOINT",), "endpoint id or resource name", required=True)
SETTINGS = (*common.COMMON, ENDPOINT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vertex.predict",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common.add_settings(parser, *SETTINGS)
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="Turkish sentences, one instance each")
    parser.add_argument("--instances-file", type=Path,
                        help='a JSON file {"instances": [...], "parameters": {...}}, or a JSON list')  # fmt: skip
    parser.add_argument("--parameters", help="generation parameters as JSON, e.g. '{\"num_beams\": 4}'")
    parser.add_argument("--json", action="store_true", help="print the whole response as JSON")
    return parser


def read_instances(args: argparse.Namespace) -> tuple[list[Any], dict[str, Any] | None]:
    """Instances from the file (if any) followed by the TEXT arguments; --parameters overrides the file's."""
    instances: list[Any] = []
    parameters = None
    if args.instances_file:
        try:
            value = json.loads(args.instances_file.read_text(encoding="utf-8"))
        except OSError as e:
            raise common.UsageError(f"cannot read --instances-file: {e}") from None
        except json.JSONDecodeError as e:
            raise common.UsageError(f"--instances-file {args.instances_file} is not valid JSON: {e}") from None
        if isinstance(value, dict) and isinstance(value.get("instances"), list):
            instances, parameters = value["instances"], value.get("parameters")
        elif isinstance(value, list):
            instances = value
        else:
            raise common.UsageError(
                f'--instances-file {args.instances_file} must hold {{"instances": [...]}} or a JSON list'
            )
    instances += args.texts
    if args.parameters is not None:
        try:
            parameters = common.json_object(args.parameters)
        except ValueError as e:
            raise common.UsageError(f"--parameters {e}") from None
    if not instances:
        raise common.UsageError("nothing to translate: give sentences as arguments or --instances-file")
    return instances, parameters


def predict(args: argparse.Namespace) -> int:
    from google.cloud import aiplatform

    instances, parameters = read_instances(args)
    common.init_sdk(args)
    endpoint = aiplatform.Endpoint(args.endpoint)
    response = endpoint.predict(instances=instances, parameters=parameters)
    if args.json:
        out = {"predictions": response.predictions, "deployedModelId": response.deployed_model_id}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    for prediction in response.predictions:
        print(prediction if isinstance(prediction, str) else json.dumps(prediction, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    return common.run(build_parser(), SETTINGS, predict, argv)


if __name__ == "__main__":
    sys.exit(main())
