"""The URL guard: which image URLs may be fetched, enforced where the socket connects.

Fetching images means fetching URLs that strangers wrote into web pages (docs/architecture.md,
"Safety"). A page can point an ``<img>`` at ``http://169.254.169.254/latest/meta-data/`` (cloud
credentials), at ``http://localhost:8080/admin`` or at a host name that resolves to a private
address, and a public server can answer with a redirect to any of those (server-side request
forgery; OWASP SSRF Prevention Cheat Sheet). The rules:

* schemes: ``http`` and ``https`` only, for the first URL and after every redirect
  (``file://``, ``ftp://``, ``data:``, ``gopher://``... are refused: ``refused:scheme``);
* addresses: the address a socket actually connects to must be globally routable. Refused:
  loopback, private (RFC 1918, IPv6 ULA ``fc00::/7``), link-local, CGNAT ``100.64.0.0/10``
  (RFC 6598), multicast, unspecified, reserved and other non-global ranges, and the same
  addresses embedded in IPv4-mapped (``::ffff:a.b.c.d``), NAT64 (``64:ff9b::/96``) and 6to4
  (``2002::/16``) IPv6 addresses;
* cloud metadata endpoints (``169.254.169.254``, ``fd00:ec2::254``, ``100.100.100.200``,
  ``metadata.google.internal``) are refused always, even with ``allow_private`` (which exists
  so tests can use a loopback server).

DNS rebinding: checking a name once and letting the HTTP library resolve it again later lets a
hostile DNS server answer "public" to the check and "127.0.0.1" to the connect. So the check is
made in :func:`guarded_create_connection`, which resolves once, checks every address and
connects to the checked numeric address itself; the guarded urllib connections in
:mod:`mmcorpus.images.download` use it for every connection, redirects included.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
                            "instance-data.ec2.internal"})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
    "169.254.170.2",  # AWS ECS task metadata
    "fd00:ec2::254",  # AWS IMDS over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud (classic)
))
CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 shared address space
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix

REASONS = ("scheme", "bad_url", "metadata", "loopback", "private", "link_local", "cgnat", "multicast",
           "unspecified", "reserved", "not_global", "dns")


class Refused(Exception):
    """A URL or address the guard will not connect to. Deliberately not an ``OSError``: urllib
    wraps those into ``URLError``; this one passes through unchanged with its reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"mmcorpus-refused:{reason}: {detail}")
        self.reason = reason


def address_reason(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address,
                   allow_private: bool = False) -> str | None:
    """Why the guard refuses to connect to this address, or None when it may."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0] if isinstance(ip, str) else ip)
    except ValueError:
        return "bad_url"
    if addr in METADATA_ADDRESSES:
        return "metadata"
    if isinstance(addr, ipaddress.IPv6Address):
        embedded = addr.ipv4_mapped or addr.sixtofour
        if embedded is None and addr in NAT64:
            embedded = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        if embedded is not None:  # the IPv4 address inside decides
            return address_reason(embedded, allow_private)
    if allow_private:
        return None
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link_local"
    if addr.is_multicast:
        return "multicast"
    if addr.is_unspecified:
        return "unspecified"
    if isinstance(addr, ipaddress.IPv4Address) and addr in CGNAT:
        return "cgnat"
    if addr.is_private:
        return "private"
    if addr.is_reserved:
        return "reserved"
    if not addr.is_global:
        return "not_global"
    return None


def url_reason(url: str, allow_private: bool = False) -> str | None:
    """Why a URL is refused before any connection (scheme, host name, literal address), or None.

    A host *name* passes here; its addresses are checked at connect time.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "bad_url"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return "scheme"
    if not host:
        return "bad_url"
    host = host.rstrip(".").lower()
    if host in METADATA_HOSTS:
        return "metadata"
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None  # a name: checked where it is connected to
    return address_reason(host, allow_private)


def check_url(url: str, allow_private: bool = False) -> None:
    """Raise :class:`Refused` for a URL the guard refuses before connecting."""
    reason = url_reason(url, allow_private)
    if reason is not None:
        raise Refused(reason, url)


def guarded_create_connection(address: tuple[str, int], timeout=socket._GLOBAL_DEFAULT_TIMEOUT,
                              source_address=None, *, allow_private: bool = False) -> socket.socket:
    """``socket.create_connection`` that connects only to addresses the guard allows.

    The name is resolved once here; every address is checked and the socket connects to that
    same numeric address, so a second, different DNS answer cannot slip past (DNS rebinding).
    """
    host, port = address
    if host.rstrip(".").lower() in METADATA_HOSTS:
        raise Refused("metadata", host)
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise OSError(f"dns: {host}: {e}") from e
    refused: str | None = None
    last_error: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        reason = address_reason(sockaddr[0], allow_private)
        if reason is not None:
            refused = refused or reason
            continue
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as e:
            last_error = e
            sock.close()
    if last_error is not None:
        raise last_error
    raise Refused(refused or "dns", f"{host} resolves to no allowed address")
