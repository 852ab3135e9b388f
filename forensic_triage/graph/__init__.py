"""The contact graph: who communicated with whom, across apps and devices.

Built from a case store's message, call, contact and account artifacts, streaming them in id
order so a case with a million messages stays in bounded memory:

- identities (:mod:`.identities`): every sender, recipient, call party, contact-card entry and
  account is reduced to a typed identifier (``tel:+4917612345678``, ``email:a@example.org``,
  ``handle:telegram:alice``, ``owner:E001``). Identifiers that the evidence ties together (one
  contact card, one device owner's accounts) are merged with a union-find, so a WhatsApp JID and
  an SMS number are one person. An identity's id is derived from its sorted identifiers.
- links (:mod:`.build`): message and call counts per direction, first and last contact time (UTC),
  the apps used and the ids of the artifact rows behind each link, so every edge leads back to
  the bytes it came from.
- analysis: degree and betweenness centrality and Louvain communities with a fixed seed
  (networkx); shortest paths between two identities (:mod:`.paths`).
- output (:mod:`.export`): canonical JSON with a digest, GraphML and GEXF for Gephi.

The same case gives the same graph, ids, order and digest.
"""

from forensic_triage.graph.build import ContactGraph, Identity, Link, build_graph

__all__ = ["ContactGraph", "Identity", "Link", "build_graph"]
