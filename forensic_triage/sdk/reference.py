"""Generated parts of the plugin guide (docs/plugins.md): the artifact kinds and their fields,
straight from the dataclasses, so the guide cannot drift from the SDK.

    python -m forensic_triage.sdk.reference   # prints the markdown the guide embeds
"""

from __future__ import annotations

import dataclasses
import inspect
import typing

from forensic_triage.sdk.artifacts import KINDS, VALUE_TYPES
from forensic_triage.sdk.times import TimeValue


def _type_text(annotation) -> str:
    text = str(annotation).replace("typing.", "").replace("forensic_triage.sdk.artifacts.", "")
    text = text.replace("forensic_triage.sdk.times.", "").replace("NoneType", "None")
    text = text.replace("<class '", "").replace("'>", "")
    return text


def _table(cls) -> list[str]:
    hints = typing.get_type_hints(cls)
    lines = ["| field | type | default |", "| --- | --- | --- |"]
    for field in dataclasses.fields(cls):
        if field.name == "locator":
            continue
        if field.default is not dataclasses.MISSING:
            default = repr(field.default)
        elif field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = repr(field.default_factory())  # type: ignore[misc]
        else:
            default = "required"
        type_text = _type_text(hints[field.name]).replace("|", "\\|")
        lines.append(f"| `{field.name}` | `{type_text}` | {default} |")
    return lines


def _summary(cls) -> str:
    return " ".join(inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].split())


def kinds_markdown() -> str:
    out = []
    for kind, cls in KINDS.items():
        out += [f"#### `{cls.__name__}` (kind `{kind}`)", "", _summary(cls), ""]
        out += _table(cls) + [""]
    for cls in (TimeValue, *[value for value in VALUE_TYPES if value is not TimeValue]):
        out += [f"#### `{cls.__name__}`", "", _summary(cls), ""]
        out += _table(cls) + [""]
    return "\n".join(line for line in out).strip() + "\n"


START, END = "<!-- kinds:start -->", "<!-- kinds:end -->"


def embed(guide: str) -> str:
    """The guide's text with the generated block between the markers brought up to date."""
    head, _, rest = guide.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{kinds_markdown()}{END}{tail}"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if len(sys.argv) > 2 and sys.argv[1] == "--update":
        target = Path(sys.argv[2])
        target.write_text(embed(target.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(kinds_markdown(), end="")
