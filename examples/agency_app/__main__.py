"""``python -m examples.agency_app --port 8001``: serve the example agency app with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from examples.agency_app.app import Settings, create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.agency_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    settings = Settings.from_env(port=args.port)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
