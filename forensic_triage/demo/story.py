"""The demo's fictional case: who the people are and what they said on which app.

A sober, clearly fictional trafficking-investigation story. The device belongs to "Sam Carter",
who arranges travel for "Ana Marin" on behalf of "Viktor Petrov": flights, hotel rooms booked under
another name, a driver, and passports kept back. Nothing graphic; every number is in Ofcom's range
reserved for drama (+44 7700 900xxx, 020 7946 0xxx) and every domain is example.com/.org.

The same people appear on SMS, WhatsApp and Telegram, with their numbers written the way each
store writes them (E.164, the UK national format, WhatsApp JIDs, Telegram's bare digits), so the
contact graph has identities to merge. A few bodies exist for the reports' sake: one holds HTML
and a script (it must be shown as text, never run), others hold Cyrillic, Arabic and Chinese text
(fonts and right-to-left layout).

All times are fixed UTC instants: the demo never reads the clock or the local time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def utc(text: str) -> datetime:
    """"2026-03-06 07:10[:05]" as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ms(moment: datetime) -> int:
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


def seconds(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True, kw_only=True)
class Person:
    name: str
    e164: str                   # "+447700900456"
    national: str               # "07700 900456": how the phone's own contacts and SMS app often keep it
    telegram_id: int | None = None
    telegram_username: str | None = None

    @property
    def digits(self) -> str:
        """Country code and number without "+": Telegram's ``phone``, the user part of a WhatsApp JID."""
        return self.e164.lstrip("+")

    @property
    def jid(self) -> str:
        return f"{self.digits}@s.whatsapp.net"

    @property
    def first(self) -> str:
        return self.name.split(" ")[0]

    @property
    def last(self) -> str | None:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) > 1 else None


OWNER = Person(name="Sam Carter", e164="+447700900001", national="07700 900001", telegram_id=5000001,
               telegram_username="samc_ldn")
VIKTOR = Person(name="Viktor Petrov", e164="+447700900456", national="07700 900456", telegram_id=5000456,
                telegram_username="v_petrov")
MIKE = Person(name="Mike Dunn", e164="+447700900123", national="07700 900123")
ANA = Person(name="Ana Marin", e164="+447700900789", national="07700 900789")
LI_WEI = Person(name="Li Wei", e164="+447700900555", national="07700 900555", telegram_id=5000555)
YUSUF = Person(name="Yusuf Haddad", e164="+447700900321", national="07700 900321")
HOTEL_DESK = Person(name="Hotel desk", e164="+442079460321", national="020 7946 0321")
PARCEL_SPAM = "+447700900999"

# The bodies the reports must handle with care.
SCRIPT_BODY = ('Parcel held at depot: pay the £1.99 fee at <a href="https://parcel.example.com/t/8812">'
               'parcel.example.com</a> <script>alert(1)</script>')
CYRILLIC_BODY = "Хорошо. Паспорта держи у себя до понедельника."          # "Good. Keep the passports until Monday."
ARABIC_BODY = "الغرف جاهزة. الدفع نقدًا عند الوصول."                        # "The rooms are ready. Cash on arrival."
CJK_BODY = "两个房间已预订，周五入住。机票已确认。"                          # "Two rooms booked, check-in Friday. Tickets confirmed."

# What the demo prints first, so a new user knows what they are looking at.
ABOUT = (
    "About this demo: a made-up case, built by forensic-triage itself (no real data, no network).",
    f"The phone of {OWNER.name}, who arranges travel for {ANA.name} on behalf of {VIKTOR.name}: flights,",
    "hotel rooms under another name, a driver, passports kept back. The same people appear on SMS,",
    "WhatsApp and Telegram with their numbers written differently; the tool merges them into one person each.",
)
