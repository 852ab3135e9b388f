"""Travel intent in browser histories: visits to airline, booking, rail, bus, hotel, car-rental
and ride-hailing sites (Chrome ``History``, Firefox ``places.sqlite``, Safari ``History.db``).

A visit is not a booking, so each is a lower-confidence reservation artifact:

- ``type``: the site's category in ``forensic_triage/travel/travel_domains.json`` (flight, lodging,
  train, bus, rental_car, ride), refined by the URL (flights.booking.com is a flight search);
- ``origin="browser_history"``, ``status="intent (visit only)"``;
- ``name``: the page title as the browser stored it (the URL when the page had no title);
- ``provider``: the site's registrable domain (``booking.com``, ``lufthansa.com``), the
  organisation the visitor dealt with;
- ``booked``: the visit time (the moment of the intent), decoded from the browser's encoding
  (Chrome WebKit microseconds, Firefox Unix microseconds, Safari Cocoa seconds);
- ``start``/``end`` and ``arrival``: only what the URL itself states, from a small set of query
  parameters sites use for searches (check-in/check-out or pick-up/drop-off dates in ISO form,
  a destination name); dates have ``utc=None`` and ``raw`` the date, like every date-only value;
- the locator: the visit row (``visits``, ``moz_historyvisits`` or ``history_visits`` and its id).

The SDK's Reservation has no field for the visited URL: it is reachable through the locator
(visit row -> URL row) and stands in ``name`` when there is no title. See the report for the
proposed ``url`` field. ``ticket_token`` is not used: a URL is not a ticket.

Frames loaded inside a page (Chrome auto-subframe transitions, Firefox EMBED visits) are not the
visitor's own navigation and are skipped; every other visit counts, one artifact per visit.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from urllib.parse import parse_qsl, unquote, urlsplit

from forensic_triage.sdk import (
    SQLITE_MAGIC,
    Context,
    Extractor,
    Place,
    PluginWarning,
    Reservation,
    Select,
    Source,
    TimeValue,
)
from forensic_triage.sdk.times import OK, TimeDecoders

STATUS = "intent (visit only)"
ORIGIN = "browser_history"

# Second-level labels under which country registries sell names (example.co.uk, example.com.au):
# enough of the public suffix list for the sites in the domain list, without shipping it.
_SECOND_LEVEL = {"co", "com", "net", "org", "gov", "ac", "edu", "gob", "ne", "or", "go"}


def registrable_domain(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _suffix_ok(labels: list[str]) -> bool:
    """Whether ``labels`` form a public suffix: one top-level label, or a country's second level."""
    if len(labels) == 1:
        return labels[0].isalpha()
    return len(labels) == 2 and labels[0] in _SECOND_LEVEL and len(labels[1]) == 2 and labels[1].isalpha()


@dataclass(frozen=True)
class _Entry:
    category: str
    name: str              # "booking.com", "m.uber.com" or "airbnb" (for "airbnb.*")
    any_suffix: bool
    path: tuple[str, ...]  # path prefix segments, lower case

    def host_matches(self, host: str) -> bool:
        if not self.any_suffix:
            return host == self.name or host.endswith("." + self.name)
        labels = host.split(".")
        name_labels = self.name.split(".")
        width = len(name_labels)
        for index in range(len(labels) - width, -1, -1):
            if labels[index:index + width] == name_labels and _suffix_ok(labels[index + width:]):
                return True
        return False


@dataclass(frozen=True)
class TravelSite:
    category: str
    domain: str            # registrable domain of the visited host


class DomainList:
    """The travel-site list (``travel_domains.json``) and the URL matching it describes."""

    def __init__(self, data: dict) -> None:
        self.version = str(data.get("version", ""))
        self.entries: list[_Entry] = []
        for category, names in data.get("categories", {}).items():
            for raw in names:
                host, _slash, path = raw.lower().partition("/")
                any_suffix = host.endswith(".*")
                self.entries.append(_Entry(category, host[:-2] if any_suffix else host, any_suffix,
                                           tuple(segment for segment in path.split("/") if segment)))
        # Path entries first: google.*/travel/flights decides before any plain google entry would.
        self.entries.sort(key=lambda entry: -len(entry.path))
        self.hints = {word: category for category, words in data.get("path_hints", {}).items() for word in words}
        self.ignore = set(data.get("ignore_sections", ()))

    def match(self, url: str | None) -> TravelSite | None:
        if not url or not isinstance(url, str):
            return None
        try:
            parts = urlsplit(url.strip())
            host = (parts.hostname or "").rstrip(".")
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not host or host.replace(".", "").isdigit():
            return None
        segments = [unquote(segment).lower() for segment in parts.path.split("/") if segment]
        for entry in self.entries:
            if entry.path and tuple(segments[:len(entry.path)]) != entry.path:
                continue
            if not entry.host_matches(host):
                continue
            domain = registrable_domain(host)
            sub_labels = host[:-len(domain)].rstrip(".").split(".") if host != domain else []
            if any(label in self.ignore for label in sub_labels) or any(s in self.ignore for s in segments[:3]):
                return None
            category = entry.category
            if not entry.path:
                for token in sub_labels + [t for s in segments[:4] for t in re.split(r"[^a-z0-9]+", s) if t]:
                    if token in self.hints:
                        category = self.hints[token]
                        break
            return TravelSite(category, domain)
        return None


