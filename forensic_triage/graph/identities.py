"""Identifiers of people, normalised so that the same person is found across apps.

Every address an artifact carries (an SMS number, a WhatsApp JID, an iMessage e-mail handle, a
Skype name, a contact card's phones and e-mails) becomes one typed identifier:

==========================  ===============================================================
``tel:+4917612345678``      a phone number in E.164 (a JID ``4917612345678@s.whatsapp.net``
                            and an SMS from ``+49 176 12345678`` give the same identifier)
``email:alice@example.org`` an e-mail address, lower-cased
``num:33333``               digits that are not a phone number (short codes, a local number
                            when the case has no region): kept as they are, never guessed
``handle:telegram:alice``   anything else, in the namespace of the app it came from (case-folded),
                            so a Telegram user id 12345 and a Kik user 12345 stay apart
``owner:E001``              the owner of exhibit E001 (whom "outgoing" means)
==========================  ===============================================================

Identifiers that the evidence ties together are merged with a union-find: the phones, e-mails
and handles of one contact card, and the accounts of one device owner.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from forensic_triage.canonical import digest
from forensic_triage.sdk.phones import to_e164

# Apps whose all-digit identifiers are user ids, not phone numbers: a Telegram user id such as
# 123456789 would otherwise read as a (possible) German or British number. Matched against the
# words of the app's name, e.g. "Facebook Messenger" -> {"facebook", "messenger"}. A value with an
# explicit "+" is still a phone number in these apps.
HANDLE_APP_WORDS = frozenset({
    "telegram", "skype", "teams", "kik", "discord", "instagram", "messenger", "facebook", "irc", "hexchat",
    "xchat", "hangouts", "snapchat", "threema", "wickr", "slack", "twitter", "tango", "imo", "linkedin",
})

# WhatsApp JIDs: users (the number before the "@"), linked-device ids, and groups/broadcasts/channels,
# which are conversations rather than people.
_WHATSAPP_USER_DOMAINS = ("s.whatsapp.net", "c.us", "whatsapp.net")
_WHATSAPP_LID_DOMAIN = "lid"
_GROUP_DOMAINS = ("g.us", "broadcast", "newsletter", "call", "temp")

# Values that stand for "no one we can name": Android's call log writes -1 (unknown), -2 (private)
# and -3 (payphone) in place of a number; MMS uses insert-address-token for the device's own
# address. Merging them would make every withheld caller one person.
PLACEHOLDERS = frozenset({
    "", "-1", "-2", "-3", "-4", "0", "unknown", "null", "none", "nil", "n/a", "<unknown>", "insert-address-token",
    "private", "private number", "withheld", "anonymous", "restricted", "unknown caller", "no caller id",
    "payphone",
})

_DNS_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_EMAIL = re.compile(rf"^[^@\s<>()\[\],;:\"]+@{_DNS_LABEL}(?:\.{_DNS_LABEL})*\.[a-z]{{2,}}$")
_PHONE_LIKE = re.compile(r"^\+?[0-9][0-9 \t\-./()]*$")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")
MAX_HANDLE = 256   # a "sender" longer than this is damage, not an address

OWNER = "owner"
TEL, EMAIL, NUM, HANDLE = "tel", "email", "num", "handle"
_LABEL_ORDER = {OWNER: 0, TEL: 1, EMAIL: 2, HANDLE: 3, NUM: 4}


def app_namespace(app: object) -> str:
    """``"WhatsApp Business"`` -> ``"whatsapp-business"``: the namespace of an app's handles."""
    return _namespace(app) if isinstance(app, str) else "unknown"


@lru_cache(maxsize=4096)
def _namespace(app: str) -> str:
    return _NON_WORD.sub("-", app.casefold()).strip("-") or "unknown"


def _numbers_are_handles(namespace: str) -> bool:
    return any(word in HANDLE_APP_WORDS for word in namespace.split("-"))


def owner_key(exhibit: object) -> str:
    return f"{OWNER}:{exhibit or 'unknown'}"


def identifier_key(raw: object, namespace: str, region: str | None) -> str | None:
    """The typed identifier for an address as an app stored it, or None when it names no one
    (empty, a placeholder for a withheld number, a group JID, not text at all). ``namespace`` is
    :func:`app_namespace` of the app the value came from; ``region`` the case's default
    phone-number region."""
    if isinstance(raw, str):
        return _text_key(raw, namespace, region)
    if isinstance(raw, int) and not isinstance(raw, bool):       # a number stored as an integer
        return _text_key(str(raw), namespace, region)
    return None


