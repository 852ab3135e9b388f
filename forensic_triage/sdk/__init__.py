"""The plugin SDK: everything a plugin author imports comes from here.

    from forensic_triage.sdk import Extractor, Select, Message, ...

Names listed in __all__ are the public, versioned API (see API_VERSION).
"""

from forensic_triage.sdk.artifacts import (INCOMING, OUTGOING, UNKNOWN, Account, Artifact, Attachment, Call, Contact,
                                           GeoPoint, Locator, Message, Place, Reservation, SignatureMismatch,
                                           SQLiteDatabase, TableInfo)
from forensic_triage.sdk.context import Context, Source
from forensic_triage.sdk.extractor import API_VERSION, SQLITE_MAGIC, Extractor, PluginWarning, Select
from forensic_triage.sdk.times import TimeValue

__all__ = [
    "API_VERSION", "Extractor", "Select", "PluginWarning", "Context", "Source", "SQLITE_MAGIC",
    "Artifact", "Message", "Call", "Contact", "Account", "GeoPoint", "Reservation", "SQLiteDatabase",
    "SignatureMismatch", "Attachment", "Place", "TableInfo", "Locator", "TimeValue",
    "INCOMING", "OUTGOING", "UNKNOWN",
]
