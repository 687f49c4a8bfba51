"""Latency of the OpenID Connect provider's endpoints, through real HTTP (uvicorn, one worker).

    MPP_DATABASE_URL=sqlite:////tmp/sso-bench.db .venv/bin/python bench/sso_flow.py [rounds]

Migrates the given (throwaway) database, registers a client and a citizen, then times
rounds of: authorize (signed in, consent stored) -> token (code + PKCE) -> userinfo ->
refresh. Writes medians and ratios to bench/results/sso_flow.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(rounds: int = 40) -> dict:
    from sqlmodel import Session

    from mpp_digital import demo, routes
    from mpp_digital.cli import migrate
    from mpp_digital.clock import utcnow
    from mpp_digital.db import engine_for
    from mpp_digital.services import sso
    from mpp_digital.services.authz import principal_for
    from mpp_digital.settings import get_settings
    from mpp_digital.web_routes import build_api
    from tests.sso_support import free_port, make_user, pkce, portal_cookie, query_of, register_app, serve

    port = free_port()
    os.environ["MPP_PUBLIC_BASE_URL"] = base = f"http://localhost:{port}"
    os.environ.setdefault("MPP_SECRET_KEY", "bench-secret")
    get_settings.cache_clear()
    url = get_settings().database_url
    migrate(url)
    with Session(engine_for(url), expire_on_commit=False) as db:
        if not demo._count(db, demo.Region):
            demo.load_regions(db)
            demo.load_catalog(db)
            db.commit()
        user = make_user(db, email=f"bench-{time.time_ns()}@sso.test")
        cookie = portal_cookie(db, user)
        app = register_app(db, redirect_uri="http://127.0.0.1:9/cb")
        sso.grant_consent(session=db, principal=principal_for(session=db, user=user, session_id=0),
                          client_id=app.client_id, redirect_uri=app.redirect_uri, scope="openid profile email",
                          now=utcnow())
        db.commit()
    times: dict[str, list[float]] = {"authorize": [], "token": [], "userinfo": [], "refresh": [], "jwks": []}
    with serve(build_api(), port), httpx.Client(base_url=base, follow_redirects=False) as http:
        for i in range(rounds + 3):
            verifier, challenge = pkce()
            t0 = time.perf_counter()
            r = http.get(routes.OAUTH_AUTHORIZE, headers={"Cookie": f"{routes.SESSION_COOKIE}={cookie}"}, params={
                "response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri,
                "scope": "openid profile email", "state": "s", "nonce": f"n{i}-{time.time_ns()}",
                "code_challenge": challenge, "code_challenge_method": "S256"})
            t1 = time.perf_counter()
            code = query_of(r.headers["location"])["code"]
            tokens = http.post(routes.OAUTH_TOKEN, auth=(app.client_id, app.secret), data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri,
                "code_verifier": verifier}).json()
            t2 = time.perf_counter()
            assert http.get(routes.OAUTH_USERINFO,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
            t3 = time.perf_counter()
            assert http.post(routes.OAUTH_TOKEN, auth=(app.client_id, app.secret), data={
                "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).status_code == 200
            t4 = time.perf_counter()
            http.get(routes.OAUTH_JWKS)
            t5 = time.perf_counter()
            if i >= 3:  # warm-up rounds are not counted
                for name, value in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
                    value *= 1000
                    times[name].append(value)
    medians = {name: round(statistics.median(values), 2) for name, values in times.items()}
    result = {
        "what": "median milliseconds per request, one uvicorn worker, same run",
        "database": url.split(":", 1)[0],
        "rounds": rounds,
        "median_ms": medians,
        "ratio_to_jwks": {name: round(v / medians["jwks"], 1) for name, v in medians.items()},
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    out = ROOT / "bench" / "results" / "sso_flow.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
