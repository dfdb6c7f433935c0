"""Downloading images with img2dataset, in-process, behind the URL guard.

img2dataset (Beaumont, 2021; the downloader behind LAION-5B and DataComp) is run the way its own
workers run it: :class:`img2dataset.downloader.Downloader` downloads one *shard* (an Arrow file
of URLs) with a thread pool, retries, its ``X-Robots-Tag`` check and its per-shard stats. Here a
shard is one batch of URLs handed over by a Beam DoFn (``mmcorpus.pipelines.images``), so the
same code runs in the local runner's worker processes and on Dataflow workers, with no separate
img2dataset job, no multiprocessing pool of its own (Beam already runs one process per core) and
no output files: a sample writer in memory hands each body back to the caller. Its resizer runs
with ``disable_all_reencoding``: decoding, the KOSMOS-1 filters and re-encoding are
:func:`mmcorpus.images.process.process_image`'s job, which checks the declared pixel count before
decoding (img2dataset's OpenCV decode has no such check). docs/images.md says why in full.

Underneath img2dataset, everything that touches the network is ours
(:mod:`mmcorpus.images.guarded_http`): its downloader's ``urllib`` is a guarded stand-in with the
URL guard at every connection and redirect, a byte cap and a deadline per image, a per-host limit
and our User-Agent.

Outcomes are stable reason names (:func:`classify_error`); :class:`ImageFetcher` tries each
image's candidates in order of preference and falls back to the next on a failure, and keeps
successful bodies (and, for reruns without ``retry_failed``, failure reasons) in a cache keyed by
URL so a rerun downloads only what is missing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mmcorpus.config import DownloadConfig
from mmcorpus.images.guarded_http import DISALLOWED_DIRECTIVES, GUARDED_URLLIB, GuardPolicy

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # albumentations asks the package index on import
os.environ.setdefault("WANDB_SILENT", "true")

FAILED = ("timeout", "dns", "connection", "http_4xx", "http_5xx", "http_other", "too_large", "not_an_image",
          "unsupported_format", "decode", "error")


@functools.lru_cache(maxsize=1)
def _img2dataset():
    """img2dataset's downloader and resizer modules, with the guarded urllib in place (slow import:
    ~4 s for wandb/albumentations/OpenCV, once per worker process)."""
    import img2dataset.downloader as downloader
    import img2dataset.resizer as resizer

    downloader.urllib = GUARDED_URLLIB
    return downloader, resizer


# --- outcomes --------------------------------------------------------------------------------

def classify_error(message: str | None) -> str:
    """Map img2dataset's per-URL ``error_message`` to an outcome: ``refused:<r>``, ``skipped:<r>``
    or ``failed:<r>``."""
    m = message or ""
    if "mmcorpus-refused:" in m:
        return "refused:" + m.split("mmcorpus-refused:", 1)[1].split(":", 1)[0]
    if "X-Robots-Tag" in m:
        return "skipped:x_robots_tag"
    if "mmcorpus-too_large" in m:
        return "failed:too_large"
    if "mmcorpus-timeout" in m or "timed out" in m.lower() or "timeout" in m.lower():
        return "failed:timeout"
    if "redirect" in m.lower() and ("loop" in m.lower() or "exceed" in m.lower()):
        return "failed:http_other"
    http_code = re.search(r"HTTP Error (\d{3})", m)
    if http_code:
        code = int(http_code.group(1))
        return "failed:http_4xx" if 400 <= code < 500 else "failed:http_5xx" if code >= 500 else "failed:http_other"
    if "dns:" in m or "Name or service not known" in m or "name resolution" in m or "nodename" in m:
        return "failed:dns"
    if any(s in m for s in ("Connection", "connection", "Errno", "RemoteDisconnected", "IncompleteRead",
                            "BadStatusLine", "SSL", "reset")):
        return "failed:connection"
    return "failed:error"


def looks_like_image(data: bytes) -> bool:
    """A raster image signature at the start of the body (:mod:`mmcorpus.images.formats`)."""
    from mmcorpus.images.formats import sniff_image

    return sniff_image(data[:16]) is not None


@dataclass(frozen=True)
class FetchResult:
    """One image's download: the candidate used, its bytes and value, and the outcome name."""

    outcome: str  # "downloaded" or "refused:<r>" / "failed:<r>" / "skipped:<r>"
    url: str | None = None  # the candidate whose bytes were used (or that failed first)
    data: bytes | None = None
    value: object = None  # what ``validate`` made of the bytes
    from_cache: bool = False


