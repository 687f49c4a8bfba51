"""``POST /_upload`` (Reflex's file upload route), guarded in front of Reflex.

Reflex runs the handler named in the request's headers for the client token in its headers,
and the state's stored connection headers would make the handler act as whoever opened that
tab. A client token is no secret, so this ASGI middleware decides instead, before a byte of
the body is read:

* only a registered upload handler may be named (anything else: 400, not a 500 from deep
  inside Reflex);
* the principal is resolved from *this request's own* Cookie header; nobody signed in: 403.
  The guarded upload handler takes its principal from here (``uploading_principal``), never
  from the headers stored with the state; one upload per tab at a time (409), so two requests
  for the same token cannot swap principals;
* a body larger than the limit is refused with 413: at once by its Content-Length, and while
  it streams when it declares none (or lies).

A *public* upload handler (``state.session.public_upload``: the verification page's PDF drop,
which anyone may use) is served without a session, under a smaller body limit; it acts for
nobody (there is no principal to take), so a client token cannot borrow anyone's rights.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mpp_digital.clock import utcnow
from mpp_digital.i18n import t
from mpp_digital.services import accounts
from mpp_digital.services.authz import Principal

UPLOAD_PATH = "/_upload"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the largest file an upload handler accepts
BODY_LIMIT = MAX_UPLOAD_BYTES + 1024 * 1024  # the file plus the multipart framing
PUBLIC_MAX_UPLOAD_BYTES = 6 * 1024 * 1024  # the largest file a public upload handler accepts
PUBLIC_BODY_LIMIT = PUBLIC_MAX_UPLOAD_BYTES + 1024 * 1024

# client token -> the principal of the upload request being served for it (this process only).
_IN_FLIGHT: dict[str, Principal] = {}


@contextmanager
def serving_upload(client_token: str, who: Principal) -> Iterator[None]:
    """While an upload request of ``who`` is served for the tab ``client_token``."""
    _IN_FLIGHT[client_token] = who
    try:
        yield
    finally:
        _IN_FLIGHT.pop(client_token, None)


def uploading_principal(client_token: str) -> Principal | None:
    """The principal of the upload request now being served for ``client_token``, if any."""
    return _IN_FLIGHT.get(client_token)


def _upload_handler_names(keys: set[str] | None = None) -> frozenset[str]:
    """Reflex's names of the guarded upload handlers (``state.session.UPLOAD_HANDLERS``)."""
    import importlib

    from reflex_base.utils.format import format_event_handler

    from state.session import UPLOAD_HANDLERS

    names = set()
    for key in UPLOAD_HANDLERS if keys is None else keys:
        module, cls_name, name = key.rsplit(".", 2)
        cls = getattr(importlib.import_module(module), cls_name)
        names.add(format_event_handler(cls.event_handlers[name]))
    return frozenset(names)


def _public_upload_handler_names() -> frozenset[str]:
    """Reflex's names of the public upload handlers (``state.session.PUBLIC_UPLOAD_HANDLERS``)."""
    from state.session import PUBLIC_UPLOAD_HANDLERS

    return _upload_handler_names(PUBLIC_UPLOAD_HANDLERS)


async def _answer(send: Send, status: int, key: str, **params: object) -> None:
    body = json.dumps({"detail": t(key, **params)}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class UploadGate:
    """ASGI middleware in front of Reflex's ``POST /_upload`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, limit: int = BODY_LIMIT,
                 handler_names: Callable[[], frozenset[str]] = _upload_handler_names,
                 public_handler_names: Callable[[], frozenset[str]] = _public_upload_handler_names,
                 public_limit: int = PUBLIC_BODY_LIMIT) -> None:
        self.app, self.limit, self._handler_names = app, limit, handler_names
        self._public_handler_names, self.public_limit = public_handler_names, public_limit
        self._names: frozenset[str] | None = None
        self._public: frozenset[str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != UPLOAD_PATH:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        mb = MAX_UPLOAD_BYTES // (1024 * 1024)
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _answer(send, 413, "upload.too_large", mb=mb)
            return
        if self._names is None:
            self._names, self._public = self._handler_names(), self._public_handler_names()
        token = headers.get("reflex-client-token", "")
        handler = headers.get("reflex-event-handler", "")
        if token and handler in (self._public or ()):  # anyone; acts for nobody; a smaller body
            public_mb = self.public_limit // (1024 * 1024)
            if declared is not None and int(declared) > self.public_limit:
                await _answer(send, 413, "upload.too_large", mb=public_mb)
                return
            await self._limited(scope, receive, send, public_mb, self.public_limit)
            return
        if not token or handler not in self._names:
            await _answer(send, 400, "upload.bad_handler")
            return
        from state.session import session_cookie

        who = await accounts.check_session(raw=session_cookie(headers.get("cookie", "")), now=utcnow())
        if who is None:
            await _answer(send, 403, "upload.not_allowed")
            return
        if token in _IN_FLIGHT:
            await _answer(send, 409, "upload.not_allowed")
            return
        with serving_upload(token, who):
            await self._limited(scope, receive, send, mb, self.limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, mb: int, limit: int) -> None:
        """Run Reflex with the body counted as it streams; past the limit, answer 413 instead."""
        received, too_big, answered = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, too_big
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_big = True  # Reflex sees the client go away and stops reading
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if not too_big:
                await send(message)
            elif not answered:
                answered = True
                await _answer(send, 413, "upload.too_large", mb=mb)

        await self.app(scope, counting_receive, guarded_send)
        if too_big and not answered:
            await _answer(send, 413, "upload.too_large", mb=mb)
