"""Run a JSON-lines file through a running server and write what a Vertex batch job writes.

    python -m vertex.batch_local --input vertex/examples/batch_input_data.jsonl --output-dir out/ \\
        --url http://127.0.0.1:8080/predictions/tr_en [--batch-size 16] [--concurrency 4]

Output, in input order (one shard each):
  prediction.results-00000-of-00001        {"instance": <input line's value>, "prediction": <its prediction>}
  prediction.errors_stats-00000-of-00001   {"instance": ..., "error": {"code": <google.rpc code>, "message": ...},
                                            "line": <input line number>}
The run is resumable: every finished request is appended to batch_local.journal.jsonl in the
output folder before it counts, and a rerun with the same output folder sends only the
instances without a prediction there (failed ones included). The result files are rewritten
from the journal at the end of every run. Exit code 0 when every instance has a prediction,
1 when some failed or are left (see the errors file), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
from tqdm import tqdm

from vertex import common

RESULTS_FILE = "prediction.results-00000-of-00001"
ERRORS_FILE = "prediction.errors_stats-00000-of-00001"
JOURNAL_FILE = "batch_local.journal.jsonl"
DEFAULT_URL = f"http://127.0.0.1:{common.CONTAINER_PORT}{common.PREDICT_ROUTE}"
# Worth another try: the server is starting, busy, out of memory for now, or behind a proxy that is.
TRANSIENT_STATUSES = {429, 502, 503, 504, 507}
# TorchServe's answer to every request of a batch whose worker died (507 when it was killed, 500
# when TorchServe ended it for its response timeout): it starts a new worker, so the request is
# worth another try, unlike our handler's own 500s.
WORKER_DIED = "Worker died."
# Whole requests the server may refuse because of one instance: sent again one instance at a time.
SPLITTABLE_STATUSES = {400, 413}
# google.rpc.Code of an HTTP status, as Vertex reports errors; anything else is UNKNOWN (2).
RPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 409: 10, 413: 3, 415: 3, 429: 8,
             500: 13, 501: 12, 502: 14, 503: 14, 504: 4, 507: 8}  # fmt: skip
UNAVAILABLE = 14
INTERNAL = 13
INVALID_ARGUMENT = 3
# What became of each input line, by line number: {"prediction": ...} or {"error": {"code", "message"}}.
Outcomes = dict[int, dict[str, Any]]


UsageError = common.UsageError


@dataclass(frozen=True)
class InputLine:
    line: int  # 1-based line number in the input file
    value: Any = None
    error: str | None = None  # set when the line is not JSON


def read_input(path: Path) -> list[InputLine]:
    """Every non-blank line, parsed; a line that is not JSON is kept with its error, not raised."""
    lines = []
    with path.open(encoding="utf-8") as f:
        for number, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                lines.append(InputLine(number, json.loads(text)))
            except json.JSONDecodeError as e:
                problem = f"line {number} is not valid JSON: {e.msg} at column {e.colno}"
                lines.append(InputLine(number, text.rstrip("\n"), problem))
    return lines


def error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class Journal:
    """Append-only record of finished instances: {"line": n, "prediction": ...} or {"line": n, "error": ...}.

    The first line identifies the run (input file digest and parameters), so a rerun against a
    different input cannot mix results. Records of one request go in one write followed by
    fsync; a write cut short by a kill leaves a partial last line, which is dropped on load.
    """

    def __init__(self, path: Path, identity: dict[str, Any]):
        self.path = path
        self.outcomes: Outcomes = {}
        if path.exists():
            self._load(identity)
        else:
            path.write_text(json.dumps(identity) + "\n", encoding="utf-8")
        self._file = path.open("a", encoding="utf-8")

    def _load(self, identity: dict[str, Any]) -> None:
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) < len(data):
            # Cut the torn record off, so the next append starts on a line of its own.
            with self.path.open("r+b") as f:
                f.truncate(len(complete))
        lines = complete.decode("utf-8").splitlines()
        if not lines:  # killed while writing the header: nothing was recorded yet
            self.path.write_text(json.dumps(identity) + "\n", encoding="utf-8")
            return
        if json.loads(lines[0]) != identity:
            raise UsageError(
                f"{self.path.parent} holds results of another input file or other --parameters: "
                "use another --output-dir, or --restart to discard them"
            )
        for text in lines[1:]:
            record = json.loads(text)
            self.outcomes[record.pop("line")] = record

    def record(self, outcomes: Outcomes) -> None:
        self._file.write("".join(json.dumps({"line": n, **o}, ensure_ascii=False) + "\n" for n, o in outcomes.items()))
        self._file.flush()
        os.fsync(self._file.fileno())
        self.outcomes.update(outcomes)

    def close(self) -> None:
        self._file.close()


@dataclass
class Predictor:
    """Sends instances to the server: retries transient failures, splits refused requests."""

    url: str
    parameters: dict[str, Any] | None
    max_retries: int
    retry_delay: float
    timeout: float

    async def predict(self, session: aiohttp.ClientSession, lines: list[InputLine]) -> Outcomes:
        status, body = await self._post(session, [line.value for line in lines])
        if status == HTTPStatus.OK:
            predictions = body.get("predictions") if isinstance(body, dict) else None
            if isinstance(predictions, list) and len(predictions) == len(lines):
                return {line.line: {"prediction": p} for line, p in zip(lines, predictions)}
            count = len(predictions) if isinstance(predictions, list) else "no"
            return {line.line: error(INTERNAL, f"server answered {count} predictions for {len(lines)} instances")
                    for line in lines}  # fmt: skip
        if status in SPLITTABLE_STATUSES and len(lines) > 1:
            # One bad instance fails the whole request: find it by sending each on its own.
            outcomes: Outcomes = {}
            for line in lines:
                outcomes.update(await self.predict(session, [line]))
            return outcomes
        failure = error(RPC_CODES.get(status, 2) if status else UNAVAILABLE, _message(status, body))
        return {line.line: failure for line in lines}

    async def _post(self, session: aiohttp.ClientSession, instances: list[Any]) -> tuple[int, Any]:
        """(HTTP status, decoded body); status 0 when the server could not be reached."""
        payload: dict[str, Any] = {"instances": instances}
        if self.parameters is not None:
            payload["parameters"] = self.parameters
        for attempt in range(self.max_retries + 1):
            try:
                async with session.post(self.url, json=payload, timeout=aiohttp.ClientTimeout(total=self.timeout)) as r:
                    text = await r.text()
                    status = r.status
                try:
                    body: Any = json.loads(text)
                except json.JSONDecodeError:
                    body = text
            except (TimeoutError, aiohttp.ClientError) as e:
                status, body = 0, f"{type(e).__name__}: {e}"
            if status and status not in TRANSIENT_STATUSES and not worker_died(status, body):
                return status, body
            if attempt < self.max_retries:
                await asyncio.sleep(min(self.retry_delay * 2**attempt, 30.0))
        return status, body


def worker_died(status: int, body: Any) -> bool:
    return status in (500, 507) and isinstance(body, dict) and body.get("message") == WORKER_DIED


def _message(status: int, body: Any) -> str:
    """The server's error text: our handler's {"error": ...}, TorchServe's {"message": ...}, or the raw body."""
    if isinstance(body, dict):
        body = body.get("error") or body.get("message") or json.dumps(body)
    text = str(body).strip()[:500]
    return f"HTTP {status}: {text}" if status else f"server unreachable after retries: {text}"


