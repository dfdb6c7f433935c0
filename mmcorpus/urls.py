"""URL normalisation, so that one resource has one key for dedup and for the image join.

Rules (the usual crawl-dedup canonical form, as in Common Crawl's and SURT's): lower-case scheme
and host, drop default ports, drop the fragment, drop a trailing ``?``, resolve ``.``/``..``
segments, percent-encode spaces. Query strings keep their order (reordering can change meaning
on real sites). A trailing slash is kept: ``/a`` and ``/a/`` may be different pages.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    url = (url or "").strip().replace(" ", "%20")
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if parts.username:
        netloc = parts.username + (":" + parts.password if parts.password else "") + "@" + netloc
    if port and DEFAULT_PORTS.get(scheme) != port:
        netloc += f":{port}"
    path = parts.path or "/"
    if "/." in path:
        trailing = path.endswith("/")
        path = posixpath.normpath(path)
        if trailing and not path.endswith("/"):
            path += "/"
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


_FRONT_PAGE_PATHS = frozenset(["", "index.html", "index.htm", "index.php"])


def is_front_page(url: str) -> bool:
    """Whether ``url`` is a site's front page: its path is the root (or the root's index file);
    the query is not looked at (shops add tracking parameters to their home page).

    A front page introduces the whole site (a product's landing page, a shop's home, a blog's
    latest posts), rarely one article: its content is spread over the page's sections, which is
    why extraction widens its region more readily there (``main_content``).
    """
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return False
    return bool(parts.netloc) and parts.path.strip("/") in _FRONT_PAGE_PATHS
