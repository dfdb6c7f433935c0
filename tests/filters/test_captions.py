import pytest

from mmcorpus.config import PairConfig
from mmcorpus.data import ImageRef
from mmcorpus.filters.captions import REASONS, normalise_caption, usable_caption
from mmcorpus.ledger import Ledger

CFG = PairConfig()


def judge(alt=None, caption=None, title=None, cfg=CFG):
    led = Ledger()
    text, reason = usable_caption(ImageRef(url="http://x/a.jpg", alt=alt, caption=caption, title=title),
                                  cfg, led)
    return text, reason, led.to_dict()


def test_kept_and_counted():
    text, reason, counts = judge(alt="A red fox  jumping\u00a0over a\nfrozen stream")
    assert (text, reason) == ("A red fox jumping over a frozen stream", None)
    assert counts == {"caption/kept": 1}


def test_prefers_figcaption_then_alt_then_title():
    got = judge(alt="the alt text is here", caption="the figure caption text", title="a title text here")
    assert got[0] == "the figure caption text"
    assert judge(alt="the alt text is here", title="a title text here")[0] == "the alt text is here"
    assert judge(title="a title text here")[0] == "a title text here"


def test_falls_back_when_first_choice_is_bad_and_reports_first_reason():
    assert judge(caption="IMG_1234.jpg", alt="Children playing football in a park")[0] \
        == "Children playing football in a park"
    text, reason, counts = judge(caption="IMG_1234.jpg", alt="photo")
    assert (text, reason) == (None, "caption_is_filename")
    assert counts == {"caption/dropped:caption_is_filename": 1}


@pytest.mark.parametrize(
    ("alt", "reason"),
    [
        (None, "no_caption"),
        ("   \n\t ", "no_caption"),
        ("Fox", "caption_too_short"),
        ("A fox", "caption_too_short"),
        ("a b c", "caption_too_short"),  # 3 words but under 10 characters
        (" ".join(["word"] * 65), "caption_too_long"),
        ("IMG_1234.jpg", "caption_is_filename"),
        ("DSC0001", "caption_is_filename"),
        ("DSC_0001", "caption_is_filename"),
        ("image001.png", "caption_is_filename"),
        ("my holiday photo (2).JPEG", "caption_is_filename"),
        ("https://example.com/images/fox.jpg", "caption_is_filename"),
        ("www.example.com/a/b", "caption_is_filename"),
        ("/static/img/header-bg", "caption_is_filename"),
        ("3f2a9c0d4e5b6a7f8e9d", "caption_is_filename"),
        ("image", "caption_stock_word"),
        ("Photo", "caption_stock_word"),
        ("company logo", "caption_stock_word"),
        ("Untitled-1", "caption_stock_word"),
        ("placeholder image", "caption_stock_word"),
        ("spacer", "caption_stock_word"),
        ("Figure 3", "caption_stock_word"),
        ("thumbnail | banner", "caption_stock_word"),
        ("12:30 - 14:45 / 2023-01-01 #####", "caption_not_text"),
        ("★★★★★ ★★★★ ★★★", "caption_not_text"),
    ],
)
def test_drop_reasons(alt, reason):
    text, got, counts = judge(alt=alt)
    assert (text, got) == (None, reason)
    assert got in REASONS
    assert counts == {f"caption/dropped:{reason}": 1}


@pytest.mark.parametrize(
    "alt",
    [
        "Photo of a lighthouse at dusk",  # contains a stock word but says something
        "Das Brandenburger Tor bei Nacht",
        "東京タワーの夜景 と 桜",  # letters in any script count as text
        "Logo of the Apache Software Foundation",
        "Route 66 sign near Flagstaff, 1998",
    ],
)
def test_usable(alt):
    assert judge(alt=alt)[1] is None


def test_char_bound_configurable():
    cfg = PairConfig(max_caption_chars=20)
    assert judge(alt="a perfectly fine but rather long caption", cfg=cfg)[1] == "caption_too_long"


def test_normalise():
    assert normalise_caption(None) == ""
    assert normalise_caption("  a\u00a0\u2003b \n c ") == "a b c"
    assert normalise_caption("Cafe\u0301") == "Caf\u00e9"
