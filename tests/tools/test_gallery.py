"""``mmcorpus show`` and ``mmcorpus view``: one sample as the model sees it, and the HTML gallery.

The gallery is checked in headless Chromium (Debian ``chromium``): the page loads, every image
renders (natural width > 0), and a screenshot is kept under the test's tmp dir. Skipped when
Chromium is not installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from conftest import make_tar

from mmcorpus.cli.main import main
from mmcorpus.shards.reader import iter_samples
from mmcorpus.tools.gallery import pick, save_images

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


@pytest.fixture(scope="module")
def out(sample_run):
    return sample_run


def test_show_prints_the_model_view_and_saves_images_safely(out, tmp_path, capsys):
    key = next(iter_samples(str(out / "interleaved" / "interleaved-000000.tar")))["__key__"]
    assert main(["show", str(out), "--key", key, "--save", str(tmp_path / "imgs")]) == 0
    text = capsys.readouterr().out
    assert re.search(r"<s> .+ <image> \[image 0\] </image> .+ </s>", text)
    assert "320x240" in text and "http://sample.mmcorpus.test/img/" in text and "caption:" in text
    saved = sorted(p.name for p in (tmp_path / "imgs").iterdir())
    assert saved and all(re.fullmatch(rf"{key}-\d\.jpg", n) for n in saved)
    assert main(["show", str(out / "pairs"), "--index", "0"]) == 0
    assert "<s> <image> [image 0] </image>" in capsys.readouterr().out
    assert main(["show", str(out), "--index", "1", "--set", "text", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["language"] == "en"
    assert main(["show", str(out), "--key", "nope"]) == 2
    assert "not found" in capsys.readouterr().err


def test_save_images_never_uses_untrusted_names(tmp_path):
    paths = save_images([{"data": b"\x89PNG\r\n\x1a\nxx"}], str(tmp_path / "d"), "../../evil")
    assert len(paths) == 1 and paths[0].startswith(str(tmp_path / "d") + "/sample-") and paths[0].endswith(".png")


def test_sampling_is_deterministic_in_the_seed():
    samples = [{"__key__": f"k{i}"} for i in range(200)]
    a = [s["__key__"] for s in pick(samples, 10, seed=1)]
    assert a == [s["__key__"] for s in pick(list(reversed(samples)), 10, seed=1)]  # order-independent
    assert a != [s["__key__"] for s in pick(samples, 10, seed=2)]
    assert len(pick(samples[:3], 10, seed=0)) == 3


def test_gallery_escapes_crawled_text(tmp_path):
    body = {"id": "k1", "url": "javascript:alert(1)", "language": "en", "text": "<script>alert(1)</script> & <b>"}
    make_tar(tmp_path / "text-000000.tar", [("k1.json", json.dumps(body).encode()), ("k1.txt", body["text"].encode())])
    assert main(["view", str(tmp_path / "text-000000.tar"), "-o", str(tmp_path / "g.html")]) == 0
    page = (tmp_path / "g.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in page
    assert 'href="javascript' not in page and "Content-Security-Policy" in page


def test_gallery_is_deterministic_and_self_contained(out, tmp_path, capsys):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert main(["view", str(out), "-o", str(a), "--sample", "2", "--seed", "7"]) == 0
    assert main(["view", str(out), "-o", str(b), "--sample", "2", "--seed", "7"]) == 0
    assert "interleaved 2, pairs 2, text 2" in capsys.readouterr().out
    page = a.read_text()
    assert page == b.read_text()
    srcs = re.findall(r'<img src="([^"]*)"', page)
    assert srcs and all(s.startswith("data:image/") for s in srcs)
    assert "http-equiv" in page and 'src="http' not in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")
def test_gallery_renders_in_headless_chromium(out, tmp_path):
    page = tmp_path / "gallery.html"
    assert main(["view", str(out), "-o", str(page), "--sample", "3"]) == 0
    html = page.read_text()
    n_img = html.count("<img ")
    # a copy with a probe script (the gallery's own CSP forbids scripts): it writes what rendered
    probe = ("<script>window.addEventListener('load',()=>{const r=[...document.images].map(i=>i.naturalWidth);"
             "const p=document.createElement('pre');p.id='probe';p.textContent=JSON.stringify(r);"
             "document.body.appendChild(p);});</script></body>")
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("default-src 'none'", "default-src 'none'; script-src 'unsafe-inline'")
                      .replace("</body>", probe))
    run = [CHROMIUM, *CHROME_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    dom = subprocess.run(run + ["--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom)
    assert m, dom[-500:]
    widths = json.loads(m.group(1))
    assert len(widths) == n_img > 0 and all(w > 0 for w in widths)
    shot = tmp_path / "gallery.png"
    subprocess.run(run + ["--window-size=1100,1400", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=60, check=True)
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1100, 1400) and len(set(im.convert("L").getdata())) > 16  # not a blank page


def test_gallery_opens_with_the_run_and_shows_rejected_pages(out, tmp_path, capsys):
    manifest = json.loads((out / "manifest.json").read_text())
    rejected = sorted((out / "rejected").glob("*.jsonl"))
    assert rejected, "the run keeps a sample of dropped pages per reason"
    for f in rejected:
        rows = [json.loads(line) for line in f.read_text().splitlines()]
        reason = rows[0]["reason"]
        assert all(r["reason"] == reason for r in rows) and len(rows) <= min(20, manifest["ledger"][reason])
    assert main(["view", str(out), "-o", str(tmp_path / "g.html")]) == 0
    assert "rejected" in capsys.readouterr().out
    page = (tmp_path / "g.html").read_text()
    assert page.index('id="summary"') < page.index('id="set-interleaved"') < page.index('id="rejected"')
    assert '<a href="#set-pairs">pairs</a>' in page and '<a href="#rejected">rejected</a>' in page
    assert "extract/dropped:language_prefilter" in page and "Stadtpark" in page  # the German page, with its text
    assert manifest["outputs"]["pairs"]["pattern"] in page and "ledger adds up" in page


def test_rejected_sample_is_capped_and_deterministic(tmp_path):
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from mmcorpus.config import Config
    from mmcorpus.data import HtmlRecord, Provenance
    from mmcorpus.pipelines.rejected import WriteRejectedSample

    def record(i):
        body = f"<html><body><p>page {i} " + "word " * 80 + "</p></body></html>"
        return HtmlRecord(url=f"http://a.test/{i}", body=body.encode(), status=200, content_type="text/html",
                          http_headers={}, provenance=Provenance("x.warc", i, 1, f"r{i}", None))

    items = [("text/dropped:too_short", record(i)) for i in range(30)] + [("extract/dropped:no_content", record(99))]
    written = []
    for name, order in (("a", items), ("b", list(reversed(items)))):
        with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
            _ = p | beam.Create(order) | WriteRejectedSample(str(tmp_path / name), Config(), cap=5)
        written.append({f.name: f.read_text() for f in sorted((tmp_path / name).iterdir())})
    assert written[0] == written[1]
    assert len(written[0]["text-dropped-too_short.jsonl"].splitlines()) == 5
    assert len(written[0]["extract-dropped-no_content.jsonl"].splitlines()) == 1
