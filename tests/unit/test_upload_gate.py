"""The /_upload guard with a public upload handler (the verification page's PDF drop): served
without a session, under its own smaller limit; guarded handlers still need the cookie."""

from __future__ import annotations

from state.uploads import UploadGate
from tests.loops import run_on_own_loop

GUARDED, PUBLIC = "state.x.guarded_upload", "state.x.public_upload"


class _App:
    """Reflex's upload endpoint stand-in: reads the whole body, answers 200."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope, receive, send) -> None:
        self.calls += 1
        while True:
            message = await receive()
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _post(gate: UploadGate, handler: str, body: bytes, *, declared: bool = True) -> int:
    headers = [(b"reflex-client-token", b"tok-1"), (b"reflex-event-handler", handler.encode())]
    if declared:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {"type": "http", "method": "POST", "path": "/_upload", "headers": headers}
    chunks = [body[i:i + 1000] for i in range(0, len(body), 1000)] or [b""]
    sent: list[dict] = []

    async def receive():
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    run_on_own_loop(gate(scope, receive, send))
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def _gate(app) -> UploadGate:
    return UploadGate(app, limit=50_000, public_limit=5_000, handler_names=lambda: frozenset({GUARDED}),
                      public_handler_names=lambda: frozenset({PUBLIC}))


def test_a_public_upload_needs_no_session_and_a_guarded_one_still_does():
    app = _App()
    gate = _gate(app)
    assert _post(gate, PUBLIC, b"%PDF" + b"x" * 100) == 200
    assert app.calls == 1
    assert _post(gate, GUARDED, b"%PDF" + b"x" * 100) == 403  # no cookie: Reflex never sees it
    assert _post(gate, "state.x.unknown", b"x") == 400
    assert app.calls == 1


def test_a_public_upload_has_its_own_smaller_limit_declared_or_streamed():
    app = _App()
    gate = _gate(app)
    assert _post(gate, PUBLIC, b"x" * 6_000) == 413
    assert app.calls == 0
    assert _post(gate, PUBLIC, b"x" * 6_000, declared=False) == 413  # counted while it streams
