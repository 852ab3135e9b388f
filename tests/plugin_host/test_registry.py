"""forensic_triage.plugin_host.registry: discovery, load checks, problems reported instead of raised."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from forensic_triage.plugin_host import registry as reg
from forensic_triage.plugin_host.registry import (PluginInfo, Registry, check_plugin, discover, load_file_module,
                                                  load_spec)
from forensic_triage.sdk import API_VERSION, Extractor, Message, Select

GOOD = '''
from forensic_triage.sdk import Extractor, Message, Select

class GoodPlugin(Extractor):
    name = "test.good"
    version = "1.2.3"
    description = "a well-formed drop-in"
    selects = [Select(glob="**/*.good")]
    kinds = [Message]

    def extract(self, ctx, source):
        yield Message(app="good")
'''

SYNTAX_ERROR = '''
from forensic_triage.sdk import Extractor
class Broken(Extractor)
    name = "test.broken"
'''

BAD_FIELDS = '''
from forensic_triage.sdk import Extractor, Select

class BadPlugin(Extractor):
    name = "Bad Name"
    version = "one"
    api_version = "2.0"
    selects = [Select(glob="**/*.DB"), Select(glob="**/*.db")]
    kinds = []
    time_limit = 0

    def extract(self, ctx, source):
        yield from ()
'''

NOT_A_GENERATOR = '''
from forensic_triage.sdk import Extractor, Message, Select

class ListPlugin(Extractor):
    name = "test.list"
    version = "1.0"
    selects = [Select(glob="*.x")]
    kinds = [Message]

    def extract(self, ctx, source):
        return [Message(app="x")]
'''

NO_EXTRACTOR = '''
HELPER = 1
from forensic_triage.sdk import Extractor   # imported, not defined here: must not count
'''

IMPORT_ERROR = '''
import a_module_that_does_not_exist_anywhere
'''


def duplicate(label: str) -> str:
    return f'''
from forensic_triage.sdk import Extractor, Message, Select

class Dup{label}(Extractor):
    name = "test.dup"
    version = "1.0.0"
    selects = [Select(glob="**/*.{label.lower()}")]
    kinds = [Message]

    def extract(self, ctx, source):
        yield Message(app="{label}")
'''


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """No plugin folders from the workstation leak in."""
    monkeypatch.delenv("FORENSIC_TRIAGE_PLUGIN_DIR", raising=False)
    monkeypatch.delenv("FORENSIC_TRIAGE_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def problems_for(registry: Registry, path: Path) -> list[str]:
    return [problem.message for problem in registry.problems if str(path) in problem.spec
            or str(path.resolve()) in problem.spec]


@pytest.fixture
def drop_in(tmp_path) -> Path:
    folder = tmp_path / "plugins"
    write(folder, "a_good.py", GOOD)
    write(folder, "b_syntax_error.py", SYNTAX_ERROR)
    write(folder, "c_bad_fields.py", BAD_FIELDS)
    write(folder, "d_dup_first.py", duplicate("First"))
    write(folder, "e_dup_second.py", duplicate("Second"))
    write(folder, "f_not_generator.py", NOT_A_GENERATOR)
    write(folder, "g_no_extractor.py", NO_EXTRACTOR)
    write(folder, "h_import_error.py", IMPORT_ERROR)
    write(folder, "notes.txt", "not python, ignored")
    return folder


def test_drop_in_folder(drop_in):
    registry = discover(use_entry_points=False, plugin_dirs=[drop_in])

    # Only the good plugin and the first of the duplicates load.
    assert sorted(registry.plugins) == ["test.dup", "test.good"]
    good = registry.plugins["test.good"]
    assert good.origin == "drop-in"
    assert good.version == "1.2.3"
    assert good.api_version == API_VERSION
    assert good.spec == f"file:{(drop_in / 'a_good.py').resolve()}:GoodPlugin"
    assert good.kinds == ("message",)
    assert good.selects == (Select(glob="**/*.good"),)
    assert registry.plugins["test.dup"].cls.__name__ == "DupFirst"
    assert registry.versions() == {"test.dup": "1.0.0", "test.good": "1.2.3"}

    by_file = {Path(problem.spec.split(":")[1] if problem.spec.startswith("file:") else problem.spec).name: problem
               for problem in registry.problems}
    assert set(by_file) == {"b_syntax_error.py", "c_bad_fields.py", "e_dup_second.py", "f_not_generator.py",
                            "g_no_extractor.py", "h_import_error.py"}
    assert all(problem.origin == "drop-in" for problem in registry.problems)

    assert by_file["b_syntax_error.py"].message.startswith("import failed: SyntaxError")

    bad = by_file["c_bad_fields.py"].message
    assert "name 'Bad Name' must be lower-case letters" in bad
    assert "version 'one' must be a version string" in bad
    assert "built for plugin API 2.0, this host offers 1.1 (major versions differ)" in bad
    assert "kinds must list the artifact kinds" in bad
    assert "glob '**/*.db' repeats '**/*.DB' (differs only in case)" in bad
    assert "time_limit must be a positive number" in bad

    dup = by_file["e_dup_second.py"].message
    assert dup.startswith("duplicate plugin name 'test.dup' (already loaded from drop-in: file:")
    assert "d_dup_first.py:DupFirst" in dup

    assert by_file["f_not_generator.py"].message == "extract() must be a generator (it yields artifacts)"
    assert by_file["g_no_extractor.py"].message == "defines no Extractor subclass"
    assert by_file["h_import_error.py"].message.startswith("import failed: ModuleNotFoundError")


def test_broken_file_is_not_left_in_sys_modules(drop_in):
    discover(use_entry_points=False, plugin_dirs=[drop_in])
    assert not [name for name in sys.modules if name.startswith("forensic_triage_dropin_b_syntax_error_")]
    assert [name for name in sys.modules if name.startswith("forensic_triage_dropin_a_good_")]


def test_missing_folder_is_reported(tmp_path):
    registry = discover(use_entry_points=False, plugin_dirs=[tmp_path / "nope"])
    assert registry.plugins == {}
    assert [(p.origin, p.message) for p in registry.problems] == [("drop-in", "plugin folder not found")]


def test_environment_folder(tmp_path, monkeypatch):
    folder = tmp_path / "env-plugins"
    write(folder, "good.py", GOOD)
    monkeypatch.setenv("FORENSIC_TRIAGE_PLUGIN_DIR", str(folder))
    registry = discover(use_entry_points=False)
    assert list(registry.plugins) == ["test.good"]


def test_default_folder_is_used_with_entry_points(tmp_path):
    write(tmp_path / "xdg" / "forensic-triage" / "plugins", "good.py", GOOD)
    assert "test.good" in discover(use_entry_points=True).plugins
    assert "test.good" not in discover(use_entry_points=False).plugins


def test_builtins_found_through_entry_points():
    registry = discover(use_entry_points=True)
    for name, spec in [("sqlite.inventory", "forensic_triage_plugins.sqlite_inventory:SQLiteInventory"),
                       ("file.signature_mismatch",
                        "forensic_triage_plugins.signature_mismatch:SignatureMismatchFinder")]:
        info = registry.plugins[name]
        assert info.origin == "built-in"
        assert info.spec == spec
        assert load_spec(info.spec) is info.cls
        assert check_plugin(info.cls) == []
    assert [p for p in registry.problems if p.origin == "built-in"] == []


def test_autoload_can_be_disabled(monkeypatch):
    monkeypatch.setenv("FORENSIC_TRIAGE_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert not reg.autoload_enabled()
    assert "sqlite.inventory" not in discover().plugins
    monkeypatch.setenv("FORENSIC_TRIAGE_DISABLE_PLUGIN_AUTOLOAD", "0")
    assert reg.autoload_enabled()
    assert "sqlite.inventory" in discover().plugins


def test_builtin_name_clash_with_drop_in(tmp_path):
    folder = tmp_path / "plugins"
    write(folder, "clash.py", GOOD.replace('"test.good"', '"sqlite.inventory"'))
    registry = discover(use_entry_points=True, plugin_dirs=[folder])
    assert registry.plugins["sqlite.inventory"].origin == "built-in"
    [problem] = [p for p in registry.problems if "clash.py" in p.spec]
    assert "duplicate plugin name 'sqlite.inventory' (already loaded from built-in" in problem.message


# --- load_spec ------------------------------------------------------------------------------

def test_load_spec_module_form():
    from forensic_triage_plugins.signature_mismatch import SignatureMismatchFinder
    from forensic_triage_plugins.sqlite_inventory import SQLiteInventory

    assert load_spec("forensic_triage_plugins.sqlite_inventory:SQLiteInventory") is SQLiteInventory
    assert load_spec("forensic_triage_plugins.signature_mismatch:SignatureMismatchFinder") is SignatureMismatchFinder
    # dotted attribute path
    assert load_spec("forensic_triage.sdk:Extractor.extract") is Extractor.extract


def test_load_spec_file_form_round_trip(drop_in):
    registry = discover(use_entry_points=False, plugin_dirs=[drop_in])
    info = registry.plugins["test.good"]
    assert info.spec.startswith("file:")
    assert load_spec(info.spec) is info.cls


def test_load_spec_file_form_in_a_fresh_process_state(tmp_path):
    """A worker that has not imported the file yet gets an equivalent class back."""
    path = write(tmp_path / "plugins", "fresh.py", GOOD)
    spec = f"file:{path.resolve()}:GoodPlugin"
    module = load_file_module(path)
    del sys.modules[module.__name__]
    cls = load_spec(spec)
    assert cls is not module.GoodPlugin
    assert cls.__name__ == "GoodPlugin" and cls.name == "test.good"
    assert check_plugin(cls) == []
    assert list(cls().extract(None, None)) == [Message(app="good")]


def test_load_spec_errors():
    with pytest.raises(ModuleNotFoundError):
        load_spec("no_such_module_anywhere:Thing")
    with pytest.raises(AttributeError):
        load_spec("forensic_triage_plugins.sqlite_inventory:Missing")


# --- check_plugin ---------------------------------------------------------------------------

def plugin(**attributes) -> type:
    base = {"name": "ok.plugin", "version": "1.0.0", "selects": [Select(glob="*.db")], "kinds": [Message]}
    base.update(attributes)
    if "extract" not in base:
        def extract(self, ctx, source):
            yield Message(app="x")
        base["extract"] = extract
    return type("Made", (Extractor,), base)


def test_check_plugin_accepts_good():
    assert check_plugin(plugin()) == []
    assert check_plugin(plugin(name="a", version="2")) == []
    assert check_plugin(plugin(name="com.example-app_v2.sms", version="10.4.1-beta.2+build7")) == []
    assert check_plugin(plugin(api_version="1")) == []
    assert check_plugin(plugin(api_version="1.0.9")) == []


@pytest.mark.parametrize("obj", [object, int, "a string", Message, None])
def test_check_plugin_rejects_non_extractors(obj):
    [problem] = check_plugin(obj)
    assert "is not a subclass of forensic_triage.sdk.Extractor" in problem


@pytest.mark.parametrize(("attributes", "fragment"), [
    ({"name": ""}, "name '' must be"),
    ({"name": None}, "name None must be"),
    ({"name": "Upper"}, "name 'Upper' must be"),
    ({"name": "has space"}, "name 'has space' must be"),
    ({"name": ".leading"}, "name '.leading' must be"),
    ({"version": ""}, "version is missing"),
    ({"version": 1}, "version 1 must be"),
    ({"version": "v1"}, "version 'v1' must be"),
    ({"api_version": "2.0"}, "major versions differ"),
    ({"api_version": "0.9"}, "major versions differ"),
    ({"api_version": "1.2"}, "built for plugin API 1.2, newer than this host's 1.1"),
    ({"api_version": "one"}, "api_version 'one' is not MAJOR.MINOR"),
    ({"api_version": None}, "api_version None is not MAJOR.MINOR"),
    ({"selects": []}, "selects must be a non-empty list of Select"),
    ({"selects": "*.db"}, "selects must be a non-empty list of Select"),
    ({"selects": ["*.db"]}, "selects holds '*.db', not a Select"),
    ({"selects": [Select(glob="*.db"), Select(glob="*.db")]}, "glob '*.db' repeats '*.db'"),
    ({"kinds": []}, "kinds must list the artifact kinds"),
    ({"kinds": [str]}, "which is not an artifact kind"),
    ({"kinds": ["message"]}, "which is not an artifact kind"),
    ({"time_limit": -1}, "time_limit must be a positive number"),
    ({"time_limit": "60"}, "time_limit must be a positive number"),
])
def test_check_plugin_reports(attributes, fragment):
    problems = check_plugin(plugin(**attributes))
    assert any(fragment in problem for problem in problems), problems


def test_check_plugin_extract_missing_or_not_generator():
    made = type("NoExtract", (Extractor,), {"name": "a", "version": "1", "selects": [Select(glob="*")],
                                            "kinds": [Message]})
    assert check_plugin(made) == ["extract() is not implemented"]

    def returns_list(self, ctx, source):
        return []

    assert check_plugin(plugin(extract=returns_list)) == ["extract() must be a generator (it yields artifacts)"]


def test_case_sensitive_globs_may_differ_in_case():
    assert check_plugin(plugin(selects=[Select(glob="*.DB", case_sensitive=True),
                                        Select(glob="*.db", case_sensitive=True)])) == []


def test_registry_select():
    from forensic_triage.errors import TriageError

    registry = Registry()
    for name in ("b.two", "a.one"):
        cls = plugin(name=name)
        registry.plugins[name] = PluginInfo(name=name, version="1", api_version="1.0", origin="drop-in",
                                            spec=f"x:{name}", cls=cls)
    assert [info.name for info in registry.select(None)] == ["a.one", "b.two"]
    assert [info.name for info in registry.select(["b.two"])] == ["b.two"]
    with pytest.raises(TriageError, match="unknown plugin"):
        registry.select(["c.three"])


# --- known bugs -----------------------------------------------------------------------------

@pytest.mark.parametrize("attributes", [{"name": "ok.plugin\n"}, {"version": "1.0.0\n"}])
def test_trailing_newline_is_rejected(attributes):
    assert check_plugin(plugin(**attributes)) != []


def test_drop_in_calling_sys_exit_is_reported(tmp_path):
    folder = tmp_path / "plugins"
    write(folder, "a_exits.py", "import sys\nsys.exit(2)\n")
    write(folder, "b_good.py", GOOD)
    try:
        registry = discover(use_entry_points=False, plugin_dirs=[folder])
    except SystemExit as exc:
        raise AssertionError(f"discover() let SystemExit({exc.code}) escape from a drop-in") from exc
    assert "test.good" in registry.plugins
    assert any("a_exits.py" in problem.spec for problem in registry.problems)
