"""Victim redaction: every name, number, e-mail address and handle of an identity tagged as a
victim becomes a stable pseudonym (V1, V2, … in identity-id order) in every string a report writes.

Two passes, because the same person appears in two shapes:
- address fields (sender, recipients, parties, phones, …) are normalised with the contact graph's
  identifier rules, so ``07700 900123``, ``+447700900123`` and ``447700900123@s.whatsapp.net`` all
  resolve to the victim's identity and the whole field becomes the pseudonym;
- every other string (bodies, paths, notes, thread names) is searched for each known form: phone
  numbers with any punctuation between the digits, e-mail addresses and names case-insensitively.

The mapping pseudonym -> real identity lives only in memory: nothing here writes it anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from forensic_triage.graph.build import ContactGraph, Identity
from forensic_triage.graph.identities import (
    EMAIL,
    HANDLE,
    NUM,
    OWNER,
    TEL,
    app_namespace,
    identifier_key,
    key_kind,
)

# Fields that hold one address (or a list of addresses) of a person, by artifact kind.
ADDRESS_FIELDS: dict[str, tuple[str, ...]] = {
    "message": ("sender", "recipients", "account"),
    "call": ("parties", "account"),
    "contact": ("phones", "emails", "handles"),
    "account": ("identifier", "phone", "email"),
}
# Fields holding a person's display name: replaced whole when they match a victim's name.
NAME_FIELDS = ("display_name", "thread_name", "travellers", "name")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
MIN_NAME = 3          # shorter "names" (initials, "Me") would blank out ordinary words


@dataclass(frozen=True, kw_only=True)
class Victim:
    pseudonym: str
    identity_id: str
    keys: frozenset[str]            # typed identifiers (tel:+44…, email:…, handle:app:…)
    names: tuple[str, ...]


@dataclass(kw_only=True)
class Redactor:
    """Replaces victims' identifiers in strings and records. An empty redactor changes nothing."""

    victims: list[Victim] = field(default_factory=list)
    region: str | None = None
    redact_text: bool = False
    tag_ids: tuple[int, ...] = ()   # the victim tags this redaction came from (for custody)
    _by_key: dict[str, str] = field(default_factory=dict, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _forms: dict[str, str] = field(default_factory=dict, repr=False)
    replacements: int = 0           # strings changed so far (for the custody entry)

    def __post_init__(self) -> None:
        self._by_key = {key: victim.pseudonym for victim in self.victims for key in victim.keys}
        alternatives: list[tuple[str, str]] = []
        for victim in self.victims:
            for form in _text_forms(victim, self.region):
                alternatives.append((form, victim.pseudonym))
        # Longest first, so "+447700900123" wins over its national digits inside it.
        alternatives.sort(key=lambda item: -len(item[0]))
        self._forms = {}
        parts = []
        for form, pseudonym in alternatives:
            regex = _form_regex(form)
            if regex in self._forms:
                continue
            self._forms[regex] = pseudonym
            parts.append(f"(?P<g{len(parts)}>{regex})")
        self._groups = list(self._forms.values())
        self._pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        # A victim's first or last name alone ("Ana stays with Yusuf") names them too: each
        # capitalised word of their names, as a whole word and in its written case, so that a
        # name such as "Will" does not blank out the verb "will".
        tokens: dict[str, str] = {}
        for victim in self.victims:
            for name in victim.names:
                for token in _NAME_WORD.findall(name):
                    if len(token) >= MIN_NAME and token[0].isupper():
                        tokens.setdefault(token, victim.pseudonym)
        ordered = sorted(tokens, key=lambda token: (-len(token), token))
        self._token_names = [tokens[token] for token in ordered]
        self._tokens = (re.compile("|".join(f"(?P<t{number}>(?<!\\w){re.escape(token)}(?!\\w))"
                                            for number, token in enumerate(ordered)))
                        if ordered else None)

    @property
    def active(self) -> bool:
        return bool(self.victims)

    # --- strings -----------------------------------------------------------------------------------

    def text(self, value: str) -> str:
        """``value`` with every known form of a victim's identifiers replaced by the pseudonym."""
        if self._pattern is None or not value:
            return value
        result = self._pattern.sub(self._substitute, value)
        if self._tokens is not None:
            result = self._tokens.sub(lambda match: self._token_names[int(match.lastgroup[1:])], result)
        if result != value:
            self.replacements += 1
        return result

    def _substitute(self, match: re.Match[str]) -> str:
        return self._groups[int(match.lastgroup[1:])]

    def address(self, value: Any, app: Any) -> Any:
        """An address field: the pseudonym when it resolves to a victim, else text-redacted."""
        if not self.active or not isinstance(value, (str, int)) or isinstance(value, bool):
            return self.value(value)
        key = identifier_key(value, app_namespace(app), self.region)
        if key is not None and key in self._by_key:
            self.replacements += 1
            return self._by_key[key]
        return self.value(value)

    def pseudonym_for(self, value: Any, app: Any = None) -> str | None:
        """The pseudonym when an address or name belongs to a victim, else None."""
        if not self.active or not isinstance(value, (str, int)) or isinstance(value, bool):
            return None
        key = identifier_key(value, app_namespace(app), self.region)
        if key is not None and key in self._by_key:
            return self._by_key[key]
        if isinstance(value, str):
            folded = " ".join(value.casefold().split())
            for victim in self.victims:
                if folded in (name.casefold() for name in victim.names) or value in victim.keys:
                    return victim.pseudonym
        return None

    def value(self, value: Any) -> Any:
        """Any JSON value with every string in it redacted."""
        if not self.active:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.value(item) for item in value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value

    # --- records -------------------------------------------------------------------------------------

    def data(self, kind: str, data: dict[str, Any], *, owner_is_victim: str | None = None) -> dict[str, Any]:
        """An artifact's data with victims' addresses, names and (with ``redact_text``) their own
        words replaced. ``owner_is_victim`` is the pseudonym of the exhibit's owner when the owner
        is a victim (their outgoing messages are then theirs)."""
        if not self.active:
            return data
        app = data.get("app")
        out: dict[str, Any] = {}
        address_fields = ADDRESS_FIELDS.get(kind, ())
        for key, item in data.items():
            if key in address_fields:
                out[key] = ([self.address(one, app) for one in item] if isinstance(item, list)
                            else self.address(item, app))
            elif key in NAME_FIELDS:
                out[key] = ([self._name(one) for one in item] if isinstance(item, list) else self._name(item))
            else:
                out[key] = self.value(item)
        if self.redact_text and kind == "message":
            author = self.author(kind, data, owner_is_victim=owner_is_victim)
            if author:
                for key in ("body", "subject"):
                    if out.get(key):
                        out[key] = f"[text written by {author} withheld]"
        return out

    def _name(self, value: Any) -> Any:
        if isinstance(value, str):
            pseudonym = self.pseudonym_for(value)
            if pseudonym:
                self.replacements += 1
                return pseudonym
        return self.value(value)

    def author(self, kind: str, data: dict[str, Any], *, owner_is_victim: str | None = None) -> str | None:
        """The victim's pseudonym when a victim wrote this message, else None."""
        if kind != "message":
            return None
        if data.get("direction") == "outgoing" and owner_is_victim:
            return owner_is_victim
        return self.pseudonym_for(data.get("sender"), data.get("app"))

    def involves(self, kind: str, data: dict[str, Any]) -> str | None:
        """The pseudonym of a victim this record is about or from (sender, party, the contact)."""
        if not self.active:
            return None
        app = data.get("app")
        for key in ADDRESS_FIELDS.get(kind, ()):
            item = data.get(key)
            for one in item if isinstance(item, list) else [item]:
                if kind == "message" and key == "recipients":
                    continue            # a message *to* a victim is not the victim's photo
                pseudonym = self.pseudonym_for(one, app)
                if pseudonym:
                    return pseudonym
        if kind == "contact":
            return self.pseudonym_for(data.get("display_name"))
        return None

    def summary(self) -> dict[str, Any]:
        """What the custody entry records: counts and tag ids, never the identifiers."""
        return {"victims": len(self.victims), "victim_tag_ids": list(self.tag_ids),
                "victim_text_withheld": self.redact_text, "strings_replaced": self.replacements}


# --- building -------------------------------------------------------------------------------------------

def build_redactor(graph: ContactGraph | None, victim_targets: Iterable[tuple[int, str]], *, region: str | None,
                   redact_text: bool, owner_exhibits: dict[str, str] | None = None) -> Redactor:
    """A redactor for the identities named by victim tags (tag id, target id). A target is an
    identity id, a typed identifier or anything `graph.paths.resolve` understands; one the graph
    does not know is still redacted as the identifier it is."""
    from forensic_triage.graph.paths import IdentityNotFound, resolve

    groups: dict[str, tuple[set[str], list[str]]] = {}
    tag_ids = []
    for tag_id, target in victim_targets:
        tag_ids.append(tag_id)
        identity: Identity | None = None
        if graph is not None:
            try:
                identity = graph.identity(resolve(graph, target))
            except IdentityNotFound:
                identity = None
        if identity is not None:
            keys, names = groups.setdefault(identity.id, (set(), []))
            keys.update(identity.identifiers)
            names.extend(name for name in (*identity.names, identity.label) if name not in names)
            continue
        key = target if ":" in target and key_kind(target) in (TEL, EMAIL, NUM, HANDLE) else \
            identifier_key(target, "unknown", region)
        if key:
            from forensic_triage.graph.identities import identity_id
            keys, names = groups.setdefault(identity_id([key]), (set(), []))
            keys.add(key)
    victims = []
    for number, identity_key in enumerate(sorted(groups), start=1):
        keys, names = groups[identity_key]
        usable = tuple(name for name in names if len(name.strip()) >= MIN_NAME and not name.startswith("Owner of "))
        victims.append(Victim(pseudonym=f"V{number}", identity_id=identity_key, keys=frozenset(keys), names=usable))
    return Redactor(victims=victims, region=region, redact_text=redact_text, tag_ids=tuple(sorted(tag_ids)))


def _text_forms(victim: Victim, region: str | None) -> list[str]:
    """Every written form of a victim's identifiers and names that free text may contain."""
    forms: list[str] = []
    for key in victim.keys:
        kind, _, rest = key.partition(":")
        if kind == TEL:
            forms.extend(phone_forms(rest))
        elif kind == NUM or kind == EMAIL:
            forms.append(rest)
        elif kind == HANDLE:
            value = rest.split(":", 1)[1] if ":" in rest else rest
            if len(value) >= MIN_NAME:
                forms.append(value)
        elif kind == OWNER:
            continue
    forms.extend(victim.names)
    return [form for form in dict.fromkeys(forms) if len(form.strip()) >= MIN_NAME]


def phone_forms(e164: str) -> list[str]:
    """+447700900123 -> the digit strings a text may hold: with the country code, national with its
    trunk prefix (07700900123) and the national significant number (7700900123)."""
    forms = [e164.lstrip("+")]
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return forms
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    forms.append("".join(ch for ch in national if ch.isdigit()))
    significant = str(number.national_number)
    if len(significant) >= 7:
        forms.append(significant)
    return forms


def _form_regex(form: str) -> str:
    """A phone number's digits with any punctuation between them (and an optional + or 00 in
    front), never inside a longer run of digits; other forms literally, case-insensitively."""
    if form.isdigit():
        between = r"[\s\-./()]*"
        return r"(?<![0-9])(?:\+|00)?" + between.join(form) + r"(?![0-9])"
    # Whole words only: the name "Ana Marin" must not eat into "Banana marina".
    head = r"(?<!\w)" if form[:1].isalnum() or form[:1] == "_" else ""
    tail = r"(?!\w)" if form[-1:].isalnum() or form[-1:] == "_" else ""
    return head + re.escape(form) + tail
