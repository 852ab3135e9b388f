"""The worker's fast row encoder gives byte-for-byte the provenance JSON, artifact digest and
row digest that the general functions (and so `verify`) compute."""

from __future__ import annotations

import random

from forensic_triage.canonical import dumps
from forensic_triage.ingest.plugin_stage import ArtifactRows, artifact_digest_of_json, provenance
from forensic_triage.sdk.artifacts import ArtifactTypeError, Attachment, Call, GeoPoint, Locator, Message, checked_data
from forensic_triage.sdk.artifacts import to_data, validate
from forensic_triage.sdk.context import Source
from forensic_triage.sdk.times import TimeValue
from forensic_triage.store.case_store import digest_values

_ALPHABET = 'ab"\\\u00e9\u4e2d\n\x00\x1f/<>\u2028\U0001f600'


def test_rows_equal_the_general_encoding():
    rnd = random.Random(7)

    def text() -> str:
        return "".join(rnd.choice(_ALPHABET) for _ in range(rnd.randint(0, 12)))

    for index in range(1500):
        # Every seventh path holds the encoder's placeholder text itself: the slow path must take over.
        source = Source(path=text() + "\u0000locator\u0000" * (index % 7 == 0), name=text(), size=rnd.randint(0, 10**12),
                        sha256=text(), deleted=rnd.random() < 0.5, inode=rnd.choice([None, text()]), evidence=text(),
                        head=b"", mtime=None)
        offset, file_id, evidence_id = rnd.choice([None, 0, 1048576]), rnd.choice([None, 5]), rnd.choice([None, 1])
        rows = ArtifactRows(source, offset, text(), text(), file_id, evidence_id)
        for _ in range(3):
            kind, locator = text(), rnd.choice([{}, {"table": text(), "rowid": 4}])
            data = {text(): text(), "n": rnd.random(), "l": [text(), None, 3]}
            data_json = dumps(data)
            provenance_json = dumps(provenance(source, offset, rows.plugin, rows.version, locator))
            values = (kind, file_id, evidence_id, rows.plugin, rows.version, data_json, provenance_json,
                      artifact_digest_of_json(kind, data_json, provenance_json))
            assert rows.row(kind, data, locator) == values + (digest_values("artifacts", values),)


def test_checked_data_equals_validate_and_to_data():
    time = TimeValue(utc="2026-01-01T00:00:00Z", raw="1767225600", encoding="unix_s")
    good = [Message(app="x", body="hi", sender="+44", recipients=("a", "b"), sent=time,
                    attachments=(Attachment(name="n", size=3),), locator=Locator(table="t", rowid=1)),
            GeoPoint(latitude=1, longitude=2.5, origin="exif"), Call(app="x", missed=False, duration_s=3)]
    for artifact in good:
        validate(artifact)
        assert checked_data(artifact) == to_data(artifact)
    bad = [Message(app=1), Message(app="x", recipients=["a"]),
           GeoPoint(latitude=float("nan"), longitude=1.0, origin="e"), Message(app="x", sent="2020"),
           Message(app="x", attachments=(Attachment(size="3"),)), Call(app="x", missed=1), "not an artifact"]
    for artifact in bad:
        try:
            checked_data(artifact)
        except ArtifactTypeError as exc:
            assert str(exc)          # says which field and why
        else:
            raise AssertionError(f"accepted {artifact!r}")
