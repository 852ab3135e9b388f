"""forensic_triage.sdk.extractor: compile_glob, Select validation and matching."""

from __future__ import annotations

import dataclasses

import pytest

from forensic_triage.sdk.extractor import (API_VERSION, HEAD_BYTES, SQLITE_MAGIC, Extractor, PluginWarning, Select,
                                           compile_glob)


def matches(pattern: str, path: str, case_sensitive: bool = False) -> bool:
    return bool(compile_glob(pattern, case_sensitive).fullmatch(path))


# --- compile_glob ----------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "path", "expected"), [
    # "**/" is zero or more folders
    ("**/mmssms.db", "mmssms.db", True),
    ("**/mmssms.db", "data/mmssms.db", True),
    ("**/mmssms.db", "data/data/com.android.providers.telephony/databases/mmssms.db", True),
    ("**/mmssms.db", "data/xmmssms.db", False),
    ("**/mmssms.db", "data/mmssms.db-wal", False),
    ("data/**/sms.db", "data/sms.db", True),
    ("data/**/sms.db", "data/a/b/c/sms.db", True),
    ("data/**/sms.db", "other/data/sms.db", False),
    ("**/Library/SMS/sms.db", "private/var/mobile/Library/SMS/sms.db", True),
    # "**" without a slash spans folders too
    ("data/**", "data/a/b/c.db", True),
    ("**.db", "a/b/c.db", True),
    # "*" stays within one name
    ("*.db", "app.db", True),
    ("*.db", "dir/app.db", False),
    ("data/*/app.db", "data/x/app.db", True),
    ("data/*/app.db", "data/x/y/app.db", False),
    ("data/*/app.db", "data//app.db", True),
    ("*", "", True),
    # "?" is one character, never a slash
    ("file?.txt", "file1.txt", True),
    ("file?.txt", "file.txt", False),
    ("file?.txt", "file12.txt", False),
    ("a?b", "a/b", False),
    # "[...]" character classes, "[!...]" negated
    ("file[0-9].txt", "file7.txt", True),
    ("file[0-9].txt", "fileA.txt", False),
    ("file[abc].txt", "fileb.txt", True),
    ("file[!abc].txt", "filed.txt", True),
    ("file[!abc].txt", "filea.txt", False),
    # regex metacharacters are literal
    ("a+b (1).db", "a+b (1).db", True),
    ("a+b (1).db", "aab (1).db", False),
    ("a.db", "aXdb", False),
    ("c$^{2}|x.db", "c$^{2}|x.db", True),
    # leading "/" is ignored
    ("/data/*.db", "data/x.db", True),
    # full match, not search
    ("*.db", "x.db.bak", False),
    ("app.db", "xapp.db", False),
])
def test_compile_glob(pattern, path, expected):
    assert matches(pattern, path) is expected


def test_compile_glob_case_insensitive_by_default():
    assert matches("**/ChatStorage.sqlite", "Mobile/chatstorage.SQLITE")
    assert matches("**/*.DB", "x/y.db")
    assert not matches("**/ChatStorage.sqlite", "Mobile/chatstorage.sqlite", case_sensitive=True)
    assert matches("**/ChatStorage.sqlite", "Mobile/ChatStorage.sqlite", case_sensitive=True)


def test_compile_glob_unclosed_bracket():
    with pytest.raises(ValueError, match="unclosed"):
        compile_glob("file[0-9.txt")


def test_compile_glob_backslash_in_class_is_literal():
    assert matches("a[\\]b", "a\\b")
    assert not matches("a[\\]b", "a]b")


# --- Select validation -------------------------------------------------------------------------

def test_select_needs_a_condition():
    with pytest.raises(ValueError, match="at least one"):
        Select()
    with pytest.raises(ValueError, match="at least one"):
        Select(case_sensitive=True, magic_offset=4)


@pytest.mark.parametrize(("magic", "offset"), [
    (b"x" * (HEAD_BYTES + 1), 0),
    (b"ab", HEAD_BYTES - 1),
    (b"a", HEAD_BYTES),
    (b"a", -1),
])
def test_select_magic_must_lie_in_head(magic, offset):
    with pytest.raises(ValueError, match=f"first {HEAD_BYTES} bytes"):
        Select(magic=magic, magic_offset=offset)


def test_select_magic_at_the_edge_is_fine():
    Select(magic=b"x" * HEAD_BYTES)
    Select(magic=b"a", magic_offset=HEAD_BYTES - 1)


@pytest.mark.parametrize("magic", [b"", "SQLite", bytearray(b"SQLite")])
def test_select_magic_must_be_nonempty_bytes(magic):
    with pytest.raises(ValueError, match="non-empty bytes"):
        Select(magic=magic)