# --- the cache -------------------------------------------------------------------------------

class DownloadCache:
    """Downloaded bodies and failure reasons, one file per URL under ``root`` (local or fsspec URL).

    Reruns ask the cache first: a body found there is not downloaded again, a recorded failure is
    not retried unless ``retry_failed``. Files are written to a temporary name and renamed.
    """

    def __init__(self, root: str) -> None:
        import fsspec

        self.fs, self.root = fsspec.core.url_to_fs(root.rstrip("/"))
        self.fs.makedirs(self.root, exist_ok=True)

    def _path(self, url: str, ext: str) -> str:
        h = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self.root}/{h[:2]}/{h}.{ext}"

    def get(self, url: str) -> tuple[bytes | None, str | None]:
        """``(body, None)``, ``(None, failure outcome)`` or ``(None, None)`` when unknown."""
        for ext in ("img", "fail"):
            path = self._path(url, ext)
            try:
                with self.fs.open(path, "rb") as f:
                    data = f.read()
            except (FileNotFoundError, OSError):
                continue
            if ext == "img":
                return data, None
            try:
                return None, json.loads(data)["outcome"]
            except (ValueError, KeyError, TypeError):
                return None, None
        return None, None

    def put(self, url: str, data: bytes | None, outcome: str | None = None) -> None:
        path = self._path(url, "img" if data is not None else "fail")
        payload = data if data is not None else json.dumps({"url": url, "outcome": outcome}).encode()
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        try:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            with self.fs.open(tmp, "wb") as f:
                f.write(payload)
            self.fs.mv(tmp, path)
            if data is not None:  # a success replaces an earlier failure
                fail = self._path(url, "fail")
                if self.fs.exists(fail):
                    self.fs.rm(fail)
        except OSError:
            pass  # the cache is an optimisation: a write that fails costs a download next time


# --- the fetcher -----------------------------------------------------------------------------

Validate = Callable[[bytes], tuple[object, str | None]]


def _accept_any(data: bytes) -> tuple[object, str | None]:
    return None, None if looks_like_image(data) else "not_an_image"


