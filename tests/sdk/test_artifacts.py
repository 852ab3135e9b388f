"""forensic_triage.sdk.artifacts: validate(), to_data(), locator_data() and the dataclass shapes."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import ClassVar

import pytest

from forensic_triage.sdk import times
from forensic_triage.sdk.artifacts import (KINDS, Account, Artifact, ArtifactTypeError, Attachment, Call, Contact,
                                           GeoPoint, Locator, Message, Place, Reservation, SignatureMismatch,
                                           SQLiteDatabase, TableInfo, field_names, locator_data, to_data, validate)
from forensic_triage.sdk.times import TimeValue

SENT = times.unix_ms(1700000000000)


def good_artifacts() -> list[Artifact]:
    return [
        Message(app="sms", body="hi", sender="+441234", recipients=("+449876", "+440000"), direction="outgoing",
                sent=SENT, received=None, attachments=(Attachment(name="a.jpg", size=10, sha256="00" * 32),),
                locator=Locator(table="message", rowid=7)),
        Message(app="sms"),
        Call(app="phone", parties=("+441234",), start=SENT, duration_s=12, video=False, missed=None),
        Call(app="phone", duration_s=1.5, missed=True),
        Contact(app="contacts", display_name="Ann", phones=("07700 900000",), phones_e164=("+447700900000",)),
        Account(app="whatsapp", identifier="4477@s.whatsapp.net"),
        GeoPoint(latitude=51.5, longitude=-0.12, origin="exif", altitude=10, time=SENT),
        GeoPoint(latitude=0, longitude=0, origin="exif"),           # ints are accepted where floats are annotated
        Reservation(type="flight", origin="ics", departure=Place(code="LHR", latitude=51.47, longitude=-0.45),
                    arrival=Place(name="Berlin"), start=SENT, travellers=("A", "B")),
        SQLiteDatabase(tables=(TableInfo(name="t", columns=("a", "b"), rows=3), TableInfo(name="u", rows=None)),
                       page_size=4096, journal_mode="wal", wal_present=True, freelist_pages=0),
        SignatureMismatch(extension="jpg", detected_type="sqlite", expected_extensions=("db", "sqlite")),
    ]


@pytest.mark.parametrize("artifact", good_artifacts(), ids=lambda a: type(a).__name__)
def test_validate_accepts_good_artifacts(artifact):
    assert validate(artifact) is artifact


def test_kinds_registry():
    assert set(KINDS) == {"message", "call", "contact", "account", "geo_point", "reservation", "sqlite_database",
                          "signature_mismatch"}
    for kind, cls in KINDS.items():
        assert cls.kind == kind


@pytest.mark.parametrize(("artifact", "fragment"), [
    (Message(app="sms", recipients=["a", "b"]), "message.recipients: expected a tuple, got list"),
    (Message(app="sms", attachments=[Attachment()]), "expected a tuple"),
    (SQLiteDatabase(tables=[TableInfo(name="t")]), "expected a tuple"),
    (Message(app="sms", recipients=("a", 1)), "message.recipients[1]"),
    (Message(app=None), "message.app"),                                            # required str
    (Message(app=b"sms"), "message.app"),
    (Message(app="sms", deleted=1), "message.deleted"),                            # int where bool
    (Message(app="sms", deleted=None), "message.deleted"),
    (Message(app="sms", attachments=(Attachment(size=True),)), "attachments[0].size: bool is not int | None"),
    (SQLiteDatabase(tables=(), page_size=True), "page_size: bool is not int | None"),
    (SQLiteDatabase(tables=(TableInfo(name="t", rows=False),)), "tables[0].rows"),
    (SQLiteDatabase(tables=(TableInfo(name="t", rows=1.0),)), "tables[0].rows"),   # float where int
    (GeoPoint(latitude=float("nan"), longitude=0.0, origin="exif"), "not a finite number"),
    (GeoPoint(latitude=1.0, longitude=float("inf"), origin="exif"), "not a finite number"),
    (GeoPoint(latitude=True, longitude=0.0, origin="exif"), "geo_point.latitude"),
    (GeoPoint(latitude="51.5", longitude=0.0, origin="exif"), "geo_point.latitude"),
    (Call(app="phone", duration_s=float("-inf")), "call.duration_s"),
    (Reservation(type="flight", origin="ics", departure=Place(latitude=float("nan"))), "departure"),
    (Reservation(type="flight", origin="ics", departure=Attachment(name="x")), "reservation.departure"),
    (Reservation(type="flight", origin="ics", arrival={"name": "Berlin"}), "reservation.arrival"),
    (Message(app="sms", attachments=(Place(name="x"),)), "attachments[0]"),
    (Message(app="sms", sent="2023-11-14T22:13:20Z"), "message.sent"),             # text where TimeValue
    (Message(app="sms", sent=TimeValue(utc=123, raw=None, encoding="unix_s")), "message.sent"),
    (Message(app="sms", locator=Locator(rowid="7")), "message.locator"),
    (Message(app="sms", locator={"rowid": 7}), "message.locator"),
    (SignatureMismatch(extension="jpg", detected_type="sqlite", expected_extensions=("db", None)),
     "expected_extensions[1]"),
])
def test_validate_rejects_bad_fields(artifact, fragment):
    with pytest.raises(ArtifactTypeError) as caught:
        validate(artifact)
    assert fragment in str(caught.value)


@pytest.mark.parametrize("obj", [
    None, 1, "message", {"kind": "message", "app": "x"}, Attachment(name="x"), TableInfo(name="t"),
    Locator(rowid=1), SENT, Artifact(),
])
def test_validate_rejects_non_artifacts(obj):
    with pytest.raises(ArtifactTypeError, match="not an artifact kind"):
        validate(obj)


def test_validate_rejects_unregistered_subclass_and_lookalike():
    @dataclass(frozen=True, kw_only=True, slots=True)
    class MyMessage(Message):
        extra: str = ""

    @dataclass(frozen=True, kw_only=True)
    class Lookalike(Artifact):
        kind: ClassVar[str] = "message"
        app: str

    with pytest.raises(ArtifactTypeError, match="not an artifact kind"):
        validate(MyMessage(app="x"))
    with pytest.raises(ArtifactTypeError, match="not an artifact kind"):
        validate(Lookalike(app="x"))


def test_artifact_type_error_is_a_type_error():
    assert issubclass(ArtifactTypeError, TypeError)


# --- to_data / locator_data -----------------------------------------------------------------

def test_to_data_drops_locator_and_makes_plain_json():
    message = good_artifacts()[0]
    data = to_data(message)
    assert "locator" not in data
    assert "kind" not in data
    assert data["recipients"] == ["+449876", "+440000"]
    assert data["sent"] == {"utc": "2023-11-14T22:13:20Z", "raw": "1700000000000", "encoding": "unix_ms",
                            "status": "ok"}
    assert data["attachments"] == [{"name": "a.jpg", "mime_type": None, "size": 10, "sha256": "00" * 32,
                                    "path": None}]
    assert list(data) == field_names("message")
    # Canonical JSON is stable and round-trips.
    text = json.dumps(data, sort_keys=True)
    assert json.loads(text) == data


def test_to_data_nested_tuples_become_lists():
    db = SQLiteDatabase(tables=(TableInfo(name="t", columns=("a", "b"), rows=1),))
    data = to_data(db)
    assert data["tables"] == [{"name": "t", "columns": ["a", "b"], "rows": 1}]
    assert isinstance(data["tables"][0]["columns"], list)


@pytest.mark.parametrize("artifact", good_artifacts(), ids=lambda a: type(a).__name__)
def test_to_data_keys_match_field_names(artifact):
    data = to_data(artifact)
    assert list(data) == field_names(artifact.kind)
    json.dumps(data)   # JSON-able


def test_locator_data():
    assert locator_data(None) == {}
    assert locator_data(Locator()) == {}
    assert locator_data(Locator(table="message", rowid=0, offset=None)) == {"table": "message", "rowid": 0}
    assert locator_data(Locator(offset=0, length=100, line=3)) == {"offset": 0, "length": 100, "line": 3}


def test_field_names_exclude_locator():
    for kind in KINDS:
        names = field_names(kind)
        assert "locator" not in names
        assert "kind" not in names
    assert field_names("signature_mismatch") == ["extension", "detected_type", "expected_extensions"]


# --- dataclass shape ------------------------------------------------------------------------

@pytest.mark.parametrize("artifact", good_artifacts(), ids=lambda a: type(a).__name__)
def test_artifacts_are_frozen(artifact):
    first = dataclasses.fields(artifact)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(artifact, first, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        artifact.locator = None  # type: ignore[misc]


@pytest.mark.parametrize("value", [Attachment(), Place(), TableInfo(name="t"), Locator(), SENT])
def test_value_types_are_frozen(value):
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, dataclasses.fields(value)[0].name, "x")


def test_artifacts_are_keyword_only():
    with pytest.raises(TypeError):
        Message("sms")  # type: ignore[misc]
    with pytest.raises(TypeError):
        GeoPoint(1.0, 2.0, "exif")  # type: ignore[misc]
    with pytest.raises(TypeError):
        TableInfo("t")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Locator("t", 1)  # type: ignore[misc]


def test_required_fields_are_required():
    with pytest.raises(TypeError):
        Message()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        SQLiteDatabase()  # type: ignore[call-arg]


def test_no_instance_dict():
    # slots=True: a plugin cannot smuggle extra attributes onto an artifact.
    message = Message(app="sms")
    assert not hasattr(message, "__dict__")
    with pytest.raises((AttributeError, TypeError)):
        message.extra = 1  # type: ignore[attr-defined]


def test_equal_artifacts_compare_equal_and_hash():
    assert Message(app="a", recipients=("x",)) == Message(app="a", recipients=("x",))
    assert hash(Message(app="a", sent=SENT)) == hash(Message(app="a", sent=SENT))
