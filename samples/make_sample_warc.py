"""Build ``samples/sample.warc.gz``: a small crawl written for this project, safe to ship.

Every page, sentence and image in it is made here (images are drawn with PIL), so the sample can
be redistributed under the project's licence. It exercises the whole recipe offline: English
articles with images in document order and figcaptions, a single-image page, a text-only page,
a German page (language filter), a gibberish page (quality filter), an exact duplicate of an
article at another URL (exact-text dedup), an older capture of the same URL (URL dedup: newest
wins), a 404, a redirect, request/metadata/revisit records, and image records that are tiny,
single-coloured or repeated on every page (a logo).

Run ``python samples/make_sample_warc.py`` to rebuild it; the output is byte-identical each time.
"""

from __future__ import annotations

import gzip
import io
import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SITE = "http://sample.mmcorpus.test"
DATE = "2024-05-{day:02d}T10:00:00Z"

ARTICLES = {
    "lighthouses": (
        "How lighthouses guided ships through the night",
        [
            "For centuries the lighthouse was the most important safety device on any rocky coast. "
            "Keepers lived in small cottages at the foot of the tower and climbed the stairs every "
            "evening to light the lamp, trim the wicks and wind the clockwork that turned the lens.",
            "The Fresnel lens changed everything in the early nineteenth century. Instead of a heavy "
            "solid glass, it used rings of prisms that bent the light into a narrow beam, which could "
            "be seen from more than twenty miles away on a clear night.",
            "Each lighthouse had its own pattern of flashes so that sailors could tell where they were. "
            "A captain who counted three short flashes and a long pause knew which headland was ahead "
            "and could find the safe channel into the harbour.",
            "Today most towers are automatic and the keepers have gone, but many of the old buildings "
            "have been restored as museums where visitors can climb to the lantern room and look out "
            "over the sea that the light has watched for so long.",
        ],
    ),
    "sourdough": (
        "Baking a simple sourdough loaf at home",
        [
            "Sourdough bread needs only flour, water and salt, but it also needs time and a little "
            "patience. The starter is a living culture of wild yeast and bacteria that you feed every "
            "day until it doubles in size a few hours after each meal.",
            "Mix the flour and water first and let the dough rest for an hour. This rest, which bakers "
            "call the autolyse, lets the flour absorb the water so that the gluten begins to develop "
            "before you add the starter and the salt.",
            "Over the next few hours fold the dough every half hour. You will feel it change from a "
            "shaggy mass into a smooth and elastic ball that holds its shape and is full of small "
            "bubbles of gas from the fermentation.",
            "Bake the loaf in a very hot covered pot for the first twenty minutes so that the steam "
            "stays around the bread, then remove the lid and let the crust turn a deep brown colour "
            "before you take it out and leave it to cool on a rack.",
        ],
    ),
    "gardens": (
        "Planning a small vegetable garden",
        [
            "A vegetable garden does not have to be large to be useful. Even a few raised beds on a "
            "sunny patch of ground can give a family fresh salad, beans and herbs for most of the "
            "summer if the beds are planned with care.",
            "Start by watching how the sun moves across your garden during the day. Most vegetables "
            "need at least six hours of direct light, and tomatoes and peppers do best with even more "
            "warmth and shelter from the wind.",
            "Good soil is the secret of a good harvest. Add plenty of compost every year, keep the "
            "ground covered with mulch, and avoid walking on the beds so that the soil stays loose "
            "and full of the worms that keep it healthy.",
        ],
    ),
    "bicycles": (
        "A short history of the bicycle",
        [
            "The first bicycles had no pedals at all. Riders sat on a wooden frame between two wheels "
            "and pushed themselves along the road with their feet, which was tiring but still faster "
            "than walking on the long straight roads of the time.",
            "Pedals were later fixed to the front wheel, and to go faster the front wheel grew larger "
            "and larger until riders sat high above the ground on the famous penny farthing, a "
            "machine that was exciting to ride and very easy to fall from.",
            "The safety bicycle, with two wheels of the same size and a chain that drove the rear "
            "wheel, made cycling easy for everyone. It gave many people the freedom to travel on "
            "their own, and its basic shape has hardly changed since then.",
        ],
    ),
}

