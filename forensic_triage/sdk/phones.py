"""Phone numbers to E.164 with the `phonenumbers` library, keeping the raw value alongside."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str | None, region: str | None = None) -> str | None:
    """E.164 form of ``raw`` (e.g. "+447700900123"), using ``region`` (ISO 3166 alpha-2) for
    numbers written without a country code; None when it is not a plausible phone number
    (short codes, e-mail addresses, app handles)."""
    if not raw:
        return None
    text = str(raw).strip()
    if "@" in text:
        # WhatsApp JIDs carry the number before the "@": 4917612345678@s.whatsapp.net
        local, _, domain = text.partition("@")
        if not domain.endswith(("whatsapp.net", "s.whatsapp.net")) or not (local.isascii() and local.isdigit()):
            return None
        text = "+" + local
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    # Valid numbers, and possible ones long enough not to be short codes (a number from a range
    # the library's metadata does not know yet is still someone's number).
    if not phonenumbers.is_valid_number(number) and not (
            phonenumbers.is_possible_number(number) and len(str(number.national_number)) >= 7):
        return None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # A national trunk "0" kept after the country code (+31 0...) is dropped when the result is
    # parsed again: go on to the fixed point, so one number always has one E.164 form.
    for _ in range(3):
        again = phonenumbers.format_number(phonenumbers.parse(formatted, None), phonenumbers.PhoneNumberFormat.E164)
        if again == formatted:
            break
        formatted = again
    return formatted
