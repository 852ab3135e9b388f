"""`forensic-triage graph`: export the contact graph, or show the path between two people."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import click

from forensic_triage.errors import TriageError

_SUFFIXES = {".json": "json", ".graphml": "graphml", ".gexf": "gexf"}


@click.command("graph")
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json"]),
              help="Export format (default: from --out's extension, else json).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the export to this file instead of standard output.")
@click.option("--between", nargs=2, metavar="A B",
              help="Print the shortest path from A to B and the messages and calls behind each hop. "
                   "A and B: a phone number in any format, an e-mail, a handle or JID, 'owner', or an identity id.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="With --between: at most this many messages and calls shown per hop (earliest first).")
@click.option("--json", "as_json", is_flag=True, help="With --between: machine-readable output.")
@click.pass_context
def command(ctx: click.Context, case_dir: Path, fmt: str | None, out: Path | None, between: tuple[str, str] | None,
            limit: int, as_json: bool) -> None:
    """Build the contact graph of CASE_DIR: identities merged across apps by phone number,
    e-mail and handle, linked by their messages and calls.

    Without --between it exports the graph (JSON with digests, or GraphML/GEXF for Gephi) with
    centralities and communities; every link lists the artifact ids behind it."""
    from forensic_triage.cli_progress import drive
    from forensic_triage.graph.build import graph_work
    from forensic_triage.store.case_store import CaseStore

    quiet = bool(ctx.obj and ctx.obj.get("quiet"))
    if between and (fmt or out):
        raise TriageError("--between prints a path; --format and --out are for exports (use one or the other)")
    if as_json and not between:
        raise TriageError("--json goes with --between (for an export use --format json)")
    store = CaseStore.open(case_dir)
    try:
        graph = drive(graph_work(store), quiet=quiet)
        if between:
            _between(store, graph, between, limit, as_json)
        else:
            _export(store, graph, fmt, out)
    finally:
        store.close()


def _export(store, graph, fmt: str | None, out: Path | None) -> None:
    from forensic_triage.graph.export import write

    fmt = fmt or (_SUFFIXES.get(out.suffix.lower()) if out else None) or "json"
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "wb") as stream:
                write(graph, fmt, stream)
        except OSError as exc:
            raise TriageError(f"cannot write {out}: {exc.strerror or exc}") from None
    else:
        write(graph, fmt, click.get_binary_stream("stdout"))
    _record(store.case_dir, {"format": fmt, "out": str(out) if out else "<stdout>", "digest": graph.digest,
                    "content_digest": graph.content_digest, "identities": len(graph.identities),
                    "links": len(graph.links)})
    if out is not None:
        click.echo(f"Wrote the contact graph ({len(graph.identities)} identities, {len(graph.links)} links, "
                   f"{fmt}) to {out}; digest {graph.digest}", err=True)
    if not graph.identities:
        click.echo("note: this case holds no message, call, contact or account artifacts", err=True)


def _record(case_dir: Path, details: dict) -> None:
    """A graph handed out is a product of the case: the custody log says which one (its digest).
    The graph is built without the case's write lock (readers are never blocked); only this
    entry takes it, briefly."""
    from forensic_triage.store.case_store import CaseStore

    try:
        writer = CaseStore.open(case_dir, write="graph export")
        try:
            with writer.transaction():
                writer.append_custody("graph.export", details)
        finally:
            writer.close()
    except Exception as exc:  # noqa: BLE001 - the export stands even if the log cannot be appended
        click.echo(f"note: the export could not be recorded in the custody log: {exc}", err=True)


def _between(store, graph, between: tuple[str, str], limit: int, as_json: bool) -> None:
    from forensic_triage.graph.paths import hop_items, resolve

    start, end = (resolve(graph, query) for query in between)
    path = graph.shortest_path(start, end)
    if as_json:
        document = {"from": start, "to": end, "path": path, "identities": [], "hops": []}
        if path:
            document["identities"] = [graph.identity(node).as_dict() for node in path]
            for a, b in pairwise(path):
                items, total = hop_items(store, graph, a, b, limit)
                document["hops"].append({"from": a, "to": b, "link": graph.link(a, b).as_dict(), "total": total,
                                         "items": [item.as_dict() for item in items]})
        click.echo(json.dumps(document, ensure_ascii=False, sort_keys=True))
        return
    first, last = graph.identity(start), graph.identity(end)
    if path is None:
        click.echo(f"No path between {_name(first)} and {_name(last)}: they are not connected by any message "
                   f"or call in this case.")
        return
    if len(path) == 1:
        click.echo(f"{_name(first)} and {_name(last)} are the same identity.")
        return
    click.echo(f"Shortest path: {len(path) - 1} hop{'s' if len(path) > 2 else ''}")
    for number, node in enumerate(path, 1):
        identity = graph.identity(node)
        shown = ", ".join(_clean(key) for key in identity.identifiers[:4])
        if len(identity.identifiers) > 4:
            shown += f" ... ({len(identity.identifiers)} identifiers)"
        click.echo(f"  [{number}] {_name(identity)}  {shown}")
    for number, (a, b) in enumerate(pairwise(path), 1):
        link = graph.link(a, b)
        forward, back = ((link.messages_a_to_b, link.messages_b_to_a) if link.a == a
                         else (link.messages_b_to_a, link.messages_a_to_b))
        calls_forward, calls_back = ((link.calls_a_to_b, link.calls_b_to_a) if link.a == a
                                     else (link.calls_b_to_a, link.calls_a_to_b))
        click.echo("")
        left, right = _clean(graph.identity(a).label), _clean(graph.identity(b).label)
        click.echo(f"Hop {number}: [{number}] {left} -> [{number + 1}] {right}")
        click.echo(f"  {link.messages} messages ({forward} ->, {back} <-, {link.messages_undirected} undirected), "
                   f"{link.calls} calls ({calls_forward} ->, {calls_back} <-, {link.calls_undirected} undirected); "
                   f"first {link.first_utc or 'unknown'}, last {link.last_utc or 'unknown'}; "
                   f"apps: {_clean(', '.join(link.apps))}")
        items, total = hop_items(store, graph, a, b, limit)
        width = min(24, max((len(_clean(item.app)) for item in items), default=0))
        for item in items:
            flag = " [deleted/recovered]" if item.deleted else ""
            click.echo(f"  {item.utc or 'time unknown':<27} {_clean(item.app):<{width}} {item.kind:<7} "
                       f"{item.direction}  artifact {item.artifact_id}{flag}  {item.excerpt}")
        if total > len(items):
            click.echo(f"  ... {total - len(items)} more; all artifact ids: {link.artifact_ids}")


def _name(identity) -> str:
    return f"{_clean(identity.label)} ({identity.id})"


def _clean(text: str) -> str:
    from forensic_triage.graph.paths import one_line

    return one_line(text)