GERMAN = (
    "Ein Spaziergang durch den Stadtpark",
    [
        "Der Stadtpark ist an einem sonnigen Sonntag voller Menschen. Familien breiten ihre Decken "
        "auf der Wiese aus, Kinder spielen am Ufer des kleinen Sees und ältere Leute sitzen auf den "
        "Bänken im Schatten der alten Bäume und lesen die Zeitung.",
        "Im Frühling blühen hier tausende Tulpen in allen Farben, und die Gärtner der Stadt arbeiten "
        "schon früh am Morgen, damit die Beete ordentlich aussehen, bevor die ersten Besucher kommen "
        "und ihre Fotos machen.",
    ],
)

GIBBERISH = (
    "best deals click here",
    ["#deal #sale #win #free #promo #click #now #today #best #offer http://x.test/a http://x.test/b "
     "🔥🔥🔥🔥🔥 💰💰💰 !!! $$$ ### *** @@@ ^^^ ~~~ http://x.test/c http://x.test/d #buy #cheap"] * 3,
)


def draw_image(kind: str, seed: int, size=(320, 240)) -> bytes:
    """A deterministic picture: a gradient with shapes (photo-like) or a flat/tiny image."""
    w, h = size
    img = Image.new("RGB", size)
    px = img.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = (
                int(127 + 120 * math.sin((x + seed * 17) / 23.0)),
                int(127 + 120 * math.cos((y + seed * 11) / 19.0)),
                (x * y + seed * 31) % 256,
            )
    d = ImageDraw.Draw(img)
    for i in range(4):
        x0, y0 = (seed * 37 + i * 53) % (w - 60), (seed * 29 + i * 41) % (h - 60)
        d.ellipse([x0, y0, x0 + 50, y0 + 50], fill=((seed * 50 + i * 70) % 256, 80, 200 - i * 40))
    if kind == "flat":
        img = Image.new("RGB", size, (200, 30, 30))
    buf = io.BytesIO()
    fmt = "PNG" if kind == "png" else "JPEG"
    img.save(buf, format=fmt, quality=85) if fmt == "JPEG" else img.save(buf, format=fmt, optimize=False)
    return buf.getvalue()


