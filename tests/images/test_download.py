"""img2dataset downloads behind the URL guard, against a loopback server that counts requests."""

from __future__ import annotations

import socket

import pytest

from mmcorpus.config import Config, DownloadConfig
from mmcorpus.images import guarded_http as gh
from mmcorpus.images.download import ImageFetcher, classify_error, looks_like_image
from mmcorpus.images.join import validate_download
from mmcorpus.ledger import Ledger

CFG = Config()


def fetcher(tmp_path=None, **kw) -> ImageFetcher:
    base = dict(timeout=1.0, total_timeout=2.0, retries=1, threads=16, max_bytes=2_000_000)
    base.update(kw)
    return ImageFetcher(DownloadConfig(**base), str(tmp_path / "cache") if tmp_path is not None else None)


def fetch(f: ImageFetcher, urls: dict[str, list[str]], count=None):
    return f.fetch(list(urls.items()), lambda data: validate_download(data, CFG), count)


def test_every_url_is_refused_without_allow_private_and_no_request_arrives(image_server, monkeypatch):
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):  # a public-looking name whose DNS answers 127.0.0.1
        if host == "images.example.test":
            return real("127.0.0.1", image_server.port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    b = image_server.base
    urls = {
        "ip": [f"{b}/img/0.jpg"],
        "localhost": [f"http://localhost:{image_server.port}/img/1.jpg"],
        "rebinding": [f"http://images.example.test:{image_server.port}/img/2.jpg"],
        "v6_mapped": [f"http://[::ffff:127.0.0.1]:{image_server.port}/img/3.jpg"],
        "metadata": ["http://169.254.169.254/latest/meta-data/"],
        "metadata_name": ["http://metadata.google.internal/computeMetadata/v1/"],
        "file": ["file:///etc/passwd"],
        "ftp": ["ftp://127.0.0.1/x.jpg"],
        "private": ["http://10.0.0.1/x.jpg"],
        "cgnat": ["http://100.64.0.1/x.jpg"],
    }
    got = {k: r.outcome for k, r in fetch(fetcher(), urls).items()}
    assert got == {
        "ip": "refused:loopback", "localhost": "refused:loopback", "rebinding": "refused:loopback",
        "v6_mapped": "refused:loopback", "metadata": "refused:metadata", "metadata_name": "refused:metadata",
        "file": "refused:scheme", "ftp": "refused:scheme", "private": "refused:private", "cgnat": "refused:cgnat",
    }
    assert image_server.hits == []


def test_each_kind_of_response_ends_in_its_own_outcome(image_server):
    b = image_server.base
    urls = {
        "ok": [f"{b}/img/0.jpg"],
        "wrong_content_type": [f"{b}/wrongtype"],
        "not_found": [f"{b}/404"],
        "server_error": [f"{b}/500"],
        "html": [f"{b}/html"],
        "slow": [f"{b}/slow"],
        "drip": [f"{b}/drip"],
        "endless": [f"{b}/endless"],
        "big": [f"{b}/big"],
        "truncated": [f"{b}/truncated"],
        "bomb": [f"{b}/bomb"],
        "noai": [f"{b}/noai"],
        "to_metadata": [f"{b}/redirect?to=http://169.254.169.254/latest/meta-data/"],
        "to_file": [f"{b}/redirect?to=file:///etc/passwd"],
        "to_ok": [f"{b}/redirect?to={b}/img/5.jpg"],
        "fallback": [f"{b}/404?a", f"{b}/html?b", f"{b}/img/3.jpg"],
    }
    ledger = Ledger()
    res = fetch(fetcher(allow_private_networks=True), urls, ledger)
    got = {k: r.outcome for k, r in res.items()}
    assert got == {
        "ok": "downloaded", "wrong_content_type": "downloaded", "not_found": "failed:http_4xx",
        "server_error": "failed:http_5xx", "html": "failed:not_an_image", "slow": "failed:timeout",
        "drip": "failed:timeout", "endless": "failed:too_large", "big": "failed:too_large",
        "truncated": "failed:decode", "bomb": "failed:too_large", "noai": "skipped:x_robots_tag",
        "to_metadata": "refused:metadata", "to_file": "refused:scheme", "to_ok": "downloaded",
        "fallback": "downloaded",
    }
    assert res["fallback"].url == f"{b}/img/3.jpg"  # the first two candidates failed; the third was used
    assert res["to_ok"].value[0] is not None and res["to_ok"].value[0].width > 64
    # img2dataset retries a 5xx once; a 4xx, a refusal or X-Robots-Tag is not asked again
    assert image_server.hits.count("/500") == 2 and image_server.hits.count("/404") == 1
    assert image_server.hits.count("/noai") == 1


def test_redirect_to_loopback_is_refused_after_the_first_hop(image_server, second_image_server, monkeypatch):
    """The first server is treated as public (its name and port only); its redirect to 127.0.0.1 is not."""
    real_guard = gh.guarded_create_connection
    public_port = image_server.port

    def guard(address, *args, allow_private=False, **kwargs):
        if address == ("public.example.test", public_port):
            return socket.create_connection(("127.0.0.1", public_port), *args, **kwargs)
        return real_guard(address, *args, allow_private=allow_private, **kwargs)

    monkeypatch.setattr(gh, "guarded_create_connection", guard)
    target = f"http://127.0.0.1:{second_image_server.port}/img/0.jpg"
    res = fetch(fetcher(), {"a": [f"http://public.example.test:{public_port}/redirect?to={target}"]})
    assert res["a"].outcome == "refused:loopback"
    assert image_server.hits == [f"/redirect?to={target}"]
    assert second_image_server.hits == []  # the redirect target was never contacted


def test_per_host_concurrency_is_capped(image_server):
    urls = {f"u{i}": [f"{image_server.base}/hold/{i}"] for i in range(12)}
    res = fetch(fetcher(allow_private_networks=True, per_host=3, threads=12), urls)
    assert {r.outcome for r in res.values()} == {"downloaded"}
    assert image_server.max_active <= 3


def test_cache_serves_reruns_and_failures_are_retried_only_when_asked(image_server, tmp_path):
    b = image_server.base
    urls = {"ok": [f"{b}/img/0.jpg"], "gone": [f"{b}/404"]}
    first = fetch(fetcher(tmp_path, allow_private_networks=True), urls)
    assert first["ok"].outcome == "downloaded" and first["gone"].outcome == "failed:http_4xx"
    n = len(image_server.hits)
    ledger = Ledger()
    again = fetch(fetcher(tmp_path, allow_private_networks=True), urls, ledger)
    assert {k: r.outcome for k, r in again.items()} == {"ok": "downloaded", "gone": "failed:http_4xx"}
    assert again["ok"].from_cache and again["ok"].data == first["ok"].data
    assert len(image_server.hits) == n  # nothing asked of the server
    assert ledger.get("image_download_cache/hit") == 1 and ledger.get("image_download_cache/failure_hit") == 1
    retry = fetch(fetcher(tmp_path, allow_private_networks=True, retry_failed=True), urls)
    assert retry["gone"].outcome == "failed:http_4xx" and image_server.hits[n:] == ["/404"]


def test_user_agent_names_the_toolkit(image_server):
    seen = []
    real_urlopen = gh.GUARDED_URLLIB.urlopen

    def spy(request, timeout=None):
        resp = real_urlopen(request, timeout)
        seen.append(request.get_header("User-agent"))
        return resp

    gh.GUARDED_URLLIB.urlopen = spy
    try:
        fetch(fetcher(allow_private_networks=True), {"a": [f"{image_server.base}/img/0.jpg"]})
    finally:
        del gh.GUARDED_URLLIB.urlopen
    assert seen and seen[0].startswith("mmcorpus/") and "https://" in seen[0]


@pytest.mark.parametrize("message,outcome", [
    ("HTTP Error 403: Forbidden", "failed:http_4xx"),
    ("HTTP Error 503: Service Unavailable", "failed:http_5xx"),
    ("<urlopen error timed out>", "failed:timeout"),
    ("The read operation timed out", "failed:timeout"),
    ("<urlopen error dns: nowhere.invalid: [Errno -2] Name or service not known>", "failed:dns"),
    ("mmcorpus-refused:link_local: http://169.254.1.1/", "refused:link_local"),
    ("Use of image disallowed by X-Robots-Tag directive", "skipped:x_robots_tag"),
    ("mmcorpus-too_large: body over 10 bytes", "failed:too_large"),
    ("<urlopen error [Errno 111] Connection refused>", "failed:connection"),
])
def test_classify_error(message, outcome):
    assert classify_error(message) == outcome


def test_looks_like_image():
    assert looks_like_image(b"\xff\xd8\xff\xe0rest") and looks_like_image(b"RIFF\0\0\0\0WEBPVP8 ")
    assert not looks_like_image(b"<!doctype html>") and not looks_like_image(b"")
