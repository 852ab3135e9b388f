"""`forensic-triage graph`: JSON, GraphML and GEXF exports that parse and say the same thing,
the custody entry of an export, `--between` with the messages behind each hop, and errors."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from forensic_triage.graph import build_graph
from forensic_triage.sdk.artifacts import Locator, Message
from forensic_triage.store.case_store import CaseStore
from tests.conftest import run_cli
from tests.graph.test_build import ALICE, BOB_TELEGRAM, CAROL, add_artifacts, new_case, scenario, t


@pytest.fixture
def case_dir(tmp_path):
    store = new_case(tmp_path / "case")
    add_artifacts(store, scenario())
    store.close()
    return tmp_path / "case"


def _graph(case_dir):
    store = CaseStore.open(case_dir)
    try:
        return build_graph(store)
    finally:
        store.close()


def test_json_export_to_stdout_is_the_graph_with_its_digest(case_dir):
    done = run_cli("graph", case_dir)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    expected = _graph(case_dir)
    assert document["digest"] == expected.digest and document["content_digest"] == expected.content_digest
    assert document["format"] == "forensic-triage.contact-graph"
    assert [item["id"] for item in document["identities"]] == [identity.id for identity in expected.identities]
    assert len(document["links"]) == 5
    again = run_cli("graph", case_dir, "--format", "json")
    assert json.loads(again.stdout) == document                   # same case, same bytes of meaning


def test_graphml_export_parses_with_networkx_and_keeps_every_attribute(case_dir, tmp_path):
    out = tmp_path / "exports" / "case.graphml"
    done = run_cli("graph", case_dir, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "Wrote the contact graph (6 identities, 5 links, graphml)" in done.stderr
    graph = nx.read_graphml(out)
    expected = _graph(case_dir)
    assert graph.number_of_nodes() == 6 and graph.number_of_edges() == 5
    assert graph.graph["digest"] == expected.digest
    owner = expected.owners()[0]
    node = graph.nodes[owner.id]
    assert node["label"] == "Owner of E001: Olivia" and node["owner"] is True
    assert node["identifiers"] == "owner:E001; tel:+4915112345678"
    assert node["degree"] == 4 and node["betweenness"] == pytest.approx(owner.betweenness)
    assert isinstance(node["community"], int) and isinstance(node["degree_centrality"], float)
    alice = expected.key_to_id[ALICE]
    edge = graph.edges[owner.id, alice]
    link = expected.link(owner.id, alice)
    assert edge["artifact_ids"] == link.artifact_ids and edge["messages"] == 5 and edge["calls"] == 2
    assert edge["first_utc"] == "2024-02-28T08:00:00Z" and edge["last_utc"] == "2024-03-07T10:00:00Z"
    assert edge["apps"] == "MMS; Phone; SMS; WhatsApp; iMessage" and edge["weight"] == 7


def test_gexf_export_parses_and_is_the_same_every_time(case_dir, tmp_path):
    first, second = tmp_path / "a.gexf", tmp_path / "b.gexf"
    assert run_cli("graph", case_dir, "--out", first).returncode == 0
    assert run_cli("graph", case_dir, "--format", "gexf", "--out", second).returncode == 0
    assert first.read_bytes() == second.read_bytes()               # no export date stamped in
    graph = nx.read_gexf(first)
    expected = _graph(case_dir)
    assert sorted(graph.nodes) == [identity.id for identity in expected.identities]
    assert graph.nodes[expected.key_to_id[ALICE]]["label"] == "Alice Smith"
    assert {data["artifact_ids"] for _a, _b, data in graph.edges(data=True)} == {
        link.artifact_ids for link in expected.links}


def test_an_export_is_recorded_in_custody_and_the_case_still_verifies(case_dir, tmp_path):
    out = tmp_path / "g.json"
    assert run_cli("graph", case_dir, "--out", out).returncode == 0
    entries = [json.loads(line) for line in run_cli("custody", case_dir, "--json").stdout.splitlines()]
    assert entries[-1]["action"] == "graph.export"
    assert entries[-1]["details"]["digest"] == json.loads(out.read_text())["digest"]
    assert entries[-1]["details"]["format"] == "json"
    verified = run_cli("verify", case_dir)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_between_prints_the_path_and_the_messages_behind_each_hop(case_dir):
    done = run_cli("graph", case_dir, "--between", "123456789", "+49 176 99887766")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Shortest path: 3 hops"
    assert "[1] 123456789 (telegram)" in lines[1] and "Owner of E001: Olivia" in lines[2]
    assert "Alice Smith" in lines[3] and "tel:+4917699887766" in lines[4]
    text = done.stdout
    assert "Hop 2: [2] Owner of E001: Olivia -> [3] Alice Smith" in text
    assert "5 messages (1 ->, 4 <-, 0 undirected), 2 calls (1 ->, 1 <-, 0 undirected)" in text
    hop2 = [" ".join(line.split()) for line in text.split("Hop 2:")[1].split("Hop 3:")[0].splitlines()[2:] if line]
    assert [line.split()[0] for line in hop2] == [                  # earliest first, UTC
        "2024-02-28T08:00:00Z", "2024-03-01T10:00:00Z", "2024-03-02T10:00:00.250000Z", "2024-03-03T10:00:00Z",
        "2024-03-04T09:00:00Z", "2024-03-05T08:00:00Z", "2024-03-07T10:00:00Z"]
    assert hop2[2] == "2024-03-02T10:00:00.250000Z WhatsApp message <- artifact 4 hi via whatsapp"
    assert hop2[4] == "2024-03-04T09:00:00Z SMS message -> artifact 6 reply by sms"
    assert hop2[5] == "2024-03-05T08:00:00Z Phone call <- artifact 7 call, 61.5 s"
    assert "2024-03-07T10:00:00Z MMS message -> artifact 11 group hello" in " ".join(text.split("Hop 3:")[1].split())


@pytest.mark.parametrize("a, b", [
    ("4917612345678@s.whatsapp.net", "owner"),                    # a JID
    ("alice.smith@example.org", "+4915112345678"),                # an e-mail, the owner's number
    ("0176 12345678", "owner:E001"),                               # national format (case region DE)
    ("Alice Smith", "tel:+4915112345678"),                         # a display name, a typed identifier
])
def test_between_accepts_any_form_of_an_identifier(case_dir, a, b):
    expected = _graph(case_dir)
    done = run_cli("graph", case_dir, "--between", a, b, "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["path"] == [expected.key_to_id[ALICE], expected.owners()[0].id]
    (hop,) = document["hops"]
    assert hop["total"] == 7 and len(hop["items"]) == 7
    assert [item["direction"] for item in hop["items"]] == ["<-", "->", "->", "->", "<-", "->", "->"]
    assert hop["link"]["artifact_ids"] == expected.link(*document["path"]).artifact_ids


def test_between_accepts_identity_ids(case_dir):
    expected = _graph(case_dir)
    alice, carol = expected.key_to_id[ALICE], expected.key_to_id[CAROL]
    document = json.loads(run_cli("graph", case_dir, "--between", carol, alice, "--json").stdout)
    assert document["path"] == [carol, alice] and document["hops"][0]["items"][0]["direction"] == "<-"


def test_between_limit_shows_the_earliest_and_says_how_many_more(case_dir):
    done = run_cli("graph", case_dir, "--between", "owner", ALICE, "--limit", "2")
    assert done.returncode == 0, done.stderr
    hop = done.stdout.split("Hop 1:")[1].splitlines()
    assert hop[2].startswith("  2024-02-28T08:00:00Z") and hop[3].startswith("  2024-03-01T10:00:00Z")
    assert hop[4].startswith("  ... 5 more; all artifact ids: 3-8,11")


def test_between_unconnected_identities_says_so(case_dir):
    store = CaseStore.open(case_dir, write="test")
    add_artifacts(store, [Message(app="Signal", sender="+4916055555555", recipients=("+4916066666666",),
                                  direction="unknown", body="elsewhere", sent=t("2024-01-01T00:00:00Z"))],
                  exhibit="E009")
    store.close()
    done = run_cli("graph", case_dir, "--between", BOB_TELEGRAM, "+4916055555555")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("No path between 123456789 (telegram)")


def test_hostile_text_is_shown_on_one_line_without_control_characters(case_dir):
    store = CaseStore.open(case_dir, write="test")
    add_artifacts(store, [Message(app="SMS", sender="+4917699887766", direction="incoming",
                                  body="\x1b[2J\x1b[31mred\nsecond line\u202eevil", sent=t("2024-03-10T00:00:00Z"),
                                  locator=Locator(table="sms", rowid=99))])
    store.close()
    done = run_cli("graph", case_dir, "--between", "owner", CAROL)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if "red" in line)
    assert "\x1b" not in line and "\u202e" not in line and line.endswith("[2J [31mred second line evil")


@pytest.mark.parametrize("args, message", [
    (["--between", "nobody@nowhere.example", "owner"], "no identity matches 'nobody@nowhere.example'"),
    (["--between", "owner", "owner", "--format", "gexf"], "--between prints a path"),
    (["--json"], "--json goes with --between"),
])
def test_bad_requests_are_one_line_errors(case_dir, args, message):
    done = run_cli("graph", case_dir, *args)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_not_a_case_and_unwritable_output_are_one_line_errors(tmp_path, case_dir):
    done = run_cli("graph", tmp_path / "missing")
    assert done.returncode == 2 and done.stderr.startswith("error: no case in")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run_cli("graph", case_dir, "--out", blocker / "g.graphml")
    assert done.returncode == 2 and done.stderr.startswith("error: cannot write")
    done = run_cli("graph", case_dir, "--format", "svg")
    assert done.returncode == 2


def test_ambiguous_owner_needs_the_exhibit(case_dir):
    store = CaseStore.open(case_dir, write="test")
    add_artifacts(store, [Message(app="SMS", sender="+4916055555555", direction="incoming", body="x")],
                  exhibit="E002")
    store.close()
    done = run_cli("graph", case_dir, "--between", "owner", ALICE)
    assert done.returncode == 2 and "'owner' matches 2 identities" in done.stderr
    assert run_cli("graph", case_dir, "--between", "owner:E002", "+4916055555555").returncode == 0
