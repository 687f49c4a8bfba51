"""The address a request comes from, resolved one way for Reflex events and Starlette routes.

Behind N trusted reverse proxies (``MPP_TRUSTED_PROXY_HOPS``), each proxy appends the address
it saw to ``X-Forwarded-For``, so the client is the Nth address from the right; anything to
its left was written by the client and is ignored. With 0 hops (the default) the header is
ignored altogether and the peer of the TCP connection is the client.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from mpp_digital.settings import get_settings


def client_address(*, peer: str, forwarded_for: str | None, trusted_hops: int) -> str:
    """The client's address from the connection's peer and its ``X-Forwarded-For`` header.

    Args:
        peer: the address of the TCP peer (the nearest proxy, or the client itself).
        forwarded_for: the ``X-Forwarded-For`` header as received (several headers joined by commas).
        trusted_hops: how many reverse proxies in front of the app append to the header.

    Returns:
        The Nth address from the right of ``X-Forwarded-For`` for N trusted hops; the peer when
        no proxy is trusted or the header is shorter than the chain of trusted proxies.
    """
    if trusted_hops <= 0 or not forwarded_for:
        return peer
    chain = [part.strip() for part in forwarded_for.split(",") if part.strip()]
    if len(chain) < trusted_hops:
        return peer
    return chain[-trusted_hops][:64]


def request_address(connection: HTTPConnection) -> str:
    """``client_address`` of a Starlette request (routes of web_routes, sso_routes, open_data)."""
    peer = connection.client.host if connection.client else ""
    forwarded = ",".join(connection.headers.getlist("x-forwarded-for"))
    return client_address(peer=peer, forwarded_for=forwarded, trusted_hops=get_settings().trusted_proxy_hops)