def logo_png() -> bytes:
    img = Image.new("RGB", (120, 40), (20, 60, 120))
    ImageDraw.Draw(img).rectangle([10, 10, 110, 30], fill=(240, 240, 240))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def icon_png() -> bytes:
    img = Image.new("RGB", (16, 16), (0, 128, 0))
    ImageDraw.Draw(img).line([0, 0, 15, 15], fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def page(title: str, paragraphs: list[str], images: dict[int, tuple[str, str, str | None]],
         lang: str = "en") -> str:
    """An article page with site chrome (nav, footer, cookie banner) around the main content."""
    body = []
    for i, para in enumerate(paragraphs):
        body.append(f"<p>{para}</p>")
        if i in images:
            src, alt, caption = images[i]
            img = f'<img src="{src}" alt="{alt}" width="320" height="240">'
            if caption:
                body.append(f"<figure>{img}<figcaption>{caption}</figcaption></figure>")
            else:
                body.append(img)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="canonical" href="{SITE}/{title.split()[0].lower()}"></head>
<body>
<header><img src="/static/logo.png" alt="Sample site logo"><nav><ul><li><a href="/">Home</a></li>
<li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies?</div>
<main><article><h1>{title}</h1>
{chr(10).join(body)}
</article></main>
<aside class="related"><h3>Related posts</h3><ul><li><a href="/a">Ten things you missed</a></li></ul></aside>
<footer><p>Copyright 2024 Sample Site. All rights reserved.</p>
<img src="/static/icon.png" width="16" height="16" alt=""></footer>
</body></html>"""


def http_response(writer: WARCWriter, url: str, body: bytes, ctype: str, day: int, status: str = "200 OK"):
    headers = StatusAndHeaders(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                               protocol="HTTP/1.1")
    rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                    warc_headers_dict={"WARC-Date": DATE.format(day=day),
                                                       "WARC-Record-ID": f"<urn:uuid:{_uuid(url, day)}>"})
    writer.write_record(rec)


def _uuid(url: str, day: int) -> str:
    import hashlib
    import uuid

    return str(uuid.UUID(bytes=hashlib.md5(f"{url}|{day}".encode()).digest()))


def build(out: Path) -> None:
    raw = io.BytesIO()
    writer = WARCWriter(raw, gzip=True)
    warcinfo = writer.create_warcinfo_record("sample.warc.gz", {"software": "mmcorpus samples/make_sample_warc.py",
                                                                 "description": "synthetic sample crawl"})
    warcinfo.rec_headers.replace_header("WARC-Date", DATE.format(day=1))
    warcinfo.rec_headers.replace_header("WARC-Record-ID", f"<urn:uuid:{_uuid('warcinfo', 1)}>")
    writer.write_record(warcinfo)

    pics = {}
    day = 2
    layouts = {
        "lighthouses": {0: ("lh-1.jpg", "A white lighthouse on a rocky point",
                            "The lighthouse at dusk, its lamp just lit."),
                        2: ("lh-2.jpg", "The rotating Fresnel lens in the lantern room", None),
                        3: ("lh-3.png", "Visitors climbing the spiral stairs",
                            "The restored stairs are open to visitors.")},
        "sourdough": {1: ("bread-1.jpg", "A bubbly sourdough starter in a glass jar", "A starter ready to use."),
                      3: ("bread-2.jpg", "A finished loaf with a dark crust", None)},
        "gardens": {0: ("garden-1.jpg", "Raised vegetable beds in the sun", "Three raised beds in June.")},
        "bicycles": {},
    }
    for n, (slug, (title, paras)) in enumerate(ARTICLES.items()):
        images = {}
        for i, (name, alt, cap) in layouts[slug].items():
            url = f"{SITE}/img/{name}"
            images[i] = (f"/img/{name}", alt, cap)
            pics[url] = draw_image("png" if name.endswith(".png") else "jpg", seed=len(pics) + n)
        html = page(title, paras, images).encode("utf-8")
        http_response(writer, f"{SITE}/{slug}", html, "text/html; charset=utf-8", day)
        day += 1
    # a page whose only image is single-coloured, and one with a tiny icon as its only picture
    flat_page = page("Red paint swatches for the kitchen", ARTICLES["gardens"][1],
                     {1: ("/img/flat-red.jpg", "A swatch of red paint", None)})
    pics[f"{SITE}/img/flat-red.jpg"] = draw_image("flat", 0)
    http_response(writer, f"{SITE}/paint", flat_page.encode(), "text/html", day)
    day += 1
    # exact duplicate text at another URL, and an older capture of an article (URL dedup)
    lh_title, lh_paras = ARTICLES["lighthouses"]
    lh_images = {i: (f"/img/{n}", alt, cap) for i, (n, alt, cap) in layouts["lighthouses"].items()}
    http_response(writer, f"{SITE}/mirror/lighthouses", page(lh_title, lh_paras, lh_images).encode(), "text/html",
                  day)
    http_response(writer, f"{SITE}/sourdough", page(*ARTICLES["sourdough"], {}).encode(), "text/html", 1)
    day += 1
    http_response(writer, f"{SITE}/de/stadtpark", page(*GERMAN, {}, lang="de").encode(), "text/html", day)
    http_response(writer, f"{SITE}/deals", page(*GIBBERISH, {}).encode(), "text/html", day)
    http_response(writer, f"{SITE}/missing", b"<html><body><h1>Not found</h1></body></html>", "text/html", day,
                  status="404 Not Found")
    http_response(writer, f"{SITE}/old", b"", "text/html", day, status="301 Moved Permanently")
    # request record and a revisit, as real crawlers write them
    request = io.BytesIO(b"GET /bicycles HTTP/1.1\r\n\r\n")
    req = writer.create_warc_record(f"{SITE}/bicycles", "request", payload=request,
                                    warc_headers_dict={"WARC-Date": DATE.format(day=day),
                                                       "WARC-Record-ID": f"<urn:uuid:{_uuid('req', day)}>"})
    writer.write_record(req)
    # image records: article pictures, the logo every page shows, a tiny icon
    pics[f"{SITE}/static/logo.png"] = logo_png()
    pics[f"{SITE}/static/icon.png"] = icon_png()
    for url in sorted(pics):
        ctype = "image/png" if url.endswith(".png") else "image/jpeg"
        http_response(writer, url, pics[url], ctype, day)
    data = raw.getvalue()
    out.write_bytes(data)
    # sanity: the file must read back
    with gzip.open(io.BytesIO(data)) as f:
        f.read()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("sample.warc.gz")
    build(target)
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
