"""The network guard: forensic-triage never talks to the network, and proves it.

An audit hook (PEP 578) refuses every outbound connection and name lookup in this process and
in the worker processes it starts (forked workers inherit the hook; spawned ones install it).
Local inter-process sockets (AF_UNIX) stay allowed. A refusal raises NetworkRefused, which the
plugin host turns into a warning row and a custody entry.
"""

from __future__ import annotations

import socket
import sys

_EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
           "socket.sendto", "socket.sendmsg", "urllib.Request", "http.client.connect", "ftplib.connect",
           "smtplib.connect", "webbrowser.open")
_installed = False
refused: list[str] = []


class NetworkRefused(PermissionError):
    """Something tried to reach the network; forensic-triage runs air-gapped by design."""


def _hook(event: str, args: tuple) -> None:
    if event not in _EVENTS:
        return
    if event == "socket.connect":
        sock = args[0]
        if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", None):
            return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        target = args[1] if len(args) > 1 else ""
    elif event == "socket.getaddrinfo":
        target = args[:2]
    else:
        target = args
    what = f"{event} {target!r}"[:200]
    refused.append(what)
    raise NetworkRefused(f"network access refused by forensic-triage's network guard: {what}")


def install() -> None:
    """Install the guard once per process (audit hooks cannot be removed: that is the point)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


def installed() -> bool:
    return _installed
