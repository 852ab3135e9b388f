"""The contact graph: who communicated with whom, across apps and devices.

Built from a case store's message, call, contact and account artifacts, streaming them in id
order so a case with a million messages stays in bounded memory:

- identities (:mod:`.identities`): every sender, recipient, call party, contact-card entry and
  account is reduced to a typed identifier (``tel:+4917612345678``, ``email:a@example.org``,
  ``handle:telegram:alice``, ``owner:E001``). Identifiers that the evidence ties together (one
  contact card, one device owner's accounts) are merged with a union-find, so a WhatsApp JID and
  an SMS number are one person. Each exhibit's owner is one node; two devices' owners merge only
  through a shared phone number or e-mail. An identity's id is derived from its sorted identifiers.
- links (:mod:`.build`): message and call counts per direction, first and last contact time (UTC),
  the apps used and the ids of the artifact rows behind each link, so every edge leads back to
  the bytes it came from.
- analysis: degree centrality and Louvain communities with a fixed seed (networkx), betweenness
  centrality (:mod:`.centrality`: networkx's values, computed faster; estimated from seeded
  samples above 2,000 identities); shortest paths between two identities and the messages and
  calls behind each hop (:mod:`.paths`).
- output (:mod:`.export`): canonical JSON with a digest, GraphML and GEXF for Gephi; the
  command is `forensic-triage graph CASE_DIR [--format graphml|gexf|json] [--out FILE]` and
  `forensic-triage graph CASE_DIR --between A B`.

The same case gives the same graph, ids, order and digest (``digest``); ``content_digest`` leaves
out the case and the artifact row ids, so equal evidence gives equal content digests even when
ingest wrote its rows in another order.
"""

from forensic_triage.graph.build import ContactGraph, Identity, Link, build_graph

__all__ = ["ContactGraph", "Identity", "Link", "build_graph"]
