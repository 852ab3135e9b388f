"""Phone numbers to E.164 with the case region as default."""

import pytest

from forensic_triage.sdk.phones import to_e164


@pytest.mark.parametrize("raw, region, expected", [
    ("07700 900123", "GB", "+447700900123"),
    ("+44 7700 900123", None, "+447700900123"),
    ("(0176) 1234-5678", "DE", "+4917612345678"),
    ("4917612345678@s.whatsapp.net", None, "+4917612345678"),
    ("+1 (415) 555-0132", "GB", "+14155550132"),
    ("12345", "GB", None),
    ("bob@example.com", "GB", None),
    ("", "GB", None),
    (None, "GB", None),
    ("0612345678", None, None),          # no country code and no region: cannot be placed
])
def test_to_e164(raw, region, expected):
    assert to_e164(raw, region) == expected