@pytest.mark.parametrize("tables", [{}, {"message": "text"}, {1: ["a"]}])
def test_select_sqlite_tables_validation(tables):
    with pytest.raises(ValueError, match="sqlite_tables"):
        Select(sqlite_tables=tables)


def test_select_is_frozen_and_keyword_only():
    select = Select(glob="*.db")
    with pytest.raises(dataclasses.FrozenInstanceError):
        select.glob = "*.txt"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Select("*.db")  # type: ignore[misc]


def test_select_equality_ignores_compiled_pattern():
    assert Select(glob="*.db") == Select(glob="*.db")
    assert Select(glob="*.db") != Select(glob="*.DB")


# --- matching --------------------------------------------------------------------------------

def test_matches_path():
    select = Select(glob="**/sms.db")
    assert select.matches_path("private/var/mobile/Library/SMS/sms.db")
    assert select.matches_path("SMS.DB")
    assert not select.matches_path("sms.db-wal")
    assert Select(magic=b"x").matches_path("anything/at/all")        # no glob: any path
    assert not Select(glob="**/sms.db", case_sensitive=True).matches_path("SMS.DB")


def test_matches_head_magic_with_offset():
    select = Select(magic=b"ftyp", magic_offset=4)
    assert select.matches_head(b"\x00\x00\x00\x18ftypmp42")
    assert not select.matches_head(b"ftyp\x00\x00\x00\x18")
    assert not select.matches_head(b"\x00\x00\x00")           # too short
    assert not select.matches_head(None)
    assert not select.matches_head(b"")


def test_matches_head_without_magic_is_true():
    assert Select(glob="*.db").matches_head(None)
    assert Select(glob="*.db").matches_head(b"garbage")


def test_sqlite_tables_imply_sqlite_magic():
    select = Select(sqlite_tables={"message": ["text"]})
    assert select.needs_schema
    assert select.matches_head(SQLITE_MAGIC + b"\x10\x00")
    assert not select.matches_head(b"not a database at all")
    assert not select.matches_head(None)
    assert not select.matches_head(SQLITE_MAGIC[:-1])
    # The glob does not relax it either.
    assert not Select(glob="*.db", sqlite_tables={"t": []}).matches_head(b"\x00" * 64)
    assert not Select(glob="*.db").needs_schema


def test_matches_head_magic_and_sqlite_tables_both_hold():
    select = Select(magic=b"\x10\x00", magic_offset=16, sqlite_tables={"t": []})
    assert select.matches_head(SQLITE_MAGIC + b"\x10\x00")
    assert not select.matches_head(SQLITE_MAGIC + b"\x20\x00")


def test_matches_schema_is_case_insensitive():
    select = Select(sqlite_tables={"Message": ["ROWID", "text"], "handle": []})
    assert select.matches_schema({"message": {"rowid", "TEXT", "date"}, "HANDLE": {"id"}})
    assert select.matches_schema({"MESSAGE": {"RowID", "Text"}, "handle": set()})


def test_matches_schema_missing_table_or_column():
    select = Select(sqlite_tables={"message": ["text", "date"]})
    assert not select.matches_schema({"message": {"text"}})
    assert not select.matches_schema({"messages": {"text", "date"}})
    assert not select.matches_schema({})
    assert select.matches_schema({"message": {"text", "date", "extra"}, "other": {"x"}})
    assert Select(glob="*.db").matches_schema({})        # no schema condition


def test_describe():
    select = Select(glob="**/sms.db", magic=b"SQLite", sqlite_tables={"message": ["text", "date"]})
    text = select.describe()
    assert "glob **/sms.db" in text
    assert "magic b'SQLite'@0" in text
    assert "sqlite message(text, date)" in text


# --- PluginWarning and Extractor ---------------------------------------------------------------

def test_plugin_warning_defaults():
    warning = PluginWarning(message="row 3 unreadable")
    assert warning.code == "plugin.warning"
    assert warning.locator is None
    assert warning.context == {}
    with pytest.raises(TypeError):
        PluginWarning("positional")  # type: ignore[misc]


def test_extractor_defaults():
    assert Extractor.api_version == API_VERSION == "1.1"
    assert Extractor.time_limit > 0
    with pytest.raises(NotImplementedError):
        Extractor().extract(None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("pattern", "path"), [("data[!x]file.db", "data/file.db"), ("a[!.]b", "a/b")])
def test_compile_glob_class_stays_within_one_name(pattern, path):
    assert not matches(pattern, path)