class ImageFetcher:
    """Download batches of images, each given as its candidate URLs in order of preference.

    ``validate(bytes) -> (value, failure reason | None)`` decides whether a body is usable
    (``not_an_image``, ``decode``...); an unusable body counts as a failure of that candidate and
    the next candidate is tried, as after a refusal or a failed request. ``skipped:x_robots_tag``
    ends an image at once: the site said no, and its other candidates are the same picture.
    """

    def __init__(self, cfg: DownloadConfig, cache_dir: str | None = None) -> None:
        self.cfg = cfg
        self.policy = GuardPolicy.from_config(cfg)
        self.cache = DownloadCache(cache_dir) if cache_dir else None
        self.downloader, resizer = _img2dataset()
        self.resizer = resizer.Resizer(image_size=0, resize_mode="no", resize_only_if_bigger=True,
                                       disable_all_reencoding=True)

    def fetch(self, items: Iterable[tuple[str, list[str]]], validate: Validate = _accept_any,
              count: Callable[..., None] | None = None) -> dict[str, FetchResult]:
        """``{item key: FetchResult}`` for ``(key, candidates)`` items; every key gets one result."""
        pending = {key: list(cands) for key, cands in items}
        first_failure: dict[str, FetchResult] = {}
        done: dict[str, FetchResult] = {}
        rank = 0
        while pending:
            batch = {key: cands[rank] for key, cands in pending.items() if rank < len(cands)}
            for key in [k for k in pending if k not in batch]:
                done[key] = first_failure.get(key) or FetchResult("failed:error")
                del pending[key]
            if not batch:
                break
            for key, res in self._fetch_urls(batch, validate, count).items():
                if res.outcome == "downloaded" or res.outcome.startswith("skipped:"):
                    done[key] = res
                    del pending[key]
                else:
                    first_failure.setdefault(key, res)
            rank += 1
        return done

    def _fetch_urls(self, batch: dict[str, str], validate: Validate, count) -> dict[str, FetchResult]:
        out: dict[str, FetchResult] = {}
        to_download: dict[str, str] = {}
        for key, url in batch.items():
            data, failure = self.cache.get(url) if self.cache is not None else (None, None)
            if data is not None:
                out[key] = self._judge(url, data, validate, from_cache=True)
                if count:
                    count("image_download_cache/hit")
            elif failure is not None and not self.cfg.retry_failed:
                out[key] = FetchResult(failure, url, from_cache=True)
                if count:
                    count("image_download_cache/failure_hit")
            else:
                to_download[key] = url
        if to_download:
            for key, (url, data, error) in self._download(to_download).items():
                if data is None:
                    outcome = classify_error(error)
                    if self.cache is not None and not outcome.startswith("refused:"):
                        self.cache.put(url, None, outcome)
                    out[key] = FetchResult(outcome, url)
                    continue
                if self.cache is not None:
                    self.cache.put(url, data)
                out[key] = self._judge(url, data, validate)
        return out

    @staticmethod
    def _judge(url: str, data: bytes, validate: Validate, from_cache: bool = False) -> FetchResult:
        if not looks_like_image(data):
            return FetchResult("failed:not_an_image", url, from_cache=from_cache)
        value, reason = validate(data)
        if reason is not None:
            return FetchResult(f"failed:{reason}", url, from_cache=from_cache)
        return FetchResult("downloaded", url, data, value, from_cache)

    def _download(self, batch: dict[str, str]) -> dict[str, tuple[str, bytes | None, str | None]]:
        """One img2dataset shard: ``{key: (url, body or None, error message or None)}``."""
        import fsspec
        import pyarrow as pa

        keys = list(batch)
        results: dict[str, tuple[str, bytes | None, str | None]] = {}
        run = uuid.uuid4().hex
        folder = f"memory://mmcorpus-img2dataset/{run}"
        shard = f"{folder}/input.feather"
        fs, _ = fsspec.core.url_to_fs(folder)
        table = pa.table({"url": [batch[k] for k in keys]})
        with fs.open(shard, "wb") as f, pa.ipc.new_file(f, table.schema) as w:
            w.write_table(table)

        class _Writer:  # img2dataset's sample-writer interface, kept in memory
            def __init__(self, *args, **kwargs) -> None:
                pass

            def write(self, img, str_key, caption, meta) -> None:
                i = int(str_key)
                results[keys[i]] = (meta["url"], img, meta.get("error_message") if img is None else None)

            def close(self) -> None:
                pass

        downloader = self.downloader.Downloader(
            sample_writer_class=_Writer, resizer=self.resizer, thread_count=max(1, min(self.cfg.threads, len(keys))),
            save_caption=False, extract_exif=False, output_folder=folder, column_list=["url"],
            timeout=self.cfg.timeout, number_sample_per_shard=max(10, len(keys)), oom_shard_count=1,
            compute_hash=None, verify_hash_type=None, encode_format="jpg", retries=self.cfg.retries,
            user_agent_token="mmcorpus",
            disallowed_header_directives=list(DISALLOWED_DIRECTIVES) if self.cfg.honour_x_robots_tag else None,
        )
        try:
            with GUARDED_URLLIB.installed(self.policy):
                ok, _ = downloader((0, shard))
        finally:
            GUARDED_URLLIB.forget(self.policy, batch.values())
            try:
                fs.rm(folder, recursive=True)
            except (FileNotFoundError, OSError):
                pass
        for key in keys:
            if key not in results:
                results[key] = (batch[key], None, "img2dataset gave no result" if ok else "img2dataset shard failed")
        return results
