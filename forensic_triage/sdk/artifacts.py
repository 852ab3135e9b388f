"""Artifact kinds: frozen, keyword-only dataclasses with simple field types.

A plugin yields these; the host checks each field against its annotation, stamps provenance
and the artifact digest, and writes them. Fields hold only str, int, float, bool, None,
TimeValue, the small value types below, or tuples of those, so every artifact serialises to
the same canonical JSON on every machine.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar

from forensic_triage.sdk.times import TimeValue

# Direction words used by message and call artifacts.
INCOMING = "incoming"
OUTGOING = "outgoing"
UNKNOWN = "unknown"


@dataclass(frozen=True, kw_only=True, slots=True)
class Attachment:
    """A file sent with a message: what the store says about it, and where it is in the evidence."""

    name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    path: str | None = None          # the attachment file's path in the evidence, where it exists


@dataclass(frozen=True, kw_only=True, slots=True)
class Place:
    """A place in a reservation: airport, station, hotel, pick-up desk."""

    name: str | None = None
    code: str | None = None          # IATA airport code, station code, ...
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class TableInfo:
    """One table of an SQLite database: name, columns, row count."""

    name: str
    columns: tuple[str, ...] = ()
    rows: int | None = None          # None when the table could not be counted


@dataclass(frozen=True, kw_only=True, slots=True)
class Locator:
    """Where inside the source file an artifact came from, so anyone can find the bytes again."""

    table: str | None = None         # SQLite table ...
    rowid: int | None = None         # ... and row
    offset: int | None = None        # byte offset in the source file
    length: int | None = None
    member: str | None = None        # member of an archive (zip, pkpass, ...)
    pointer: str | None = None       # JSON pointer (RFC 6901) or XPath inside a document
    line: int | None = None          # line number in a text file


@dataclass(frozen=True, kw_only=True, slots=True)
class Artifact:
    """Base of every artifact kind; ``kind`` is the stable name stored with each row.
    ``locator`` is not part of the artifact's data: the host moves it into provenance."""

    kind: ClassVar[str] = ""
    locator: Locator | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Message(Artifact):
    """One chat, SMS/MMS, e-mail-like or app message."""

    kind: ClassVar[str] = "message"
    app: str
    body: str | None = None
    subject: str | None = None
    account: str | None = None
    thread_id: str | None = None
    thread_name: str | None = None
    sender: str | None = None
    recipients: tuple[str, ...] = ()
    direction: str = UNKNOWN
    service: str | None = None           # e.g. "SMS", "MMS", "iMessage", when one store holds several
    sent: TimeValue | None = None
    received: TimeValue | None = None
    delivered: TimeValue | None = None
    read: TimeValue | None = None
    attachments: tuple[Attachment, ...] = ()
    deleted: bool = False                # the store marks it deleted (e.g. iMessage deleted_messages)
    recovered: bool = False              # rebuilt from freed pages or old WAL frames (see locator)


@dataclass(frozen=True, kw_only=True, slots=True)
class Call(Artifact):
    """One voice or video call, including missed and rejected ones."""

    kind: ClassVar[str] = "call"
    app: str
    parties: tuple[str, ...] = ()
    account: str | None = None
    direction: str = UNKNOWN
    start: TimeValue | None = None
    duration_s: float | None = None
    video: bool = False
    missed: bool | None = None
    attachments: tuple[Attachment, ...] = ()  # voicemail audio, call recordings
    deleted: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Contact(Artifact):
    """One entry of an address book or an app's contact list."""

    kind: ClassVar[str] = "contact"
    app: str
    display_name: str | None = None
    phones: tuple[str, ...] = ()         # as stored
    phones_e164: tuple[str, ...] = ()    # normalised where possible
    emails: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    organisation: str | None = None
    deleted: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Account(Artifact):
    """An account of the device owner in an app (who "me" is in that app's store)."""

    kind: ClassVar[str] = "account"
    app: str
    identifier: str
    display_name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class GeoPoint(Artifact):
    """A position on Earth with its time and where it came from (photo EXIF, video, app)."""

    kind: ClassVar[str] = "geo_point"
    latitude: float
    longitude: float
    origin: str                          # exif, video, app name, ...
    altitude: float | None = None
    accuracy_m: float | None = None
    time: TimeValue | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    place_name: str | None = None        # nearest place from the offline gazetteer
    country_code: str | None = None
    time_zone: str | None = None         # IANA zone at the point (offline)
    local_time: str | None = None        # `time` in that zone, ISO 8601 with offset
    image_width: int | None = None
    image_height: int | None = None
    media_path: str | None = None        # the photo or video a database row describes, in the evidence


