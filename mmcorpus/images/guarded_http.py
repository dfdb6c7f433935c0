"""The guarded HTTP client under img2dataset: urllib with the URL guard at every connection.

img2dataset's downloader fetches with ``urllib.request.urlopen``. In ``img2dataset.downloader``
(only there: nothing else in the process is patched) the name ``urllib`` is pointed at
:data:`GUARDED_URLLIB`, whose opener

* has http and https handlers only (no ``file:``, ``ftp:``, ``data:``) and uses no proxy from the
  environment (the guard would see the proxy's address, not the image host's);
* connects through :func:`mmcorpus.images.url_guard.guarded_create_connection` for the first
  request and every redirect (the connected address is the checked one: DNS rebinding cannot slip
  past), checks every redirect target's scheme and host, and follows at most ``max_redirects``;
* streams the body in 64 KiB reads and stops past ``max_bytes`` (a larger ``Content-Length``
  stops before the first read) or past ``total_timeout`` seconds (a slow-drip or endless body);
* lets at most ``per_host`` downloads run against one host at a time in the process;
* sends the toolkit's ``User-Agent``;
* remembers, for the rest of a batch, failures that another try cannot change (4xx, refusals,
  too large, ``X-Robots-Tag``), so img2dataset's retries do not ask the server again.

Errors carry stable markers (``mmcorpus-refused:<reason>``, ``mmcorpus-too_large``,
``mmcorpus-timeout``) that :func:`mmcorpus.images.download.classify_error` maps to outcomes.
"""

from __future__ import annotations

import functools
import http.client
import io
import re
import threading
import time
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from mmcorpus.config import DownloadConfig
from mmcorpus.images.url_guard import Refused, check_url, guarded_create_connection

#: X-Robots-Tag directives that forbid using an image (img2dataset's defaults).
DISALLOWED_DIRECTIVES = ("noai", "noimageai", "noindex", "noimageindex")
_CHUNK = 65_536
_REMEMBER_SECONDS = 120.0


@dataclass(frozen=True)
class GuardPolicy:
    """What a guarded fetch may do; one in force per process at a time (:meth:`_GuardedUrllib.installed`)."""

    allow_private: bool = False
    max_bytes: int = 10_000_000
    total_timeout: float = 30.0
    max_redirects: int = 5
    per_host: int = 4
    user_agent: str = "mmcorpus"
    honour_x_robots_tag: bool = True

    @classmethod
    def from_config(cls, cfg: DownloadConfig) -> GuardPolicy:
        return cls(cfg.allow_private_networks, cfg.max_bytes, cfg.total_timeout, cfg.max_redirects,
                   max(1, cfg.per_host), cfg.user_agent, cfg.honour_x_robots_tag)


