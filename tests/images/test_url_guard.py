"""The URL guard's rules, address by address, and the connect-level check (DNS rebinding)."""

from __future__ import annotations

import socket

import pytest

from mmcorpus.images.url_guard import Refused, address_reason, guarded_create_connection, url_reason


@pytest.mark.parametrize("address,reason", [
    ("8.8.8.8", None), ("2606:4700:4700::1111", None), ("::ffff:8.8.8.8", None),
    ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.5.4", "private"), ("192.168.0.1", "private"), ("fc00::1", "private"),
    ("fd12:3456::1", "private"), ("169.254.1.1", "link_local"), ("fe80::1", "link_local"),
    ("100.64.0.1", "cgnat"), ("100.127.255.254", "cgnat"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"), ("100.100.100.200", "metadata"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("::ffff:169.254.169.254", "metadata"),
    ("64:ff9b::7f00:1", "loopback"), ("2002:a9fe:a9fe::", "metadata"),
    ("not-an-ip", "bad_url"),
])
def test_address_reason(address, reason):
    assert address_reason(address) == reason


def test_allow_private_opens_local_ranges_but_never_metadata():
    for a in ("127.0.0.1", "10.0.0.1", "::1", "100.64.0.1", "fe80::1"):
        assert address_reason(a, allow_private=True) is None
    for a in ("169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"):
        assert address_reason(a, allow_private=True) == "metadata"


@pytest.mark.parametrize("url,reason", [
    ("https://example.com/a.jpg", None), ("http://example.com:8080/a.jpg", None),
    ("file:///etc/passwd", "scheme"), ("ftp://example.com/a.jpg", "scheme"), ("gopher://x/", "scheme"),
    ("data:image/png;base64,AAAA", "scheme"), ("javascript:alert(1)", "scheme"),
    ("http:///nohost", "bad_url"), ("http://example.com:99999/", "bad_url"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("http://METADATA.GOOGLE.INTERNAL./", "metadata"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"), ("http://[::1]/a.jpg", "loopback"),
    ("http://127.0.0.1:8000/a.jpg", "loopback"), ("http://localhost/a.jpg", None),  # a name: checked at connect
])
def test_url_reason(url, reason):
    assert url_reason(url) == reason


def test_connect_checks_the_address_it_connects_to(monkeypatch):
    """A name whose DNS answer is private is refused at connect time, before any socket is opened."""
    opened = []
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))])
    monkeypatch.setattr(socket, "socket", lambda *a, **k: opened.append(a) or pytest.fail("socket opened"))
    with pytest.raises(Refused) as e:
        guarded_create_connection(("innocent.example.test", 80), 1.0)
    assert e.value.reason == "private" and opened == []


def test_connect_skips_refused_addresses_and_uses_an_allowed_one(monkeypatch):
    """Mixed DNS answers: the private one is never connected to; the public one is (and only it)."""
    connected = []

    class FakeSocket:
        def __init__(self, *a, **k):
            pass

        def settimeout(self, t):
            pass

        def connect(self, sockaddr):
            connected.append(sockaddr[0])

        def close(self):
            pass

    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))])
    monkeypatch.setattr(socket, "socket", FakeSocket)
    guarded_create_connection(("mixed.example.test", 80), 1.0)
    assert connected == ["93.184.215.14"]


def test_metadata_name_is_refused_before_dns(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("resolved"))
    with pytest.raises(Refused) as e:
        guarded_create_connection(("metadata.google.internal", 80))
    assert e.value.reason == "metadata"
