"""The baseline: one request at a time, one `generate` call per request, as the seed's server did.

    python -m bench.naive_server --model-dir DIR --port 7080

The original sample's FastAPI app ran its model synchronously in the request handler, so requests
queued behind each other and were never batched together. A single-threaded HTTP server with the
same per-request work reproduces that without a web framework.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, HTTPServer

import torch

from handler.backends import GenerationParams
from handler.backends.transformers_backend import TransformersBackend
from handler.settings import usable_cores


def make_handler(backend: TransformersBackend, params: GenerationParams) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            texts = [t if isinstance(t, str) else t[0] for t in body["instances"]]
            answer = {"predictions": [h[0] for h in backend.translate(texts, params)]}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.naive_server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", required=True, help="a save_pretrained Marian directory")
    parser.add_argument("--port", type=int, default=7080)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    args = parser.parse_args(argv)
    torch.set_num_threads(usable_cores())
    backend = TransformersBackend(args.model_dir, "cpu")
    handler = make_handler(backend, GenerationParams(1, args.max_new_tokens, 1))
    # A listen backlog for every client of the load generator: they wait in line, as with the seed's
    # server, instead of having their connections refused and retried.
    HTTPServer.request_queue_size = 128
    HTTPServer(("127.0.0.1", args.port), handler).serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
