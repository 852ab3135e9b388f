"""The plugin guide cannot rot: its tutorial runs verbatim, and its reference names every
public SDK name and embeds the current artifact field tables."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import forensic_triage.sdk as sdk
from forensic_triage.sdk.context import Context
from forensic_triage.sdk.reference import embed
from forensic_triage.sdk.times import TimeDecoders
from tests.conftest import PROJECT

GUIDE = PROJECT / "docs" / "plugins.md"
BLOCK = re.compile(r"^```(?P<lang>\w+)(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)


def _blocks(text: str):
    tutorial = text.split("## Part 2", 1)[0]
    for match in BLOCK.finditer(tutorial):
        info = match["info"].strip()
        title = re.search(r'title="([^"]+)"', info)
        yield match["lang"], title[1] if title else None, "output" in info, match["body"]


@pytest.mark.slow
def test_the_tutorial_works_verbatim(tmp_path):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "FORENSIC_TRIAGE_PLUGIN_DIR": "", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    last_output = ""
    ran = 0
    for lang, title, is_output, body in _blocks(GUIDE.read_text(encoding="utf-8")):
        if lang == "python" and title:
            target = tmp_path / title
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
        elif lang == "sh":
            result = subprocess.run(["bash", "-e", "-c", body], cwd=tmp_path, env=env, capture_output=True, text=True,
                                    timeout=300)
            assert result.returncode == 0, f"`{body.strip()}` failed:\n{result.stdout}\n{result.stderr}"
            last_output = result.stdout + result.stderr
            ran += 1
        elif lang == "text" and is_output:
            for line in filter(None, (line.strip() for line in body.splitlines())):
                assert line in last_output, f"expected {line!r} in the output of the block before:\n{last_output}"
    assert ran >= 7


def test_every_public_sdk_name_has_a_reference_entry():
    reference = GUIDE.read_text(encoding="utf-8").split("## Part 2", 1)[1]
    headings = " ".join(re.findall(r"^###+ (.*)$", reference, re.M))
    missing = [name for name in sdk.__all__ if f"`{name}`" not in headings]
    assert missing == []


def test_every_context_method_and_time_decoder_is_documented():
    reference = GUIDE.read_text(encoding="utf-8").split("## Part 2", 1)[1]
    methods = [name for name, value in inspect.getmembers(Context) if not name.startswith("_") and callable(value)]
    assert [name for name in methods if f"ctx.{name}(" not in reference] == []
    decoders = [name for name in vars(TimeDecoders) if not name.startswith("_")]
    assert [name for name in decoders if name not in reference] == []


def test_the_artifact_tables_are_current():
    text = GUIDE.read_text(encoding="utf-8")
    assert embed(text) == text, "run: python -m forensic_triage.sdk.reference --update docs/plugins.md"


def test_the_packaged_example_is_the_tutorial_plugin():
    text = GUIDE.read_text(encoding="utf-8")
    tutorial_plugin = next(body for lang, title, _, body in _blocks(text) if title == "plugins/pigeonpost.py")
    packaged = PROJECT / "examples" / "ft-plugin-pigeonpost" / "src" / "ft_plugin_pigeonpost" / "pigeonpost.py"
    assert packaged.read_text(encoding="utf-8") == tutorial_plugin
