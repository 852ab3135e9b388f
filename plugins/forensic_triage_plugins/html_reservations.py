"""schema.org reservations in HTML: JSON-LD ``<script type="application/ld+json">`` blocks and
microdata (``itemscope``/``itemtype``), read with ``extruct`` (syntaxes json-ld and microdata).

The same reader serves saved web pages, browser caches and the HTML bodies of e-mails (the
mail plugin imports :func:`read_html`). On web pages only Reservation objects count: an Event
or Flight there is an advertisement or a timetable, not a booking; in a mail it is one. The HTML is parsed by lxml as data: scripts are never
run, nothing is fetched (no base URL, no network), and each JSON-LD block is decoded on its
own so one invalid block becomes a warning without hiding the others. Pages that hold neither
JSON-LD nor microdata are skipped after a byte search, before any parsing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensic_triage.sdk import Context, Extractor, PluginWarning, Reservation, Select, Source
from forensic_triage.travel import schema_org

MAX_HTML = 32 << 20
_MARKERS = (b"ld+json", b"itemscope", b"itemtype")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_JSONLD_SCRIPTS = "//script[translate(@type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')" \
                  "='application/ld+json']"


def has_structured_data(data: bytes | str) -> bool:
    lowered = data.lower()
    markers = _MARKERS if isinstance(lowered, bytes) else tuple(marker.decode() for marker in _MARKERS)
    return any(marker in lowered for marker in markers)


def decode_html(data: bytes, charset: str | None = None) -> str:
    """HTML bytes as text: the declared charset (HTTP header / MIME part), else BOM and
    <meta> (w3lib's HTML5 rules), else UTF-8 with replacement."""
    from w3lib.encoding import html_to_unicode

    try:
        _encoding, text = html_to_unicode(f"text/html; charset={charset}" if charset else None, data)
        return text
    except (LookupError, ValueError, TypeError):
        return data.decode("utf-8", "replace")


def read_html(ctx: Context, data: bytes | str, *, charset: str | None = None, member: str | None = None,
              pointer_prefix: str = "", bare: bool = True) -> Iterator[Reservation | PluginWarning]:
    """Reservations in one HTML document; ``bare`` also takes a Flight, trip or Event that
    stands alone (a confirmation mail's markup), not wanted for web pages."""
    import lxml.etree
    import lxml.html
    from extruct.jsonld import JsonLdExtractor
    from extruct.w3cmicrodata import LxmlMicrodataExtractor

    if not has_structured_data(data):
        return
    text = decode_html(data, charset) if isinstance(data, bytes) else data
    text = _XML_DECLARATION.sub("", text, count=1)
    where = ctx.locate(member=member, pointer=pointer_prefix or None)
    try:
        parser = lxml.html.HTMLParser(no_network=True, remove_pis=True, huge_tree=False)
        tree = lxml.html.fromstring(text, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        yield ctx.warning(f"HTML could not be parsed: {exc}", code="html.unparsable", locator=where)
        return
    jsonld = JsonLdExtractor()
    for index, script in enumerate(tree.xpath(_JSONLD_SCRIPTS)):
        pointer = f"{pointer_prefix}/json-ld/{index}"
        try:
            items = jsonld.extract_items(script)
        except (ValueError, TypeError, RecursionError) as exc:
            yield ctx.warning(f"JSON-LD block {index} is not valid JSON: {str(exc)[:200]}", code="html.bad_jsonld",
                              locator=ctx.locate(member=member, pointer=pointer))
            continue
        yield from schema_org.reservations(items if len(items) != 1 else items[0], origin="json-ld",
                                           locate=lambda p: ctx.locate(member=member, pointer=p), pointer=pointer,
                                           bare=bare)
    if tree.xpath("boolean(//*[@itemscope])"):
        try:
            items = LxmlMicrodataExtractor().extract_items(tree, base_url=None)
        except (ValueError, TypeError, KeyError, RecursionError, lxml.etree.Error) as exc:
            yield ctx.warning(f"microdata could not be read: {exc}", code="html.bad_microdata", locator=where)
            return
        for index, item in enumerate(items):
            pointer = f"{pointer_prefix}/microdata/{index}"
            yield from schema_org.reservations(schema_org.from_microdata(item), origin="microdata",
                                               locate=lambda p: ctx.locate(member=member, pointer=p), pointer=pointer,
                                               bare=bare)


class HtmlReservations(Extractor):
    name = "travel.html"
    version = "1.0.0"
    description = "schema.org reservations (JSON-LD, microdata) in saved HTML pages and cached HTML."
    selects = [Select(glob="**/*.html"), Select(glob="**/*.htm"), Select(glob="**/*.xhtml"),
               Select(magic=b"<!DOCTYPE html"), Select(magic=b"<!doctype html"), Select(magic=b"<!DOCTYPE HTML"),
               Select(magic=b"<html"), Select(magic=b"<HTML")]
    kinds = [Reservation]
    time_limit = 120.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        data = ctx.read_bytes(limit=MAX_HTML)
        if source.size > MAX_HTML:
            yield ctx.warning(f"HTML of {source.size} bytes: only the first {MAX_HTML} read", code="html.truncated",
                              locator=ctx.locate(offset=0, length=MAX_HTML))
        # A saved or cached web page: an Event or Flight in its markup advertises, it does not book.
        yield from read_html(ctx, data, bare=False)
