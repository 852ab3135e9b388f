"""Decoders shared by built-in plugins for bytes and markup that apps store: protobuf messages
read without their schema, and HTML message markup turned into plain text.

A module of helpers, not a plugin: it defines no Extractor."""

from __future__ import annotations

from html.parser import HTMLParser


def _varint(data: bytes, index: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if index >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[index]
        index += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, index


def protobuf_fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """The top-level (field number, value) pairs of a protobuf message: varints as int,
    length-delimited fields as bytes, fixed-width fields as their raw bytes. Raises ValueError
    on bytes that are not protobuf (including a field cut short)."""
    fields, index = [], 0
    while index < len(data):
        key, index = _varint(data, index)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0")
        if wire == 0:
            value, index = _varint(data, index)
        elif wire == 2:
            length, index = _varint(data, index)
            if index + length > len(data):
                raise ValueError("length past the end")
            value, index = data[index:index + length], index + length
        elif wire == 1:
            if index + 8 > len(data):
                raise ValueError("truncated fixed64")
            value, index = data[index:index + 8], index + 8
        elif wire == 5:
            if index + 4 > len(data):
                raise ValueError("truncated fixed32")
            value, index = data[index:index + 4], index + 4
        else:
            raise ValueError(f"wire type {wire}")
        fields.append((number, value))
    return fields


class _TextExtractor(HTMLParser):
    _BREAKS = {"br", "p", "div", "li", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BREAKS and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def markup_to_text(markup: str | None) -> str | None:
    """HTML message markup as plain text: tags dropped, entities decoded, line breaks kept. The
    result is only ever text; nothing is rendered."""
    if not markup or ("<" not in markup and "&" not in markup):
        return markup
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; keep the stored text if it still fails
        return markup
    return "".join(parser.parts).strip("\n")
