"""Benchmark: what one rate-limit check costs (``rate_limits.check``), in memory and on Redis.

    .venv/bin/python bench/rate_limits.py [--redis redis://127.0.0.1:6379/0]

A shared limit of two moving windows (``sign_in``) in memory and on Redis, and the per-event
``ws_events`` check with Redis configured (it stays in the worker's memory: a connection lives
in one worker). Writes bench/results/rate_limits.json: the median and p95 of 21 rounds of 500
checks each (time per check), for distinct identities (never refused), with the machine and
the date.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mpp_digital.services import rate_limits  # noqa: E402

ROUNDS, CHECKS = 21, 500


async def _round(limit: rate_limits.NamedLimit, prefix: str) -> float:
    start = time.perf_counter()
    for i in range(CHECKS):
        await rate_limits.check(limit, f"{prefix}-{i}")
    return (time.perf_counter() - start) / CHECKS * 1e6


async def _measure(label: str, limit: rate_limits.NamedLimit) -> dict:
    per_check = [await _round(limit, f"{label}-{r}-{uuid.uuid4().hex[:6]}") for r in range(ROUNDS + 2)][2:]
    ordered = sorted(per_check)
    return {"storage": label, "limit": f"{limit.name} ({limit.rates}, shared={limit.shared})",
            "median_us": round(statistics.median(per_check), 1),
            "p95_us": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    results = []
    rate_limits.configure(redis_url=None)
    results.append(asyncio.run(_measure("memory", rate_limits.SIGN_IN)))
    prefix = f"mpp-rl-bench-{uuid.uuid4().hex[:6]}"
    rate_limits.configure(redis_url=args.redis, key_prefix=prefix)

    async def redis_run() -> list[dict]:
        measured = [await _measure("redis", rate_limits.SIGN_IN),
                    await _measure("redis configured", rate_limits.WS_EVENTS)]  # stays in memory
        await rate_limits.reset()  # the bench's own keys (its prefix) only
        return measured

    results.extend(asyncio.run(redis_run()))
    out = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
           "cpus": os.cpu_count(), "python": platform.python_version(),
           "rounds": ROUNDS, "checks_per_round": CHECKS, "results": results,
           "load_average": os.getloadavg()}
    path = ROOT / "bench" / "results" / "rate_limits.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
