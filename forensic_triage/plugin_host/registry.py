"""Finding plugins: the `forensic_triage.plugins` entry-point group (built-ins use it too) and
drop-in folders of .py files for air-gapped workstations where nothing can be pip-installed.

A plugin that fails to load or to pass the checks is reported; the others still run.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

from forensic_triage.sdk.artifacts import KINDS, Artifact
from forensic_triage.sdk.extractor import API_VERSION, Extractor, Select

GROUP = "forensic_triage.plugins"
OWN_DISTRIBUTION = "forensic-triage"
_NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
_VERSION = re.compile(r"\d+(\.\d+){0,3}([.\-+]?[0-9A-Za-z.\-+]*)?")


@dataclass(frozen=True, kw_only=True)
class PluginInfo:
    name: str
    version: str
    api_version: str
    origin: str          # "built-in", "entry point (<distribution>)", "drop-in"
    spec: str            # "module:Class" or "file:/path/plugin.py:Class": how a worker loads it again
    cls: type[Extractor] = field(repr=False)

    @property
    def selects(self) -> tuple[Select, ...]:
        return tuple(self.cls.selects)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(kind.kind for kind in self.cls.kinds)


@dataclass(frozen=True, kw_only=True)
class LoadProblem:
    origin: str
    spec: str
    message: str


@dataclass
class Registry:
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)

    def versions(self) -> dict[str, str]:
        return {name: info.version for name, info in sorted(self.plugins.items())}

    def select(self, names: list[str] | None) -> list[PluginInfo]:
        if names is None:
            return [self.plugins[name] for name in sorted(self.plugins)]
        unknown = [name for name in names if name not in self.plugins]
        if unknown:
            from forensic_triage.errors import TriageError

            raise TriageError(f"unknown plugin(s): {', '.join(unknown)}; `forensic-triage plugins` lists them")
        return [self.plugins[name] for name in names]


def default_plugin_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "forensic-triage" / "plugins"


def autoload_enabled() -> bool:
    return os.environ.get("FORENSIC_TRIAGE_DISABLE_PLUGIN_AUTOLOAD", "") not in ("1", "true", "yes")


def discover(*, use_entry_points: bool | None = None, plugin_dirs: list[Path] | None = None) -> Registry:
    registry = Registry()
    if use_entry_points is None:
        use_entry_points = autoload_enabled()
    if use_entry_points:
        for point in sorted(entry_points(group=GROUP), key=lambda p: (p.dist.name if p.dist else "", p.name)):
            dist = point.dist.name if point.dist else "unknown"
            origin = "built-in" if dist == OWN_DISTRIBUTION else f"entry point ({dist})"
            try:
                loaded = point.load()
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - any import failure is reported, the rest load
                registry.problems.append(LoadProblem(origin=origin, spec=point.value,
                                                     message=f"import failed: {type(exc).__name__}: {exc}"))
                continue
            if inspect.ismodule(loaded):
                _admit_module(registry, loaded, origin=origin, spec=point.value)
            else:
                _admit(registry, loaded, origin=origin, spec=point.value)
    folders = list(plugin_dirs or [])
    env_dir = os.environ.get("FORENSIC_TRIAGE_PLUGIN_DIR")
    if env_dir:
        folders.append(Path(env_dir))
    if use_entry_points and default_plugin_dir().is_dir():
        folders.append(default_plugin_dir())
    for folder in folders:
        _load_folder(registry, Path(folder))
    return registry


def _load_folder(registry: Registry, folder: Path) -> None:
    if not folder.is_dir():
        registry.problems.append(LoadProblem(origin="drop-in", spec=str(folder), message="plugin folder not found"))
        return
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith(("test_", "_")) or path.name == "conftest.py":
            continue   # an author's tests and helpers may sit beside the plugins
        try:
            module = load_file_module(path)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken drop-in file must not stop the others
            registry.problems.append(LoadProblem(origin="drop-in", spec=str(path),
                                                 message=f"import failed: {type(exc).__name__}: {exc}"))
            continue
        found = _extractors_in(module)
        if not found:
            registry.problems.append(LoadProblem(origin="drop-in", spec=str(path),
                                                 message="defines no Extractor subclass"))
        for cls in found:
            _admit(registry, cls, origin="drop-in", spec=f"file:{path.resolve()}:{cls.__name__}")


def _admit_module(registry: Registry, module, *, origin: str, spec: str) -> None:
    """A module entry point stands for every Extractor it defines; a package's, for every
    Extractor in its modules (how the built-ins register: one module per artifact family)."""
    modules = [module]
    if hasattr(module, "__path__"):
        for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda item: item.name):
            name = f"{module.__name__}.{info.name}"
            try:
                modules.append(importlib.import_module(name))
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - one broken module must not hide the others
                registry.problems.append(LoadProblem(origin=origin, spec=name,
                                                     message=f"import failed: {type(exc).__name__}: {exc}"))
    found = [(each, cls) for each in modules for cls in _extractors_in(each)]
    if not found:
        registry.problems.append(LoadProblem(origin=origin, spec=spec, message="defines no Extractor subclass"))
    for each, cls in found:
        _admit(registry, cls, origin=origin, spec=f"{each.__name__}:{cls.__name__}")


def _extractors_in(module) -> list[type[Extractor]]:
    return [obj for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Extractor) and obj is not Extractor
            and obj.__module__ == module.__name__ and not inspect.isabstract(obj) and obj.name]


def load_file_module(path: Path):
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    stem = re.sub(r"\W", "_", path.stem)
    module_name = f"forensic_triage_dropin_{stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def load_spec(spec: str) -> type[Extractor]:
    """Load a plugin class again from its spec (in a worker process)."""
    if spec.startswith("file:"):
        path, _, class_name = spec[len("file:"):].rpartition(":")
        return getattr(load_file_module(Path(path)), class_name)
    module_name, _, attribute = spec.partition(":")
    obj = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


def check_plugin(cls: object) -> list[str]:
    """Everything wrong with a plugin class, as plain sentences (empty when it is fine)."""
    if not (inspect.isclass(cls) and issubclass(cls, Extractor)):
        return [f"{cls!r} is not a subclass of forensic_triage.sdk.Extractor"]
    problems = []
    if not isinstance(cls.name, str) or not _NAME.fullmatch(cls.name or ""):
        problems.append(f"name {cls.name!r} must be lower-case letters, digits, '.', '_' or '-'")
    if not cls.version:
        problems.append("version is missing: set e.g. version = \"1.0.0\" (it is recorded with every artifact)")
    elif not isinstance(cls.version, str) or not _VERSION.fullmatch(cls.version):
        problems.append(f"version {cls.version!r} must be a version string such as '1.0.0'")
    problems += _check_api(cls.api_version)
    if cls.extract is Extractor.extract:
        problems.append("extract() is not implemented")
    elif not (inspect.isgeneratorfunction(cls.extract)):
        problems.append("extract() must be a generator (it yields artifacts)")
    selects = list(cls.selects) if isinstance(cls.selects, (list, tuple)) else None
    if not selects:
        problems.append("selects must be a non-empty list of Select")
    else:
        seen: dict[str, str] = {}
        for select in selects:
            if not isinstance(select, Select):
                problems.append(f"selects holds {select!r}, not a Select")
                continue
            if select.glob:
                key = select.glob if select.case_sensitive else select.glob.lower()
                if key in seen:
                    problems.append(f"glob {select.glob!r} repeats {seen[key]!r}"
                                    + (" (differs only in case)" if seen[key] != select.glob else ""))
                else:
                    seen[key] = select.glob
    kinds = cls.kinds if isinstance(cls.kinds, (list, tuple)) else None
    if not kinds:
        problems.append("kinds must list the artifact kinds the plugin yields")
    else:
        for kind in kinds:
            if not (inspect.isclass(kind) and issubclass(kind, Artifact) and KINDS.get(kind.kind) is kind):
                label = getattr(kind, "__name__", repr(kind))
                problems.append(f"kinds holds {label}, which is not an artifact kind "
                                f"(use the kinds in forensic_triage.sdk: {', '.join(sorted(KINDS))})")
    if not isinstance(cls.time_limit, (int, float)) or cls.time_limit <= 0:
        problems.append("time_limit must be a positive number of seconds")
    return problems


def _check_api(version: object) -> list[str]:
    ours = [int(part) for part in API_VERSION.split(".")]
    try:
        theirs = [int(part) for part in str(version).split(".")][:2]
    except ValueError:
        return [f"api_version {version!r} is not MAJOR.MINOR"]
    if len(theirs) < 2:
        theirs.append(0)
    if theirs[0] != ours[0]:
        return [f"built for plugin API {version}, this host offers {API_VERSION} (major versions differ)"]
    if theirs[1] > ours[1]:
        return [f"built for plugin API {version}, newer than this host's {API_VERSION}"]
    return []


def _admit(registry: Registry, cls: object, *, origin: str, spec: str) -> None:
    problems = check_plugin(cls)
    if problems:
        registry.problems.append(LoadProblem(origin=origin, spec=spec, message="; ".join(problems)))
        return
    existing = registry.plugins.get(cls.name)
    if existing is not None:
        registry.problems.append(LoadProblem(origin=origin, spec=spec,
                                             message=f"duplicate plugin name {cls.name!r} (already loaded from "
                                                     f"{existing.origin}: {existing.spec})"))
        return
    registry.plugins[cls.name] = PluginInfo(name=cls.name, version=cls.version, api_version=cls.api_version,
                                            origin=origin, spec=spec, cls=cls)