@lru_cache(maxsize=1)
def default_domains() -> DomainList:
    text = resources.files("forensic_triage.travel").joinpath("travel_domains.json").read_text(encoding="utf-8")
    return DomainList(json.loads(text))


# --- what the URL says about the trip ------------------------------------------------------------

_START_KEYS = {"checkin", "check_in", "checkin_date", "checkindate", "check-in", "arrival_date", "arrivaldate",
               "startdate", "start_date", "pickupdate", "pickup_date", "pick_up_date", "departuredate",
               "departure_date", "depart_date", "outbounddate", "outbound_date", "date_from", "datefrom"}
_END_KEYS = {"checkout", "check_out", "checkout_date", "checkoutdate", "check-out", "departure",
             "enddate", "end_date", "dropoffdate", "dropoff_date", "drop_off_date", "returndate", "return_date",
             "inbounddate", "inbound_date", "date_to", "dateto"}
_PLACE_KEYS = {"ss", "destination", "dest", "location", "city", "place"}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")


def _url_date(value: str, key: str) -> TimeValue | None:
    match = _ISO_DATE.match(value.strip())
    if not match:
        return None
    try:
        day = date(*map(int, match.groups()))
    except ValueError:
        return None
    return TimeValue(utc=None, raw=day.isoformat(), encoding=f"url_query_date:{key}", status=OK)


def trip_from_url(url: str) -> dict:
    """start/end dates and a destination the URL's query states, where it does."""
    found: dict = {}
    try:
        query = parse_qsl(urlsplit(url).query, keep_blank_values=False)
    except ValueError:
        return found
    for key, value in query[:200]:
        lowered = key.lower()
        if lowered in _START_KEYS and "start" not in found:
            found["start"] = _url_date(value, key)
        elif lowered in _END_KEYS and "end" not in found:
            found["end"] = _url_date(value, key)
        elif lowered in _PLACE_KEYS and "arrival" not in found and value.strip():
            found["arrival"] = Place(name=value.strip()[:200])
    return {key: value for key, value in found.items() if value is not None}


# --- the three stores ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Visit:
    table: str
    rowid: int
    url: str | None
    title: str | None
    time: TimeValue
    skipped: bool = False      # a frame inside a page, not a navigation


@dataclass(frozen=True)
class Store:
    app: str
    url_table: str
    url_columns: tuple[str, ...]
    visit_table: str
    visit_columns: tuple[str, ...]


CHROME = Store("Chrome", "urls", ("id", "url", "title"), "visits", ("id", "url", "visit_time", "transition"))
FIREFOX = Store("Firefox", "moz_places", ("id", "url", "title"), "moz_historyvisits",
                ("id", "place_id", "visit_date", "visit_type"))
SAFARI = Store("Safari", "history_items", ("id", "url"), "history_visits", ("id", "history_item", "visit_time", "title"))

CHROME_AUTO_SUBFRAME = 3       # core transition (low byte): a frame the page loaded by itself
FIREFOX_EMBED = 4              # visit_type TRANSITION_EMBED


def missing_columns(conn: sqlite3.Connection, store: Store) -> list[str]:
    missing = []
    for table, columns in ((store.url_table, store.url_columns), (store.visit_table, store.visit_columns)):
        have = {row[1].lower() for row in conn.execute(f'PRAGMA table_info("{table}")')}
        missing += [f"{table}.{column}" for column in columns if column.lower() not in have]
    return missing


def _urls(conn: sqlite3.Connection, store: Store, wanted=None) -> dict[int, tuple[str | None, str | None]]:
    """URL rows, keyed by id; with ``wanted`` (a predicate on the URL) only those it accepts,
    so memory holds the travel URLs, not the whole history."""
    found: dict[int, tuple[str | None, str | None]] = {}
    title = "title" if "title" in store.url_columns else "NULL"      # Safari keeps titles per visit
    columns = f"id, url, {title}"
    for row in conn.execute(f"SELECT {columns} FROM {store.url_table}"):
        url = row[1] if isinstance(row[1], str) else None
        if wanted is None or wanted(url):
            found[row[0]] = (url, row[2] if isinstance(row[2], str) else None)
    return found


