"""`forensic-triage plugin new | run | check`: the plugin author's tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from forensic_triage.errors import TriageError


def resolve_plugin(spec: str, plugin_dirs: list[Path]) -> list[type]:
    """Plugin classes for a registered name, a `module:Class` path, or a drop-in .py file."""
    import inspect

    from forensic_triage.plugin_host.registry import _extractors_in, discover, load_file_module, load_spec

    path = Path(spec)
    if spec.endswith(".py") or path.is_file():
        if not path.is_file():
            raise TriageError(f"plugin file not found: {path}")
        try:
            module = load_file_module(path)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the author needs to see why it did not import
            raise TriageError(f"{path} does not import: {type(exc).__name__}: {exc}") from None
        found = _extractors_in(module)
        if not found:
            raise TriageError(f"{path} defines no Extractor subclass with a name")
        return found
    if ":" in spec:
        try:
            loaded = load_spec(spec)
        except (Exception, SystemExit) as exc:  # noqa: BLE001
            raise TriageError(f"cannot load {spec}: {type(exc).__name__}: {exc}") from None
        return [loaded] if inspect.isclass(loaded) else _extractors_in(loaded)
    registry = discover(plugin_dirs=plugin_dirs)
    if spec in registry.plugins:
        return [registry.plugins[spec].cls]
    raise TriageError(f"no plugin {spec!r}: give a plugin name (see `forensic-triage plugins`), "
                      f"a module:Class, or a .py file")


@click.group("plugin")
def command() -> None:
    """Write, run and check plugins (see docs/plugins.md)."""


@command.command("run")
@click.argument("plugin")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--as-path", help="The file's path in the evidence, for glob selectors (default: its name).")
@click.option("--region", help="Default phone-number region, as a case's --region.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per artifact and warning.")
@click.pass_context
def run(ctx: click.Context, plugin: str, file: Path, as_path: str | None, region: str | None, as_json: bool) -> None:
    """Run PLUGIN (a name, module:Class, or .py file) on FILE with no case, and show what it yields."""
    from forensic_triage.plugin_host.local_run import run_on_file

    classes = resolve_plugin(plugin, _plugin_dirs(ctx))
    if len(classes) > 1:
        names = ", ".join(cls.name for cls in classes)
        raise TriageError(f"{plugin} defines several plugins ({names}): name one of them")
    cls = classes[0]
    try:
        result = run_on_file(cls, file, region=region, as_path=as_path)
    except AssertionError as exc:
        raise TriageError(str(exc)) from None
    if as_json:
        for item in result.artifacts:
            click.echo(json.dumps({"type": "artifact", "kind": item.kind, "data": item.data, "locator": item.locator},
                                  ensure_ascii=False, sort_keys=True))
        for problem in result.warnings:
            click.echo(json.dumps({"type": "warning", "code": problem.code, "message": problem.message,
                                   "locator": problem.locator}, ensure_ascii=False, sort_keys=True))
        return
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{cls.name} {cls.version} on {file}: status {result.status}, {len(result.artifacts)} artifacts "
               f"{result.kinds() or ''}, {len(result.warnings)} warnings")
    for item in result.artifacts:
        where = ", ".join(f"{key}={value}" for key, value in item.locator.items())
        click.echo(f"  {item.kind} [{where}]")
        for key, value in item.data.items():
            if value in (None, [], "", False):
                continue
            if isinstance(value, dict) and "utc" in value and "encoding" in value:
                value = value["utc"] or f"({value['status']}: raw {value['raw']}, {value['encoding']})"
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            click.echo(f"      {key}: {text[:200]}")
    for problem in result.warnings:
        click.echo(f"  WARNING {problem.code}: {problem.message}")


@command.command("check")
@click.argument("target", required=False)
@click.pass_context
def check(ctx: click.Context, target: str | None) -> None:
    """Validate plugins without running them: API version, name, version, selectors, kinds.
    TARGET is a .py file, a folder of them, a module:Class, or a plugin name (default: all
    installed and drop-in plugins). Exit 1 when any check fails."""
    from forensic_triage.plugin_host.registry import check_plugin, discover

    plugin_dirs = _plugin_dirs(ctx)
    results: list[tuple[str, list[str]]] = []
    if target is None or Path(target).is_dir():
        registry = discover(use_entry_points=target is None,
                            plugin_dirs=[Path(target)] if target else plugin_dirs)
        results += [(f"{info.name} {info.version} ({info.spec})", []) for info in registry.plugins.values()]
        results += [(problem.spec, problem.message.split("; ")) for problem in registry.problems]
    else:
        try:
            classes = resolve_plugin(target, plugin_dirs)
        except TriageError as exc:
            classes = []
            results.append((target, [str(exc)]))
        installed = discover(plugin_dirs=plugin_dirs).plugins
        for cls in classes:
            problems = check_plugin(cls)
            spec = f"{cls.__module__}:{cls.__name__}"
            other = installed.get(getattr(cls, "name", None))
            if other is not None and other.cls is not cls and other.spec.rsplit(":", 1)[-1] != cls.__name__:
                problems.append(f"name {cls.name!r} is already taken by {other.origin} plugin {other.spec}")
            results.append((f"{getattr(cls, 'name', '') or cls.__name__} ({spec})", problems))
    for label, problems in results:
        click.echo(("FAIL " if problems else "ok   ") + label)
        for problem in problems:
            click.echo(f"     - {problem}")
    if any(problems for _label, problems in results):
        sys.exit(1)


def _plugin_dirs(ctx: click.Context) -> list[Path]:
    root = ctx.find_root().obj
    return list(root.get("plugin_dirs", [])) if root else []


@command.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=Path("."),
              help="Where to create the package folder (default: here).")
def new(name: str, directory: Path) -> None:
    """Scaffold a separately installable plugin package for NAME (e.g. acme.chat)."""
    from forensic_triage.plugin_host.scaffold import scaffold

    folder = scaffold(name, directory)
    click.echo(f"Created {folder}")
    click.echo(f"Next: pip install -e {folder} && pytest {folder}/tests")