def chunks(lines: list[InputLine], size: int) -> Iterable[list[InputLine]]:
    for start in range(0, len(lines), size):
        yield lines[start : start + size]


async def send_all(predictor: Predictor, pending: list[InputLine], journal: Journal, args: argparse.Namespace) -> None:
    """Send `pending` in requests of --batch-size through --concurrency workers, journaling each."""
    queue: asyncio.Queue[list[InputLine]] = asyncio.Queue()
    for chunk in chunks(pending, args.batch_size):
        queue.put_nowait(chunk)
    bar = tqdm(total=len(pending), unit="instance", file=sys.stderr, disable=args.quiet or None)
    failed = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failed
        while not queue.empty():
            chunk = queue.get_nowait()
            outcomes = await predictor.predict(session, chunk)
            journal.record(outcomes)
            failed += sum("error" in o for o in outcomes.values())
            bar.update(len(outcomes))
            bar.set_postfix(failed=failed)

    try:
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(*(worker(session) for _ in range(args.concurrency)))
    finally:
        bar.close()


def write_outputs(output_dir: Path, inputs: list[InputLine], outcomes: Outcomes) -> tuple[int, int, int]:
    """Rewrite both result files in input order; return (successful, failed, incomplete) counts.

    Each file is written beside its final name and renamed over it, so a reader never sees half
    a file.
    """
    results, errors, incomplete = [], [], 0
    for item in inputs:
        outcome = outcomes.get(item.line)
        if item.error is not None:
            outcome = error(INVALID_ARGUMENT, item.error)
        if outcome is None:
            incomplete += 1
        elif "prediction" in outcome:
            results.append({"instance": item.value, "prediction": outcome["prediction"]})
        else:
            errors.append({"instance": item.value, **outcome, "line": item.line})
    for name, rows in ((RESULTS_FILE, results), (ERRORS_FILE, errors)):
        partial = output_dir / f".{name}.partial"
        with partial.open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        os.replace(partial, output_dir / name)
    return len(results), len(errors), incomplete


