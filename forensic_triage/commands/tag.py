"""`forensic-triage tag`: examiner tags and notes on artifacts, files and identities."""

from __future__ import annotations

import json

import click

from forensic_triage.errors import TriageError


@click.command("tag")
@click.argument("case_dir", type=click.Path(path_type=__import__("pathlib").Path))
@click.option("--artifact", "artifact_id", help="Artifact id (see `artifacts`).")
@click.option("--file", "file_id", help="File id (see `files --json`).")
@click.option("--identity", "identity_id", help="Identity id or identifier from the contact graph (see `graph`).")
@click.option("--label", help="A label such as relevant, suspect, evidence (default: tagged).")
@click.option("--victim", is_flag=True, help="Mark a victim: reports made with --redact-victims pseudonymise them.")
@click.option("--note", help="The examiner's note.")
@click.option("--remove", is_flag=True, help="Take the tag off again (recorded, never erased).")
@click.option("--list", "show", is_flag=True, help="List the tags in force (add --json for machine output).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def command(case_dir, artifact_id, file_id, identity_id, label, victim, note, remove, show, as_json) -> None:
    """Tag an artifact, file or identity (or list the tags). Each change is a custody entry."""
    from forensic_triage.store.case_store import CaseStore
    from forensic_triage.store.tags import add_tag, current_tags

    if show:
        store = CaseStore.open(case_dir)
        for tag in current_tags(store):
            item = tag.__dict__
            click.echo(json.dumps(item, ensure_ascii=False) if as_json else
                       f"{tag.id}\t{tag.target_kind}:{tag.target_id}\t{tag.label}\t{tag.note or ''}")
        return
    targets = [(kind, value) for kind, value in (("artifact", artifact_id), ("file", file_id),
                                                  ("identity", identity_id)) if value]
    if len(targets) != 1:
        raise TriageError("give exactly one of --artifact, --file or --identity")
    store = CaseStore.open(case_dir, write="tag")
    target_kind, target_id = targets[0]
    tag = add_tag(store, target_kind=target_kind, target_id=target_id, label=label, victim=victim, note=note,
                  remove=remove)
    click.echo(f"{'Removed' if remove else 'Tagged'} {target_kind} {target_id}: {tag.label}"
               + (f" ({tag.note})" if tag.note else ""))