@dataclass(frozen=True, kw_only=True, slots=True)
class Reservation(Artifact):
    """A booking: flight, lodging, train, bus, rental car or event, from any source."""

    kind: ClassVar[str] = "reservation"
    type: str                            # flight, lodging, train, bus, rental_car, event
    origin: str                          # json-ld, microdata, ics, pkpass, bcbp, app database, ...
    name: str | None = None              # hotel, event, or trip name as booked
    trip_number: str | None = None       # flight or train number, e.g. "LH 1234"
    reservation_number: str | None = None
    status: str | None = None            # confirmed, cancelled
    travellers: tuple[str, ...] = ()
    provider: str | None = None
    departure: Place | None = None
    arrival: Place | None = None
    start: TimeValue | None = None
    end: TimeValue | None = None
    start_time_zone: str | None = None   # IANA zone of the departure/check-in place, where known
    end_time_zone: str | None = None
    booked: TimeValue | None = None
    seat: str | None = None
    ticket_token: str | None = None
    price: str | None = None
    currency: str | None = None
    url: str | None = None               # the page a browser-history intent or a mail link points at


@dataclass(frozen=True, kw_only=True, slots=True)
class SQLiteDatabase(Artifact):
    """An inventory entry for an SQLite database: what is in it, before any app plugin."""

    kind: ClassVar[str] = "sqlite_database"
    tables: tuple[TableInfo, ...]
    page_size: int | None = None
    user_version: int | None = None
    journal_mode: str | None = None      # "wal" or "rollback", from the header's version bytes
    wal_present: bool = False
    freelist_pages: int | None = None    # free pages may hold deleted records


@dataclass(frozen=True, kw_only=True, slots=True)
class SignatureMismatch(Artifact):
    """A file whose content signature contradicts its extension (e.g. an SQLite database
    named ``holiday.jpg``): a classic way to hide data."""

    kind: ClassVar[str] = "signature_mismatch"
    extension: str
    detected_type: str
    expected_extensions: tuple[str, ...]


KINDS: dict[str, type[Artifact]] = {
    cls.kind: cls
    for cls in (Message, Call, Contact, Account, GeoPoint, Reservation, SQLiteDatabase, SignatureMismatch)
}
VALUE_TYPES: tuple[type, ...] = (TimeValue, Attachment, Place, TableInfo, Locator)


class ArtifactTypeError(TypeError):
    """A yielded object that is not a well-formed artifact."""


def _check(value: Any, annotation: Any, where: str) -> None:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(annotation):
            try:
                _check(value, option, where)
                return
            except ArtifactTypeError as exc:
                errors.append(str(exc))
        raise ArtifactTypeError(f"{where}: {type(value).__name__} is not {annotation}")
    if annotation is type(None):
        if value is not None:
            raise ArtifactTypeError(f"{where}: expected None")
        return
    if origin is tuple:
        if not isinstance(value, tuple):
            raise ArtifactTypeError(f"{where}: expected a tuple, got {type(value).__name__}")
        (item_type, _ellipsis) = typing.get_args(annotation)
        for index, item in enumerate(value):
            _check(item, item_type, f"{where}[{index}]")
        return
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ArtifactTypeError(f"{where}: expected a number, got {type(value).__name__}")
        if value != value or value in (float("inf"), float("-inf")):
            raise ArtifactTypeError(f"{where}: not a finite number")
        return
    if annotation is int and isinstance(value, bool):
        raise ArtifactTypeError(f"{where}: expected int, got bool")
    if not isinstance(value, annotation):
        raise ArtifactTypeError(f"{where}: expected {annotation.__name__}, got {type(value).__name__}")
    if annotation in VALUE_TYPES:
        _check_fields(value, where)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _check_fields(obj: Any, where: str) -> None:
    hints = _hints(type(obj))
    for field in dataclasses.fields(obj):
        _check(getattr(obj, field.name), hints[field.name], f"{where}.{field.name}")