class TooLarge(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(f"mmcorpus-too_large: {detail}")


class TotalTimeout(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(f"mmcorpus-timeout: {detail}")


# --- the guarded urllib opener ---------------------------------------------------------------

class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, allow_private: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(guarded_create_connection, allow_private=allow_private)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, allow_private: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(guarded_create_connection, allow_private=allow_private)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, policy: GuardPolicy) -> None:
        super().__init__()
        self.policy = policy

    def http_open(self, req):
        return self.do_open(functools.partial(_GuardedHTTPConnection, allow_private=self.policy.allow_private), req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, policy: GuardPolicy) -> None:
        super().__init__()
        self.policy = policy

    def https_open(self, req):
        return self.do_open(functools.partial(_GuardedHTTPSConnection, allow_private=self.policy.allow_private),
                            req, context=self._context)


class _GuardedRedirectHandler(urllib.request.HTTPRedirectHandler):
    def __init__(self, policy: GuardPolicy) -> None:
        super().__init__()
        self.policy = policy
        self.max_redirections = policy.max_redirects

    def http_error_302(self, req, fp, code, msg, headers):
        # checked before urllib's own scheme test, so a file:// target is a refusal, not an HTTP error
        target = headers.get("location") or headers.get("uri")
        if target:
            check_url(urllib.parse.urljoin(req.full_url, target.strip()), self.policy.allow_private)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_url(newurl, self.policy.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def build_opener(policy: GuardPolicy) -> urllib.request.OpenerDirector:
    """An opener with http/https only (no file:, ftp:, data: handlers; no proxies), guarded."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.UnknownHandler(), _GuardedHTTPHandler(policy), _GuardedHTTPSHandler(policy),
                    urllib.request.HTTPDefaultErrorHandler(), _GuardedRedirectHandler(policy),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


class _CappedResponse:
    """The response img2dataset reads: ``headers``, ``read()`` (capped, deadline), context manager."""

    def __init__(self, resp, policy: GuardPolicy, deadline: float, release: Callable[[], None]) -> None:
        self._resp, self._policy, self._deadline, self._release = resp, policy, deadline, release
        self.headers = resp.headers
        self.status = getattr(resp, "status", None)
        self.url = resp.geturl()

    def read(self, n: int = -1) -> bytes:
        declared = self.headers.get("Content-Length")
        if declared and declared.strip().isdigit() and int(declared) > self._policy.max_bytes:
            raise TooLarge(f"Content-Length {declared}")
        buf = io.BytesIO()
        while True:
            if time.monotonic() > self._deadline:
                raise TotalTimeout(f"body not complete after {self._policy.total_timeout}s")
            chunk = self._resp.read1(_CHUNK)  # returns what has arrived: a slow drip meets the deadline
            if not chunk:
                return buf.getvalue()
            buf.write(chunk)
            if buf.tell() > self._policy.max_bytes:
                raise TooLarge(f"body over {self._policy.max_bytes} bytes")

    def close(self) -> None:
        try:
            self._resp.close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_PERMANENT = re.compile(r"HTTP Error 4\d\d|mmcorpus-refused|mmcorpus-too_large")


class _GuardedUrllib:
    """Stands in for the ``urllib`` module inside ``img2dataset.downloader`` (``urllib.request.X``)."""

    def __init__(self) -> None:
        self.request = self
        self.Request = urllib.request.Request
        self._cond = threading.Condition()
        self._policy: GuardPolicy | None = None
        self._users = 0
        self._openers: dict[GuardPolicy, urllib.request.OpenerDirector] = {}
        self._hosts: dict[tuple[GuardPolicy, str], threading.BoundedSemaphore] = {}
        # (policy, url) -> (when, error): failures a retry cannot change, kept briefly so that
        # img2dataset's retries of the same URL do not reach the server again
        self._permanent: OrderedDict[tuple[GuardPolicy, str], tuple[float, Exception]] = OrderedDict()

    @contextmanager
    def installed(self, policy: GuardPolicy):
        """Make ``policy`` the one in force while a fetch runs (threads of img2dataset's pool
        cannot carry it otherwise); fetches with another policy wait their turn."""
        with self._cond:
            while self._users and self._policy != policy:
                self._cond.wait()
            self._policy = policy
            self._users += 1
            if policy not in self._openers:
                self._openers[policy] = build_opener(policy)
        try:
            yield
        finally:
            with self._cond:
                self._users -= 1
                if not self._users:
                    self._policy = None
                    self._cond.notify_all()

    def urlopen(self, request, timeout=None):
        policy = self._policy or GuardPolicy()  # nothing installed: fail closed with the strict default
        url = request.full_url if isinstance(request, urllib.request.Request) else str(request)
        with self._cond:
            known = self._permanent.get((policy, url))
        if known is not None and time.monotonic() - known[0] < _REMEMBER_SECONDS:
            raise known[1]
        try:
            check_url(url, policy.allow_private)
        except Refused as e:
            self._remember(policy, url, e)
            raise
        if isinstance(request, urllib.request.Request):
            request.remove_header("User-agent")
            request.add_header("User-Agent", policy.user_agent)
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        with self._cond:
            sem = self._hosts.setdefault((policy, host), threading.BoundedSemaphore(policy.per_host))
        sem.acquire()
        try:
            resp = self._openers.get(policy, None) or build_opener(policy)
            resp = resp.open(request, timeout=timeout)
        except Exception as e:
            sem.release()
            if _PERMANENT.search(str(e)):
                self._remember(policy, url, e)
            raise
        if policy.honour_x_robots_tag and _disallowed(resp.headers):  # img2dataset refuses it too; remembered
            self._remember(policy, url, Exception("Use of image disallowed by X-Robots-Tag directive (remembered)"))
        return _CappedResponse(resp, policy, time.monotonic() + policy.total_timeout, sem.release)

    def forget(self, policy: GuardPolicy, urls: Iterable[str]) -> None:
        """Drop what was remembered about these URLs (a batch is done; a later batch asks again)."""
        with self._cond:
            for url in urls:
                self._permanent.pop((policy, url), None)

    def _remember(self, policy: GuardPolicy, url: str, error: Exception) -> None:
        with self._cond:
            self._permanent[(policy, url)] = (time.monotonic(), error)
            while len(self._permanent) > 10_000:
                self._permanent.popitem(last=False)


GUARDED_URLLIB = _GuardedUrllib()


def _disallowed(headers) -> bool:
    """img2dataset's own X-Robots-Tag test, with its default directives."""
    from img2dataset.downloader import is_disallowed

    return is_disallowed(headers, "mmcorpus", set(DISALLOWED_DIRECTIVES))
