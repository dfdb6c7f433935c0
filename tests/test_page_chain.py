"""mmcorpus.page_chain: the per-page chain, and its language-first check."""

from __future__ import annotations

from mmcorpus.config import Config
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.ledger import Ledger
from mmcorpus.page_chain import PageProcessor

DE = ("Die Bundesregierung hat am Mittwoch beschlossen, dass die neuen Regeln für den Ausbau der "
      "erneuerbaren Energien ab dem kommenden Jahr gelten sollen, wie ein Sprecher mitteilte. ")
EN = ("The committee said on Tuesday that the new rules would apply from next year, and that it had "
      "been asked by the ministers to review them again in the spring, with the help of the council. ")


def rec(paragraph: str, body: bytes | None = None) -> HtmlRecord:
    """A page of four parts of ``paragraph``, or the page ``body``."""
    if body is None:
        paras = "".join(f"<p>Part {i}: {paragraph * 2}</p>" for i in ("one", "two", "three", "four"))
        body = f"<html><body><article>{paras}</article></body></html>".encode()
    prov = Provenance(warc_file="t", offset=0, length=len(body), record_id="r", fetch_date=None)
    return HtmlRecord(url="https://example.com/a", body=body, status=200, content_type="text/html",
                      http_headers={}, provenance=prov)


def test_other_language_ends_before_the_main_content_rules():
    led = Ledger()
    assert PageProcessor(Config()).setup().process(rec(DE), led) is None
    assert led.to_dict() == {"extract/dropped:language_prefilter": 1}


def test_without_the_prefilter_the_language_rule_drops_it_after_extraction():
    cfg = Config()
    cfg.language.prefilter = False
    led = Ledger()
    assert PageProcessor(cfg).setup().process(rec(DE), led) is None
    assert led.get("extract/kept") == 1 and led.get("language/dropped:wrong_language") == 1


def test_wanted_language_and_every_language_pass_the_prefilter():
    led = Ledger()
    PageProcessor(Config()).setup().process(rec(EN), led)
    assert led.get("extract/kept") == 1 and led.get("language/kept") == 1
    cfg = Config()
    cfg.language.languages = []  # keep every language: no early decision
    led = Ledger()
    PageProcessor(cfg).setup().process(rec(DE), led)
    assert led.get("extract/dropped:language_prefilter") == 0 and led.get("language/kept") == 1


def test_repeated_blocks_are_removed_before_the_text_rules():
    # the same four paragraphs twice (a responsive layout rendered twice): Gopher's duplicate
    # paragraph rules would drop the page; the chain keeps one copy and counts the removed ones
    paras = "".join(f"<p>{p}</p>" for p in (
        EN + "Members of the public may send their views by letter before the end of March.",
        "The harbour town sits at the mouth of a slow river, and most of its houses were built with "
        "grey stone taken from the cliffs nearby. Fishing boats still leave before dawn each day.",
        "Visitors who arrive in spring often walk the coastal path to the lighthouse, which has guided "
        "ships past the northern rocks for nearly two hundred years, and then rest in the old inn.",
        "In the evenings the market square fills with music; bakers sell bread shaped like anchors, "
        "and older residents argue cheerfully about the weather, the tides and the ferry timetable."))
    body = f"<html><body><article>{paras}{paras}</article></body></html>".encode()
    r = rec(EN, body)
    led = Ledger()
    doc = PageProcessor(Config()).setup().process(r, led)
    assert doc is not None and led.get("text/kept") == 1
    assert led.get("text/repeated_blocks_removed") == 4 and len(doc.text_blocks) == 4
    cfg = Config()
    cfg.text.repeated_block_min_chars = 0
    led = Ledger()  # one-line blocks: the line removal takes the copies instead
    assert PageProcessor(cfg).setup().process(r, led) is not None
    assert led.get("text/repeated_lines_removed") == 4
    cfg.text.repeated_line_min_chars = 0
    led = Ledger()
    assert PageProcessor(cfg).setup().process(r, led) is None
    assert led.get("text/dropped:gopher_dup_lines") == 1


def test_repeated_lines_are_removed_before_the_text_rules():
    # an offers page: each offer's terms line repeats under every offer (a <br> line inside its
    # block); Gopher's duplicate line rules would drop the page, the chain keeps each line once
    offers = "".join(
        f"<p>{offer}<br>Instant savings are applied per room, per stay and are shown in the price.</p>"
        for offer in ("Punta Cana: seven nights on a quiet beach, breakfast included.",
                      "Cancun: five nights near the old town with a guided walk.",
                      "Montego Bay: a week of golf, spa days and a sunset cruise.",
                      "Nassau: four nights in a family suite by the harbour.",
                      "Aruba: eight nights of diving lessons for two."))
    intro = EN + "Travellers who book before the end of the month are told to check the dates of each stay."
    body = f"<html><body><article><p>{intro}</p>{offers}</article></body></html>".encode()
    r = rec(EN, body)
    led = Ledger()
    doc = PageProcessor(Config()).setup().process(r, led)
    assert doc is not None and led.get("text/kept") == 1
    assert led.get("text/repeated_lines_removed") == 4
    assert doc.plain_text.count("Instant savings") == 1
    cfg = Config()
    cfg.text.repeated_line_min_chars = 0
    led = Ledger()
    assert PageProcessor(cfg).setup().process(r, led) is None
    assert led.get("text/dropped:gopher_dup_lines") == 1
