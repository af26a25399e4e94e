"""POST a signed webhook to an endpoint, only to an address it is allowed to reach, never following a redirect.

The host name is resolved once and every address checked (a name may resolve to a public and a
private address); the connection then goes to the address checked, not to a fresh lookup that
could answer differently, with TLS still verified against the host name.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import urllib3
from standardwebhooks.webhooks import Webhook

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
USER_AGENT = "Countersign-Webhooks/1"
RESPONSE_KEPT = 500  # characters of an error response kept in the delivery log


class Refused(Exception):
    """The endpoint's address may not be reached (loopback, private, or not resolvable)."""


@dataclass(frozen=True)
class Sent:
    status: int
    excerpt: str


def encode(payload: dict[str, Any]) -> str:
    """Return the exact text that is signed and sent."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def signed_headers(secret: str, message_id: str, when: datetime, body: str) -> dict[str, str]:
    """Return the Standard Webhooks headers for a body."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=message_id, timestamp=when, data=body),
    }


def allowed_address(address: Address, allow: Any) -> bool:
    """Return whether an address may be reached: public ones always; others only as the setting allows."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_global and not address.is_multicast:
        return True
    if allow is True:
        return True
    if isinstance(allow, str):
        allow = [allow]
    if not isinstance(allow, list | tuple):
        return False
    return any(address in ipaddress.ip_network(str(net), strict=False) for net in allow)


def resolve(host: str, port: int, allow: Any) -> Address:
    """Resolve host and check every address it has; return the one to connect to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"{host} does not resolve: {exc}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))
    if not addresses:
        raise Refused(f"{host} has no address")
    refused = [str(a) for a in addresses if not allowed_address(a, allow)]
    if refused:
        raise Refused(f"{host} resolves to an address that may not be reached: {', '.join(refused)}")
    return addresses[0]


def post(url: str, body: str, headers: dict[str, str], *, allow_private: Any, timeout: float) -> Sent:
    """POST body to url at a checked address; return the status (3xx is not followed)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = resolve(host, port, allow_private)
    common: dict[str, Any] = {"port": port, "timeout": urllib3.Timeout(total=timeout), "retries": False,
                              "maxsize": 1}
    if https:
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            str(address), cert_reqs="CERT_REQUIRED", server_hostname=host, assert_hostname=host, **common)
    else:
        pool = urllib3.HTTPConnectionPool(str(address), **common)
    default_port = port == (443 if https else 80)
    netloc = host if default_port else f"{host}:{port}"
    if ":" in host:
        netloc = f"[{host}]" if default_port else f"[{host}]:{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        response = pool.urlopen(
            "POST", path, body=body.encode(), redirect=False, preload_content=False, assert_same_host=False,
            headers={"Host": netloc, "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        )
        try:
            excerpt = response.read(RESPONSE_KEPT * 4, decode_content=False).decode("utf-8", "replace")
        finally:
            response.release_conn()
    finally:
        pool.close()
    return Sent(response.status, excerpt[:RESPONSE_KEPT])
