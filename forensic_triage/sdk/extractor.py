"""What a plugin author writes: an Extractor subclass with declarative selectors."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from forensic_triage.sdk.artifacts import Artifact, Locator

if TYPE_CHECKING:
    from forensic_triage.sdk.context import Context, Source

API_VERSION = "1.1"
HEAD_BYTES = 64          # magic must lie in the first HEAD_BYTES bytes (the host keeps them per file)
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True, kw_only=True, slots=True)
class Select:
    """One way a plugin picks its files. Every condition given must hold; a plugin's
    ``selects`` list matches when any one Select does.

    glob: path glob from the file-system root ("**" spans folders), case-insensitive unless
          case_sensitive is set.
    magic / magic_offset: bytes the content must hold at that offset.
    sqlite_tables: tables (and columns in each) an SQLite database must have; selects a
          renamed database by its schema. Implies the SQLite magic.
    """

    glob: str | None = None
    magic: bytes | None = None
    magic_offset: int = 0
    sqlite_tables: Mapping[str, Sequence[str]] | None = None
    case_sensitive: bool = False
    _pattern: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.glob is None and self.magic is None and self.sqlite_tables is None:
            raise ValueError("a Select needs at least one of glob, magic or sqlite_tables")
        if self.magic is not None:
            if not isinstance(self.magic, bytes) or not self.magic:
                raise ValueError("magic must be non-empty bytes")
            if self.magic_offset < 0 or self.magic_offset + len(self.magic) > HEAD_BYTES:
                raise ValueError(f"magic must lie within the first {HEAD_BYTES} bytes")
        if self.sqlite_tables is not None:
            if not self.sqlite_tables:
                raise ValueError("sqlite_tables must name at least one table")
            for table, columns in self.sqlite_tables.items():
                if not isinstance(table, str) or isinstance(columns, str):
                    raise ValueError("sqlite_tables maps a table name to a list of column names")
        if self.glob is not None:
            object.__setattr__(self, "_pattern", compile_glob(self.glob, self.case_sensitive))

    @property
    def needs_schema(self) -> bool:
        return self.sqlite_tables is not None

    def matches_path(self, path: str) -> bool:
        return self._pattern is None or bool(self._pattern.fullmatch(path))

    def matches_head(self, head: bytes | None) -> bool:
        head = head or b""
        if self.sqlite_tables is not None and not head.startswith(SQLITE_MAGIC):
            return False
        if self.magic is None:
            return True
        return head[self.magic_offset:self.magic_offset + len(self.magic)] == self.magic

    def matches_schema(self, schema: Mapping[str, set[str]]) -> bool:
        if self.sqlite_tables is None:
            return True
        lowered = {table.lower(): {column.lower() for column in columns} for table, columns in schema.items()}
        for table, columns in self.sqlite_tables.items():
            have = lowered.get(table.lower())
            if have is None or not {column.lower() for column in columns} <= have:
                return False
        return True

    def describe(self) -> str:
        parts = []
        if self.glob:
            parts.append(f"glob {self.glob}")
        if self.magic:
            parts.append(f"magic {self.magic!r}@{self.magic_offset}")
        if self.sqlite_tables:
            parts.append("sqlite " + ", ".join(f"{t}({', '.join(c)})" for t, c in self.sqlite_tables.items()))
        return " and ".join(parts)


def compile_glob(pattern: str, case_sensitive: bool = False) -> re.Pattern:
    """Translate a path glob: "**/" is any number of folders, "*" and "?" stay inside one
    name, "[...]" is a character class."""
    pattern = pattern.lstrip("/")
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif char == "*":
            out.append("[^/]*")
            index += 1
        elif char == "?":
            out.append("[^/]")
            index += 1
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                raise ValueError(f"unclosed '[' in glob {pattern!r}")
            body = pattern[index + 1:end]
            if body in ("", "!"):
                raise ValueError(f"empty character class in glob {pattern!r}")
            if body.startswith("!"):
                body = "^" + body[1:]
            # A class never matches "/", like "*" and "?".
            out.append("(?!/)[" + body.replace("\\", "\\\\") + "]")
            index = end + 1
        else:
            out.append(re.escape(char))
            index += 1
    return re.compile("".join(out), 0 if case_sensitive else re.IGNORECASE)


@dataclass(frozen=True, kw_only=True, slots=True)
class PluginWarning:
    """Yielded by a plugin for something it could not parse; stored as a warning row tied to
    the source file."""

    message: str
    code: str = "plugin.warning"
    locator: Locator | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


class Extractor:
    """Base class of every plugin. Subclasses set the class attributes and implement extract().

    extract() only yields artifacts and PluginWarnings: it never writes anywhere. The host
    validates what it yields, stamps provenance, computes digests and writes the rows.
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = ""
    api_version: ClassVar[str] = API_VERSION
    description: ClassVar[str] = ""
    selects: ClassVar[Sequence[Select]] = ()
    kinds: ClassVar[Sequence[type[Artifact]]] = ()   # the artifact kinds it yields
    siblings: ClassVar[Sequence[str]] = ()           # extra files it reads, e.g. "{name}-wal"
    time_limit: ClassVar[float] = 120.0              # seconds per source file

    def extract(self, ctx: Context, source: Source) -> Iterator[Artifact | PluginWarning]:
        raise NotImplementedError
