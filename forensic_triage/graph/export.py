"""Writing the contact graph: JSON (everything, with its digests), GraphML and GEXF for Gephi.

JSON is written in canonical form (sorted keys, no spaces), one identity or link per line.
GraphML and GEXF hold only strings, numbers and booleans, so lists become "; "-separated text
and a missing time becomes "". Artifact ids are written as compact ranges ("12-40,45"), which
`forensic-triage artifacts` and the case store resolve back to rows and bytes.
"""

from __future__ import annotations

import io
import re
from typing import IO, Any

import networkx as nx

from forensic_triage.graph.build import ContactGraph

FORMATS = ("json", "graphml", "gexf")
LIST_SEPARATOR = "; "


def to_json(graph: ContactGraph) -> str:
    return "".join(graph.json_chunks(separator="\n")) + "\n"


# Characters XML 1.0 cannot hold (control characters, lone surrogates): a contact name made of
# them would otherwise give a file that Gephi refuses to open.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _flat(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    return value


def to_networkx(graph: ContactGraph) -> nx.Graph:
    """A networkx graph whose attributes GraphML and GEXF writers accept."""
    exported = nx.Graph()
    exported.graph.update({"format": graph.as_dict(with_digests=False)["format"], "digest": graph.digest,
                           "content_digest": graph.content_digest,
                           "case_number": graph.case.get("case_number") or "",
                           "case_uuid": graph.case.get("case_uuid") or ""})
    for identity in graph.identities:
        attributes = {key: _flat(value) for key, value in identity.as_dict().items() if key != "id"}
        exported.add_node(identity.id, **attributes)
    for link in graph.links:
        attributes = {key: _flat(value) for key, value in link.as_dict().items()}
        exported.add_edge(link.a, link.b, **attributes)
    return exported


def write(graph: ContactGraph, fmt: str, stream: IO[bytes]) -> None:
    """Write ``graph`` as ``fmt`` (json, graphml or gexf) to a binary stream."""
    if fmt == "json":
        # Canonical JSON (the bytes the digest is taken over, give or take the line breaks),
        # one identity or link per line, written as it is made.
        batch: list[str] = []
        for chunk in graph.json_chunks(separator="\n"):
            batch.append(chunk)
            if len(batch) >= 512:
                stream.write("".join(batch).encode("utf-8"))
                batch.clear()
        batch.append("\n")
        stream.write("".join(batch).encode("utf-8"))
    elif fmt == "graphml":
        nx.write_graphml(to_networkx(graph), stream, encoding="utf-8", prettyprint=True)
    elif fmt == "gexf":
        _write_gexf(graph, stream)
    else:
        raise ValueError(f"unknown graph format {fmt!r} (one of {', '.join(FORMATS)})")


def _write_gexf(graph: ContactGraph, stream: IO[bytes]) -> None:
    """networkx's GEXF writer, with the meta block made reproducible: it stamps the
    workstation's local date, which would make two exports of the same graph differ."""
    from networkx.readwrite.gexf import GEXFWriter

    from forensic_triage import __version__

    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(to_networkx(graph))
    for meta in writer.xml.iter("meta"):
        meta.attrib.pop("lastmodifieddate", None)
        for child in meta:
            if child.tag == "creator":
                child.text = f"forensic-triage {__version__} (NetworkX {nx.__version__})"
        description = meta.makeelement("description", {})
        description.text = (f"Contact graph of case {graph.case.get('case_number') or '?'}; "
                            f"digest {graph.digest}; content digest {graph.content_digest}")
        meta.append(description)
    writer.write(stream)


def dumps(graph: ContactGraph, fmt: str) -> bytes:
    buffer = io.BytesIO()
    write(graph, fmt, buffer)
    return buffer.getvalue()