def read_visits(conn: sqlite3.Connection, store: Store, wanted=None, time: TimeDecoders | None = None) -> Iterator[Visit]:
    """Every visit row of the store (streamed), with its URL and title; ``wanted`` filters on the URL."""
    time = time or TimeDecoders()
    urls = _urls(conn, store, wanted)
    if store is CHROME:
        query = "SELECT id, url, visit_time, transition, NULL FROM visits"
    elif store is FIREFOX:
        query = "SELECT id, place_id, visit_date, visit_type, NULL FROM moz_historyvisits"
    else:
        query = "SELECT id, history_item, visit_time, NULL, title FROM history_visits"
    decode = {id(CHROME): time.webkit, id(FIREFOX): time.unix_us, id(SAFARI): time.cocoa}[id(store)]
    for visit_id, url_id, raw_time, kind, visit_title in conn.execute(query):
        if url_id not in urls:
            if wanted is None:
                yield Visit(store.visit_table, visit_id, None, visit_title, decode(raw_time))
            continue
        url, title = urls[url_id]
        skipped = ((store is CHROME and isinstance(kind, int) and kind & 0xFF == CHROME_AUTO_SUBFRAME)
                   or (store is FIREFOX and kind == FIREFOX_EMBED))
        yield Visit(store.visit_table, visit_id, url, visit_title if store is SAFARI else title, decode(raw_time),
                    skipped)


class _LenientText:
    """Text columns decoded as UTF-8 with invalid bytes replaced (and counted), so one damaged
    title does not stop the reading."""

    def __init__(self) -> None:
        self.bad = 0

    def __call__(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad += 1
            return raw.decode("utf-8", "replace")


def travel_reservations(ctx: Context, store: Store, domains: DomainList | None = None
                        ) -> Iterator[Reservation | PluginWarning]:
    what = f"{store.app} history"
    if domains is None:
        try:
            domains = default_domains()
        except (OSError, ValueError) as exc:     # a broken install without the package data
            yield ctx.warning(f"{what}: the travel-site list travel_domains.json cannot be read ({exc}); no visits "
                              f"classified", code="plugin.data_missing")
            return
    try:
        conn = ctx.open_sqlite()
        text = _LenientText()
        conn.text_factory = text
        missing = missing_columns(conn, store)
    except sqlite3.DatabaseError as exc:
        yield ctx.warning(f"{what}: not a readable SQLite database (damaged, truncated or encrypted): {exc}",
                          code="sqlite.unreadable")
        return
    if missing:
        yield ctx.warning(f"{what}: unknown schema version, missing {', '.join(missing)}; no visits read",
                          code="schema.unknown_version", missing=missing)
        return
    sites: dict[str, TravelSite] = {}          # only the travel URLs: memory stays small

    def wanted(url: str | None) -> bool:
        site = domains.match(url)
        if site is not None:
            sites[url] = site
        return site is not None

    try:
        for visit in read_visits(conn, store, wanted, ctx.time):
            site = sites.get(visit.url) if visit.url else None
            if visit.skipped or site is None:
                continue
            title = visit.title.strip() if isinstance(visit.title, str) and visit.title.strip() else None
            trip = trip_from_url(visit.url)
            yield Reservation(type=site.category, origin=ORIGIN, status=STATUS, name=title or visit.url,
                              url=visit.url, provider=site.domain, booked=visit.time, start=trip.get("start"), end=trip.get("end"),
                              arrival=trip.get("arrival"), locator=ctx.locate(table=visit.table, rowid=visit.rowid))
    except sqlite3.DatabaseError as exc:
        yield ctx.warning(f"{what}: reading stopped, the database is damaged: {exc}", code="sqlite.damaged")
    if text.bad:
        yield ctx.warning(f"{what}: {text.bad} text value(s) were not valid UTF-8; the invalid bytes were replaced "
                          f"with U+FFFD", code="text.invalid_utf8")


class ChromeTravelIntent(Extractor):
    name = "browser.chrome.travel"
    version = "1.0.0"
    description = "Visits to travel sites (airlines, booking, rail, bus, hotels, car rental, rides) in Chrome History."
    selects = [Select(glob="**/History", magic=SQLITE_MAGIC),
               Select(sqlite_tables={"urls": ["url", "title"], "visits": ["url", "visit_time"]})]
    kinds = [Reservation]
    time_limit = 300.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        yield from travel_reservations(ctx, CHROME)


class FirefoxTravelIntent(Extractor):
    name = "browser.firefox.travel"
    version = "1.0.0"
    description = "Visits to travel sites (airlines, booking, rail, bus, hotels, car rental, rides) in Firefox places.sqlite."
    selects = [Select(glob="**/places.sqlite", magic=SQLITE_MAGIC),
               Select(sqlite_tables={"moz_places": ["url", "title"], "moz_historyvisits": ["place_id", "visit_date"]})]
    kinds = [Reservation]
    time_limit = 300.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        yield from travel_reservations(ctx, FIREFOX)


class SafariTravelIntent(Extractor):
    name = "browser.safari.travel"
    version = "1.0.0"
    description = "Visits to travel sites (airlines, booking, rail, bus, hotels, car rental, rides) in Safari History.db."
    selects = [Select(glob="**/History.db", magic=SQLITE_MAGIC),
               Select(sqlite_tables={"history_items": ["url"], "history_visits": ["history_item", "visit_time"]})]
    kinds = [Reservation]
    time_limit = 300.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        yield from travel_reservations(ctx, SAFARI)