# --- fast paths -----------------------------------------------------------------------------------
# A plugin can yield millions of artifacts; checking and converting each through typing
# introspection would cost more than parsing the app's database. Each class gets, once, a
# compiled checker per field; the slow, detailed _check above only runs to explain a failure.

_SIMPLE = {str: str, int: int, float: float, bool: bool}
_CHECKERS: dict[type, tuple[tuple[str, Any], ...]] = {}
_FIELDS: dict[type, tuple[str, ...]] = {}


def _compile(annotation: Any):
    """A predicate that says whether a value fits ``annotation`` (no messages)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(annotation) if option is not type(None)]
        if len(options) == 1:        # the common "X | None"
            inner = _compile(options[0])
            return lambda value: value is None or inner(value)
        compiled = [_compile(option) for option in typing.get_args(annotation)]
        return lambda value: any(option(value) for option in compiled)
    if annotation is type(None):
        return lambda value: value is None
    if origin is tuple:
        item = _compile(typing.get_args(annotation)[0])

        def check_tuple(value) -> bool:
            if type(value) is not tuple:
                return False
            for each in value:
                if not item(each):
                    return False
            return True
        return check_tuple
    if annotation is float:
        return lambda value: (type(value) is float and value == value and value not in (_INF, -_INF)) \
            or type(value) is int
    if annotation in (str, int, bool):
        return lambda value, wanted=annotation: type(value) is wanted
    if annotation in VALUE_TYPES:
        return lambda value, wanted=annotation: type(value) is wanted and _fields_ok(value)
    return lambda value, wanted=annotation: isinstance(value, wanted)


_INF = float("inf")


def _checkers(cls: type) -> tuple[tuple[str, Any], ...]:
    found = _CHECKERS.get(cls)
    if found is None:
        hints = _hints(cls)
        found = _CHECKERS[cls] = tuple((field.name, _compile(hints[field.name])) for field in dataclasses.fields(cls))
    return found


def _fields_ok(obj: Any) -> bool:
    for name, check in _checkers(type(obj)):
        if not check(getattr(obj, name)):
            return False
    return True


def validate(obj: object) -> Artifact:
    """Raise ArtifactTypeError unless ``obj`` is a registered artifact kind with well-typed fields."""
    cls = type(obj)
    if not isinstance(obj, Artifact) or KINDS.get(cls.kind) is not cls:
        raise ArtifactTypeError(f"yielded {cls.__module__}.{cls.__qualname__}, which is not an artifact kind")
    if not _fields_ok(obj):
        _check_fields(obj, cls.kind)       # says which field and why
        raise ArtifactTypeError(f"{cls.kind}: a field does not fit its type")
    return obj


def _names(cls: type) -> tuple[str, ...]:
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(field.name for field in dataclasses.fields(cls) if field.name != "locator")
    return found


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _SIMPLE or value is None:
        return value
    if kind is tuple or kind is list:
        return [_plain(item) for item in value]
    if kind is dict:
        return {key: _plain(item) for key, item in value.items()}
    return {name: _plain(getattr(value, name)) for name in _names(kind)}


def to_data(obj: Artifact) -> dict[str, Any]:
    """Plain JSON-able fields of an artifact (tuples become lists), without its locator."""
    return {name: _plain(getattr(obj, name)) for name in _names(type(obj))}


def locator_data(locator: Locator | None) -> dict[str, Any]:
    if locator is None:
        return {}
    return {name: value for name in _names(Locator) if (value := getattr(locator, name)) is not None}


def field_names(kind: str) -> list[str]:
    return [field.name for field in dataclasses.fields(KINDS[kind]) if field.name != "locator"]


# --- one-pass check and conversion ------------------------------------------------------------------
# The host's hot path: for each class, Python source is generated once that checks every field
# and builds the plain dict in the same pass (no per-field lambdas, no getattr loops). It gives
# exactly what validate() + to_data() give; on any misfit it falls back to them for the message.

_CONVERTERS: dict[type, Any] = {}


def _emit_value(lines: list[str], indent: str, annotation: Any, source: str, target: str, names: dict[str, Any],
                depth: int = 0) -> None:
    """Append lines that check `source` against `annotation` and assign its plain form to
    `target`, or `return None` from the generated function when it does not fit."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(annotation) if option is not type(None)]
        if len(options) == 1 and len(typing.get_args(annotation)) == 2:
            lines.append(f"{indent}if {source} is None:")
            lines.append(f"{indent}    {target} = None")
            lines.append(f"{indent}else:")
            _emit_value(lines, indent + "    ", options[0], source, target, names, depth)
            return
    elif origin is tuple and len(typing.get_args(annotation)) == 2 and typing.get_args(annotation)[1] is Ellipsis:
        item = typing.get_args(annotation)[0]
        each, plain = f"_e{depth}", f"_p{depth}"
        lines.append(f"{indent}if type({source}) is not tuple:")
        lines.append(f"{indent}    return None")
        lines.append(f"{indent}{target} = []")
        lines.append(f"{indent}for {each} in {source}:")
        _emit_value(lines, indent + "    ", item, each, plain, names, depth + 1)
        lines.append(f"{indent}    {target}.append({plain})")
        return
    elif annotation in (str, int, bool):
        lines.append(f"{indent}if type({source}) is not {annotation.__name__}:")
        lines.append(f"{indent}    return None")
        lines.append(f"{indent}{target} = {source}")
        return
    elif annotation is float:
        lines.append(f"{indent}if not ((type({source}) is float and {source} == {source} and "
                     f"{source} != _INF and {source} != -_INF) or type({source}) is int):")
        lines.append(f"{indent}    return None")
        lines.append(f"{indent}{target} = {source}")
        return
    elif annotation in VALUE_TYPES:
        name = f"_conv_{annotation.__name__}"
        names[name] = _converter(annotation)
        names[f"_T_{annotation.__name__}"] = annotation
        lines.append(f"{indent}if type({source}) is not _T_{annotation.__name__}:")
        lines.append(f"{indent}    return None")
        lines.append(f"{indent}{target} = {name}({source})")
        lines.append(f"{indent}if {target} is None:")
        lines.append(f"{indent}    return None")
        return
    # Anything else keeps the general checker and converter.
    check = f"_check_{len(names)}"
    names[check] = _compile(annotation)
    names["_plain"] = _plain
    lines.append(f"{indent}if not {check}({source}):")
    lines.append(f"{indent}    return None")
    lines.append(f"{indent}{target} = _plain({source})")