def identity(input_path: Path, parameters: dict[str, Any] | None) -> dict[str, Any]:
    digest = hashlib.sha256(input_path.read_bytes()).hexdigest()
    return {"input_sha256": digest, "parameters": parameters}


def run(args: argparse.Namespace) -> int:
    if not args.input.is_file():
        raise UsageError(f"--input {args.input} is not a file")
    inputs = read_input(args.input)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    journal_path = args.output_dir / JOURNAL_FILE
    if args.restart:
        journal_path.unlink(missing_ok=True)
    journal = Journal(journal_path, identity(args.input, args.parameters))
    done = {n for n, outcome in journal.outcomes.items() if "prediction" in outcome}
    pending = [item for item in inputs if item.error is None and item.line not in done]
    if args.limit is not None:
        pending = pending[: args.limit]
    print(f"{len(inputs)} instances: {len(done)} done before, {len(pending)} to send to {args.url}", file=sys.stderr)
    predictor = Predictor(args.url, args.parameters, args.max_retries, args.retry_delay, args.timeout)
    interrupted = False
    try:
        asyncio.run(send_all(predictor, pending, journal, args))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        journal.close()
    successful, failed, incomplete = write_outputs(args.output_dir, inputs, journal.outcomes)
    print(f"successful: {successful}\nfailed:     {failed}\nincomplete: {incomplete}")
    print(f"output:     {args.output_dir / RESULTS_FILE}")
    if failed:
        print(f"errors:     {args.output_dir / ERRORS_FILE}")
    if interrupted:
        print("interrupted: run the same command again to finish", file=sys.stderr)
        return 130
    return 0 if failed == 0 and incomplete == 0 else 1


def parameters_arg(text: str) -> dict[str, Any]:
    """common.json_object for argparse, which prints an ArgumentTypeError's message but not a ValueError's."""
    try:
        return common.json_object(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def count_arg(minimum: int) -> Any:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < minimum:
            raise argparse.ArgumentTypeError(f"{text} is not an integer of at least {minimum}")
        return int(text)

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vertex.batch_local",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input", type=Path, required=True, help="JSON-lines file, one instance per line")
    parser.add_argument("--output-dir", type=Path, required=True, help="folder for the result files and the journal")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"prediction URL (default {DEFAULT_URL})")
    parser.add_argument("--batch-size", type=count_arg(1), default=16, help="instances per request (default 16)")
    parser.add_argument("--concurrency", type=count_arg(1), default=4, help="requests in flight (default 4)")
    parser.add_argument("--parameters", type=parameters_arg, help="sent with every request, e.g. '{\"num_beams\": 4}'")
    parser.add_argument("--max-retries", type=count_arg(0), default=5,
                        help="retries of a request that met a transient error: no connection, 429, 502, 503, 504, "
                             "507, TorchServe's 'Worker died.' (default 5)")  # fmt: skip
    parser.add_argument("--retry-delay", type=float, default=1.0, metavar="SECONDS",
                        help="first back-off delay, doubled on each retry up to 30 s (default 1)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS", help="per request (default 300)")
    parser.add_argument(
        "--limit", type=count_arg(0), metavar="N", help="send at most N instances now; a rerun sends the rest"
    )
    parser.add_argument("--restart", action="store_true", help="discard the journal of an earlier run first")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run(args)
    except UsageError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
