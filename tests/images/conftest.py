"""A loopback image server (127.0.0.1 only) for the download tests, counting every request.

Routes: ``/img/N.jpg`` a real photo (../shared/data, else a generated one), ``/gen/WxH.jpg`` a
generated noisy JPEG, ``/slow`` (answers after 3 s), ``/drip`` (a body that never ends, one byte
every 0.2 s), ``/endless`` (a fast body that never ends), ``/big`` (Content-Length over the cap),
``/404``, ``/500``, ``/html``, ``/wrongtype`` (a JPEG served as text/plain), ``/truncated``,
``/bomb`` (a PNG declaring 100,000 x 100,000 px), ``/noai`` (X-Robots-Tag: noai), ``/redirect?to=URL``.
"""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def noisy_jpeg(w: int, h: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, size=(max(1, h // 8), max(1, w // 8), 3), dtype=np.uint8)
    im = Image.fromarray(arr).resize((w, h), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def bomb_png(w: int = 100_000, h: int = 100_000) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def real_images() -> list[bytes]:
    """Real photos from ../shared/data when present (Kodak, then web images >= 64 px), else generated."""
    out = [p.read_bytes() for p in sorted((DATA / "images-kodak24").glob("*.png"))]
    web = DATA / "images-web-from-warcs"
    if web.exists():
        out += [p.read_bytes() for p in sorted(web.glob("*.jpg")) if p.stat().st_size > 8_000]
    return out or [noisy_jpeg(320 + 8 * i, 240, seed=i) for i in range(8)]


class ImageServer:
    def __init__(self) -> None:
        self.images = real_images()
        self.hits: list[str] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, code: int, body: bytes, ctype: str = "image/jpeg", headers=()) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                with server._lock:
                    server.hits.append(self.path)
                try:
                    self._route()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _route(self) -> None:
                parts = urlsplit(self.path)
                path = parts.path
                if path.startswith("/img/"):
                    n = int("".join(c for c in path[5:] if c.isdigit()) or 0)
                    return self._send(200, server.images[n % len(server.images)])
                if path.startswith("/gen/"):
                    w, h = path[5:].split(".")[0].split("x")
                    return self._send(200, noisy_jpeg(int(w), int(h), seed=hash(path) % 1000))
                if path.startswith("/hold/"):  # a normal image, slowly: for the concurrency limit
                    # counted while held, before the response: once a client has its bytes it may
                    # start the next request before this thread gets the CPU back
                    with server._lock:
                        server.active += 1
                        server.max_active = max(server.max_active, server.active)
                    time.sleep(0.3)
                    with server._lock:
                        server.active -= 1
                    return self._send(200, server.images[0])
                if path == "/slow":
                    time.sleep(3)
                    return self._send(200, server.images[0])
                if path == "/drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.end_headers()
                    self.wfile.write(b"\xff\xd8\xff")
                    for _ in range(200):
                        time.sleep(0.2)
                        self.wfile.write(b"\0")
                        self.wfile.flush()
                    return None
                if path == "/endless":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.end_headers()
                    chunk = b"\xff\xd8\xff" + b"\0" * 65_533
                    for _ in range(10_000):
                        self.wfile.write(chunk)
                    return None
                if path == "/big":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(10**9))
                    self.end_headers()
                    return None
                if path == "/404":
                    return self._send(404, b"not found", "text/plain")
                if path == "/500":
                    return self._send(500, b"oops", "text/plain")
                if path == "/html":
                    return self._send(200, b"<!doctype html><html><body><p>not an image</p></body></html>",
                                      "text/html")
                if path == "/wrongtype":
                    return self._send(200, server.images[1 % len(server.images)], "text/plain")
                if path == "/truncated":
                    data = noisy_jpeg(400, 300, seed=7)
                    return self._send(200, data[: len(data) // 3])
                if path == "/bomb":
                    return self._send(200, bomb_png(), "image/png")
                if path == "/small":
                    return self._send(200, noisy_jpeg(40, 40))
                if path == "/noai":
                    return self._send(200, server.images[0], headers=[("X-Robots-Tag", "noai")])
                if path == "/redirect":
                    to = parse_qs(parts.query)["to"][0]
                    self.send_response(302)
                    self.send_header("Location", to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                # any other path (the rewritten pages of a real WARC): a real image chosen by the path
                return self._send(200, server.images[zlib.crc32(path.encode()) % len(server.images)])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ImageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def image_server():
    with ImageServer() as server:
        yield server


@pytest.fixture
def second_image_server():
    """Another loopback server: a redirect target that must never be contacted."""
    with ImageServer() as server:
        yield server