def _converter(cls: type):
    """The generated function for `cls`: object -> plain dict (without locator), or None."""
    found = _CONVERTERS.get(cls)
    if found is not None:
        return found
    hints = _hints(cls)
    names: dict[str, Any] = {"_INF": _INF}
    lines = ["def convert(obj):"]
    fields = [field.name for field in dataclasses.fields(cls)]
    for index, name in enumerate(fields):
        lines.append(f"    _v{index} = obj.{name}")
        _emit_value(lines, "    ", hints[name], f"_v{index}", f"_d{index}", names)
    kept = [(index, name) for index, name in enumerate(fields) if name != "locator"]
    lines.append("    return {" + ", ".join(f"{name!r}: _d{index}" for index, name in kept) + "}")
    exec(compile("\n".join(lines), f"<artifact converter {cls.__name__}>", "exec"), names)  # noqa: S102 - own code
    found = _CONVERTERS[cls] = names["convert"]
    return found


def checked_data(obj: object) -> dict[str, Any]:
    """validate(obj) and to_data(obj) in one pass: the plain fields of a registered artifact
    kind, or ArtifactTypeError saying what does not fit."""
    cls = type(obj)
    if not isinstance(obj, Artifact) or KINDS.get(cls.kind) is not cls:
        raise ArtifactTypeError(f"yielded {cls.__module__}.{cls.__qualname__}, which is not an artifact kind")
    data = _converter(cls)(obj)
    if data is None:
        validate(obj)                     # raises with the field and the reason
        raise ArtifactTypeError(f"{cls.kind}: a field does not fit its type")
    return data