@lru_cache(maxsize=1 << 17)
def _text_key(raw: str, namespace: str, region: str | None) -> str | None:
    text = _SPACES.sub(" ", raw).strip()
    lowered = text.casefold()
    if lowered in PLACEHOLDERS:
        return None
    for prefix in ("tel:", "sms:", "mailto:"):
        if lowered.startswith(prefix):
            text = text[len(prefix):].strip()
            lowered = text.casefold()
            break
    else:
        # iMessage names accounts "e:someone@icloud.com" and "p:+4477...".
        if lowered[:2] in ("e:", "p:") and (_EMAIL.match(lowered[2:]) or _PHONE_LIKE.match(text[2:])):
            text = text[2:]
            lowered = lowered[2:]
    if not text:
        return None
    if "@" in text:
        local, _, domain = lowered.rpartition("@")
        domain = domain.strip()
        if domain in _GROUP_DOMAINS or domain.endswith(".g.us"):
            return None
        if domain in _WHATSAPP_USER_DOMAINS:
            digits = local.split(":")[0].split(".")[0]     # "4917...:12@s.whatsapp.net" is a device of that user
            if digits.isdigit():
                e164 = to_e164("+" + digits)
                return f"{TEL}:{e164}" if e164 else f"{NUM}:{digits}"
            return _handle("whatsapp", local)
        if domain == _WHATSAPP_LID_DOMAIN:
            return _handle("whatsapp-lid", local)
        if _EMAIL.match(lowered):
            return f"{EMAIL}:{lowered}"
        return _handle(namespace, text)
    if _PHONE_LIKE.match(text):
        digits = "".join(ch for ch in text if ch.isdigit())
        if text.startswith("+") or not _numbers_are_handles(namespace):
            e164 = _phone(text, digits, region)
            if e164:
                return f"{TEL}:{e164}"
            return f"{NUM}:{'+' if text.startswith('+') else ''}{digits}"
        return _handle(namespace, digits)
    return _handle(namespace, text)


def _phone(text: str, digits: str, region: str | None) -> str | None:
    e164 = to_e164(text, region)
    # International digits stored without their "+" (4917612345678, as in a JID or an integer
    # column): read as a national number of the case's region they are at best "possible";
    # when they are a valid number with the "+" and not without it, the "+" was dropped.
    if not text.startswith("+") and not digits.startswith("0") and len(digits) >= 10:
        international = to_e164("+" + digits)
        if international and international != e164 and _valid(international) and not (e164 and _valid(e164)):
            return international
    return e164


def _valid(e164: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return False


def _handle(namespace: str, value: str) -> str | None:
    value = _SPACES.sub(" ", value.casefold()).strip()
    if not value:
        return None
    return f"{HANDLE}:{namespace}:{value[:MAX_HANDLE]}"


def identity_id(keys: list[str] | tuple[str, ...]) -> str:
    """Stable id of an identity: a BLAKE3 prefix of its sorted identifiers."""
    return "id-" + digest(sorted(keys))[:16]


def key_kind(key: str) -> str:
    return key.split(":", 1)[0]


def describe(key: str) -> str:
    """A reader's form of an identifier: ``tel:+44...`` -> ``+44...``,
    ``handle:telegram:alice`` -> ``alice (telegram)``, ``owner:E001`` -> ``device owner (E001)``."""
    kind, _, rest = key.partition(":")
    if kind == HANDLE:
        namespace, _, value = rest.partition(":")
        return f"{value} ({namespace})"
    if kind == OWNER:
        return f"device owner ({rest})"
    return rest


def label_order(key: str) -> tuple[int, str]:
    """Which identifier names an identity best when no contact card gives a name."""
    return (_LABEL_ORDER.get(key_kind(key), 9), key)


class UnionFind:
    """Disjoint sets of identifiers. The representative is not exposed: identities are named by
    their sorted members, so the merge order never shows in the result."""

    __slots__ = ("parent",)

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, key: str) -> None:
        if key not in self.parent:
            self.parent[key] = key

    def find(self, key: str) -> str:
        parent = self.parent
        root = parent.setdefault(key, key)
        while parent[root] != root:
            root = parent[root]
        while parent[key] != root:                 # path compression
            parent[key], key = root, parent[key]
        return root

    def known_root(self, key: str) -> str | None:
        """The representative of a key already in a set, without adding it."""
        return self.find(key) if key in self.parent else None

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra

    def groups(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for key in self.parent:
            found.setdefault(self.find(key), []).append(key)
        return found
