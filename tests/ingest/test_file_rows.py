"""The hand-optimised pieces of a files row must equal their plain definitions."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from forensic_triage.canonical import dumps
from forensic_triage.evidence.entries import FileEntry, Times
from forensic_triage.ingest.file_rows import FILE_COLUMNS, _raw_times, file_values, iso_time
from forensic_triage.store.case_store import row_digest
from forensic_triage.store.schema import COLUMNS

moments = st.tuples(st.integers(min_value=-2_000_000_000, max_value=10_000_000_000),
                    st.integers(min_value=0, max_value=999_999_999))


@given(moments)
def test_iso_time_equals_datetime_formatting(value):
    seconds, nanos = value
    expected = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        expected += f".{nanos:09d}".rstrip("0")
    assert iso_time(value) == expected + "Z"
    assert iso_time(value) == expected + "Z"      # the cached answer too


@given(st.one_of(st.none(), moments), st.one_of(st.none(), moments), st.one_of(st.none(), moments),
       st.one_of(st.none(), moments), st.sampled_from(["unix", "fat_wallclock_no_zone", 'odd "quoted" ünicode']))
def test_raw_times_is_canonical_json(mtime, atime, ctime, crtime, encoding):
    entry = FileEntry(volume_index=0, partition_offset=0, path="a", name="a", inode="1", meta_addr=1, attr_type=None,
                      attr_id=None, type="regular", tsk_type="r/r", size=0, deleted=False,
                      times=Times(mtime=mtime, atime=atime, ctime=ctime, crtime=crtime), time_encoding=encoding)
    expected = {"encoding": encoding}
    for name, value in (("mtime", mtime), ("atime", atime), ("ctime", ctime), ("crtime", crtime)):
        if value is not None:
            expected[name] = list(value)
    assert _raw_times(entry) == dumps(expected)


def test_file_row_digest_equals_the_generic_row_digest():
    assert FILE_COLUMNS == tuple(column for column in COLUMNS["files"] if column != "id")
    entry = FileEntry(volume_index=1, partition_offset=1048576, path="dir/x.db", name="x.db", inode="40-128-1",
                      meta_addr=40, attr_type=128, attr_id=1, type="regular", tsk_type="r/r", size=3, deleted=True,
                      times=Times(mtime=(1_700_000_000, 5)))
    values = file_values(7, 12, 0, entry, {"md5": "a", "sha1": "b", "sha256": "c", "blake3": "d"}, b"\x00\xffhead",
                         None)
    row = dict(zip(FILE_COLUMNS, values))
    assert row["row_digest"] == row_digest("files", row)
