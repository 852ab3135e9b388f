"""Travel intent from browser histories (browser.chrome/firefox/safari.travel) on histories the
project builds (forensic_triage.demo.apps.boarding) and on plaso's test histories."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from forensic_triage_plugins import browser_travel
from forensic_triage_plugins.browser_travel import (
    CHROME,
    FIREFOX,
    SAFARI,
    ChromeTravelIntent,
    DomainList,
    FirefoxTravelIntent,
    SafariTravelIntent,
    default_domains,
    read_visits,
    registrable_domain,
)

from forensic_triage.demo.apps.boarding import (
    Visit,
    build_chrome_history,
    build_firefox_places,
    build_safari_history,
)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import read_schema
from tests.conftest import corpus_path

PLUGINS = {"chrome": (ChromeTravelIntent, build_chrome_history, "History", CHROME),
           "firefox": (FirefoxTravelIntent, build_firefox_places, "places.sqlite", FIREFOX),
           "safari": (SafariTravelIntent, build_safari_history, "History.db", SAFARI)}
WHEN = datetime(2026, 2, 20, 21, 15, 30, 250000, tzinfo=UTC)
VISITS = [
    Visit(url="https://www.booking.com/hotel/fr/le-petit.html?checkin=2026-03-14&checkout=2026-03-17&ss=Paris",
          title="Hôtel Le Petit, Paris – Booking.com", when=WHEN),
    Visit(url="https://www.ryanair.com/gb/en/trip/flights/select?adults=1", title="Ryanair", when=WHEN),
    Visit(url="https://news.example.test/", title="News", when=WHEN),
    Visit(url="https://int.bahn.de/en/buchung/fahrplan/suche", title=None, when=WHEN),
    Visit(url="https://www.hertz.co.uk/rentacar/reservation/", title="Hertz", when=WHEN),
    Visit(url="https://ride.lyft.com/ridetype", title="Lyft", when=WHEN),
    Visit(url="https://www.lyft.com/careers", title="Careers at Lyft", when=WHEN),
    Visit(url="https://www.booking.com/ad-frame.html", title="ad", when=WHEN, transition=3),   # a frame, not a visit
]


def selected(cls, path: Path, evidence_path: str) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        schema = read_schema(conn)
    finally:
        conn.close()
    head = path.read_bytes()[:64]
    return any(select.matches_path(evidence_path) and select.matches_head(head) and select.matches_schema(schema)
               for select in cls.selects)


def codes(result) -> list[str]:
    return [warning.code for warning in result.warnings]


def test_plugins_pass_host_checks():
    for cls, _build, _name, _store in PLUGINS.values():
        assert check_plugin(cls) == [], cls


# --- the domain list ------------------------------------------------------------------------------

def test_domain_list_ships_as_data():
    data = json.loads((Path(browser_travel.__file__).resolve().parents[2] / "forensic_triage" / "travel"
                       / "travel_domains.json").read_text(encoding="utf-8"))
    entries = [entry for names in data["categories"].values() for entry in names]
    assert len(entries) >= 80 and len(entries) == len(set(entries))
    # Categories are the reservation types they become.
    assert set(data["categories"]) == {"flight", "lodging", "train", "bus", "rental_car", "ride"}
    assert default_domains().version == data["version"]
    for required in ("booking.com", "airbnb.*", "expedia.*", "ryanair.com", "lufthansa.com", "trainline.com",
                     "bahn.de", "sncf-connect.com", "hertz.*"):
        assert required in entries, required


@pytest.mark.parametrize("url, expected", [
    ("https://www.booking.com/hotel/fr/x.html", ("lodging", "booking.com")),
    ("https://secure.booking.com/myreservations.html", ("lodging", "booking.com")),
    ("https://flights.booking.com/flights/LON-PAR", ("flight", "booking.com")),
    ("https://www.airbnb.co.uk/rooms/123", ("lodging", "airbnb.co.uk")),
    ("https://airbnb.de/", ("lodging", "airbnb.de")),
    ("https://www.expedia.co.uk/Flights-Search?trip=oneway", ("flight", "expedia.co.uk")),
    ("https://www.expedia.com/carsearch?locn=JFK", ("rental_car", "expedia.com")),
    ("https://www.google.com/travel/flights?q=LHR", ("flight", "google.com")),
    ("https://www.lufthansa.com/de/en/hotel", ("lodging", "lufthansa.com")),
    ("https://WWW.RYANAIR.COM:443/gb/en", ("flight", "ryanair.com")),
    ("https://www.thetrainline.com/", ("train", "thetrainline.com")),
    ("https://global.flixbus.com/", ("bus", "flixbus.com")),
    ("https://m.uber.com/looking", ("ride", "uber.com")),
    ("https://www.google.com/search?q=cheap+flights", None),
    ("https://www.uber.com/us/en/careers/", None),
    ("https://www.lyft.com/", None),                   # the company, not a ride: see travel_domains.json
    ("https://help.lyft.com/hc/en-us", None),
    ("https://www.lufthansa.com/de/en/careers", None),
    ("https://notbooking.com/", None),
    ("https://booking.com.evil.test/", None),
    ("https://airbnb.example.com/", None),
    ("ftp://ryanair.com/", None),
    ("http://192.168.1.1/booking.com", None),
    ("not a url", None),
    (None, None),
])
def test_url_matching(url, expected):
    site = default_domains().match(url)
    assert (site.category, site.domain) == expected if expected else site is None


def test_registrable_domain_and_custom_lists():
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert registrable_domain("www.example.com") == "example.com"
    custom = DomainList({"version": "t", "categories": {"train": ["example.*/rail"]}, "ignore_sections": ["help"]})
    assert custom.match("https://example.org/rail/tickets").category == "train"
    assert custom.match("https://example.org/bus") is None
    assert custom.match("https://help.example.org/rail") is None


# --- generated histories --------------------------------------------------------------------------

@pytest.mark.parametrize("browser", sorted(PLUGINS))
def test_travel_visits_become_intent_reservations(run_extractor, tmp_path, browser):
    cls, build, name, store = PLUGINS[browser]
    path = build(tmp_path / name, VISITS)
    result = run_extractor(cls, path)
    assert result.status == "ok" and result.warnings == []
    data = result.data()
    assert [(item["type"], item["provider"]) for item in data] == [
        ("lodging", "booking.com"), ("flight", "ryanair.com"), ("train", "bahn.de"), ("rental_car", "hertz.co.uk"),
        ("ride", "lyft.com")]
    hotel = data[0]
    assert hotel == {
        "type": "lodging", "origin": "browser_history", "name": "Hôtel Le Petit, Paris – Booking.com",
        "trip_number": None, "reservation_number": None, "status": "intent (visit only)", "travellers": [],
        "provider": "booking.com", "departure": None,
        "arrival": {"name": "Paris", "code": None, "address": None, "latitude": None, "longitude": None},
        "start": {"utc": None, "raw": "2026-03-14", "encoding": "url_query_date:checkin", "status": "ok"},
        "end": {"utc": None, "raw": "2026-03-17", "encoding": "url_query_date:checkout", "status": "ok"},
        "start_time_zone": None, "end_time_zone": None, "booked": hotel["booked"], "seat": None,
        "ticket_token": None, "price": None, "currency": None,
        "url": "https://www.booking.com/hotel/fr/le-petit.html?checkin=2026-03-14&checkout=2026-03-17&ss=Paris"}
    assert hotel["booked"]["utc"] == "2026-02-20T21:15:30.250000Z"
    assert data[2]["name"] == "https://int.bahn.de/en/buchung/fahrplan/suche"      # no title: the URL
    locators = [item.locator for item in result.artifacts]
    assert [locator["table"] for locator in locators] == [store.visit_table] * 5
    assert [locator["rowid"] for locator in locators] == [1, 2, 4, 5, 6]


def test_visit_time_encodings_by_hand(run_extractor, tmp_path):
    """The same instant in each browser's own encoding, computed from the epoch definitions:
    2026-02-20T21:15:30.25Z is 13,416,095,730,250,000 us after 1601-01-01 (WebKit),
    1,771,622,130,250,000 us after 1970-01-01 (Firefox PRTime), 793,314,930.25 s after
    2001-01-01 (Cocoa)."""
    raw = {}
    for browser, (cls, build, name, _store) in PLUGINS.items():
        [data] = run_extractor(cls, build(tmp_path / browser / name, VISITS[:1])).data()
        assert data["booked"]["utc"] == "2026-02-20T21:15:30.250000Z", browser
        raw[browser] = (data["booked"]["raw"], data["booked"]["encoding"])
    assert raw == {"chrome": ("13416095730250000", "webkit_us"), "firefox": ("1771622130250000", "unix_us"),
                   "safari": ("793314930.25", "cocoa_s")}


@pytest.mark.parametrize("browser", sorted(PLUGINS))
def test_renamed_history_is_selected_by_schema(tmp_path, browser):
    cls, build, name, _store = PLUGINS[browser]
    path = build(tmp_path / "mydata.sqlite", VISITS)
    assert selected(cls, path, "acquisition/misc/mydata.sqlite")
    assert selected(cls, build(tmp_path / "usual" / name, VISITS), f"Users/jane/Library/{name}")
    others = [other for key, (other, *_rest) in PLUGINS.items() if key != browser]
    assert not any(selected(other, path, "acquisition/misc/mydata.sqlite") for other in others)


@pytest.mark.parametrize("browser", sorted(PLUGINS))
def test_empty_history_and_bad_values(run_extractor, tmp_path, browser):
    cls, build, name, store = PLUGINS[browser]
    assert run_extractor(cls, build(tmp_path / "empty" / name, [])).warnings == []
    path = build(tmp_path / name, VISITS[:2])
    conn = sqlite3.connect(path)
    time_column = {"chrome": "visit_time", "firefox": "visit_date", "safari": "visit_time"}[browser]
    conn.execute(f"UPDATE {store.visit_table} SET {time_column} = 0 WHERE id = 1")
    conn.execute(f"UPDATE {store.visit_table} SET {time_column} = ? WHERE id = 2", (9 * 10**18,))
    title_table = "history_visits" if browser == "safari" else store.url_table
    conn.execute(f"UPDATE {title_table} SET title = CAST(? AS TEXT) WHERE id = 1", (b"caf\xe9 \xff",))
    conn.commit()
    conn.close()
    result = run_extractor(cls, path)
    assert result.status == "ok" and codes(result) == ["text.invalid_utf8"]
    first, second = result.data()
    assert first["booked"]["status"] == "absent" and first["name"] == "caf\ufffd \ufffd"
    assert second["booked"]["status"] == "unparsable"
    assert second["booked"]["raw"] == ("9e+18" if browser == "safari" else str(9 * 10**18))   # Safari: a REAL


@pytest.mark.parametrize("browser", sorted(PLUGINS))
def test_unknown_schema_and_damaged_database(run_extractor, tmp_path, browser):
    cls, build, name, store = PLUGINS[browser]
    path = build(tmp_path / name, VISITS)
    conn = sqlite3.connect(path)
    conn.execute(f"ALTER TABLE {store.visit_table} RENAME TO old_visits")
    conn.execute(f"CREATE TABLE {store.visit_table} (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    result = run_extractor(cls, path)
    assert result.status == "ok" and result.artifacts == [] and codes(result) == ["schema.unknown_version"]
    assert all(column.startswith(f"{store.visit_table}.") for column in result.warnings[0].context["missing"])
    damaged = build(tmp_path / "damaged" / name, VISITS)
    data = damaged.read_bytes()
    damaged.write_bytes(data[:100] + bytes(len(data) - 100))
    result = run_extractor(cls, damaged)
    assert result.status == "ok" and result.artifacts == []
    assert codes(result) and set(codes(result)) <= {"sqlite.unreadable", "sqlite.damaged"}


# --- plaso's histories: no travel site, so no reservation -----------------------------------------

CORPUS_HISTORIES = {
    # file: (plugin, store, visit rows in .tables.txt, two visits checked by hand: rowid -> (url, utc))
    "chrome_History.db": (ChromeTravelIntent, CHROME, 69, {
        1: ("http://start.ubuntu.com/10.04/Google/", "2011-04-07T12:03:11Z"),                 # 12946651391000000 us
        69: ("https://chrome.google.com/webstore/detail/mfjkgbjaikamkkojmakjclmkianficch?hl=en-US#",
             "2011-05-23T08:37:27.061516Z")}),                                                 # 12950613447061516 us
    "firefox_places.sqlite": (FirefoxTravelIntent, FIREFOX, 1, {
        1: ("http://news.google.com/", "2011-07-01T11:16:21.371935Z")}),                       # 1309518981371935 us
    "safari_History.db": (SafariTravelIntent, SAFARI, 25, {
        36: ("http://start.ubuntu.com/current/Google/?sourceid=hp", "2017-11-09T21:23:34.791503Z"),   # 531955414.791503 s
        60: ("https://www.google.com/?gws_rd=ssl", "2017-11-09T21:26:46.056743Z")}),                   # 531955606.056743 s
}


def _table_rows(path: Path) -> dict[str, int]:
    rows = {}
    for line in Path(str(path) + ".tables.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            table, count = line.split("\t")
            rows[table] = int(count)
    return rows


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(CORPUS_HISTORIES))
def test_corpus_history_without_travel_sites(run_extractor, tmp_path, name):
    path = corpus_path("bookings", "plaso", name)
    cls, store, visit_rows, spot = CORPUS_HISTORIES[name]
    assert _table_rows(path)[store.visit_table] == visit_rows
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        visits = list(read_visits(conn, store))
    finally:
        conn.close()
    assert len(visits) == visit_rows                        # the reader sees every visit row
    by_id = {visit.rowid: visit for visit in visits}
    for rowid, (url, utc) in spot.items():
        assert (by_id[rowid].url, by_id[rowid].time.utc) == (url, utc)
    result = run_extractor(cls, path)
    assert result.status == "ok" and result.artifacts == [] and result.warnings == []
    renamed = tmp_path / "evidence.db"
    shutil.copyfile(path, renamed)
    assert selected(cls, renamed, "export/evidence.db")
    assert run_extractor(cls, renamed).artifacts == []


@pytest.mark.corpus
def test_corpus_safari_ride_hailing_pages_are_not_trips():
    """plaso's Safari history visits www.lyft.com and help.lyft.com: a company's home page and
    help centre, not a ride (rides are booked in the app, or on ride.lyft.com)."""
    path = corpus_path("bookings", "plaso", "safari_History.db")
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        lyft = sorted({visit.url for visit in read_visits(conn, SAFARI) if "lyft" in (visit.url or "")})
    finally:
        conn.close()
    assert lyft == ["http://lyft.com/", "https://help.lyft.com/", "https://help.lyft.com/hc/en-us",
                    "https://www.lyft.com/"]
    assert [default_domains().match(url) for url in lyft] == [None] * 4
