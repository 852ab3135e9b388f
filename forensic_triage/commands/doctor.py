"""`forensic-triage doctor`: what this installation is made of, and whether it can work offline."""

from __future__ import annotations

import importlib
import json

import click


def _checks() -> list[tuple[str, bool, str]]:
    from forensic_triage import netguard
    from forensic_triage.plugin_host.registry import discover
    from forensic_triage.versions import library_versions

    results: list[tuple[str, bool, str]] = []
    netguard.install()
    refused = False
    try:
        import socket

        socket.getaddrinfo("example.org", 443)
    except netguard.NetworkRefused:
        refused = True
    results.append(("network guard", refused, "outbound connections and name lookups are refused in this "
                                             "process and its workers" if refused else "NOT active"))
    missing = [name for name, value in library_versions().items() if value == "not installed"]
    results.append(("evidence libraries", not missing,
                    ", ".join(f"{name} {value}" for name, value in library_versions().items())
                    + (f"; missing: {', '.join(missing)}" if missing else "")))
    # Components that ship their data: each must load it from the wheel, never download it.
    offline = []
    for module, probe in (("reverse_geocode", "search"), ("timezonefinder", "TimezoneFinder"),
                          ("airportsdata", "load"), ("phonenumbers", "parse")):
        try:
            imported = importlib.import_module(module)
            getattr(imported, probe)
            offline.append((module, True))
        except (ImportError, AttributeError):
            offline.append((module, False))
    results.append(("offline reference data", all(ok for _, ok in offline),
                    ", ".join(f"{name} {'ok' if ok else 'MISSING'}" for name, ok in offline)))
    results.append(_encryption_check())
    registry = discover()
    results.append(("plugins", not registry.problems,
                    f"{len(registry.plugins)} loaded" + (f"; {len(registry.problems)} not loaded: "
                                                         + "; ".join(p.spec for p in registry.problems)
                                                         if registry.problems else "")))
    return results


def _encryption_check() -> tuple[str, bool, str]:
    """Whether `case create --encrypt` works here: the SQLCipher library keys a database and reads
    it back, scrypt (the passphrase KDF) and AES (encrypted working files) are available."""
    import hashlib
    import secrets

    from forensic_triage.errors import TriageError
    from forensic_triage.store import crypto

    try:
        module = crypto.sqlcipher()
    except TriageError as exc:
        return "encrypted cases", False, f"NOT available: {exc}"
    try:
        conn = crypto.connect_encrypted(":memory:", secrets.token_bytes(32))
        try:
            conn.execute("CREATE TABLE probe (value TEXT)")
            conn.execute("INSERT INTO probe VALUES ('ok')")
            readable = conn.execute("SELECT value FROM probe").fetchone() == ("ok",)
            cipher = conn.execute("PRAGMA cipher_version").fetchone()
            provider = conn.execute("PRAGMA cipher_provider_version").fetchone()
        finally:
            conn.close()
        hashlib.scrypt(b"probe", salt=b"probe", n=1 << 10, r=8, p=1, dklen=32)
        from cryptography.hazmat.primitives.ciphers import algorithms

        algorithms.AES(bytes(32))
    except (module.Error, ImportError, ValueError) as exc:
        return "encrypted cases", False, f"NOT available: {type(exc).__name__}: {exc}"
    if not readable or not cipher:
        return "encrypted cases", False, "NOT available: the SQLCipher library did not apply a key"
    crypto_by = f", crypto by {provider[0]}" if provider and provider[0] else ""
    detail = (f"available (case create --encrypt): SQLCipher {cipher[0]} in {crypto.library_version()}{crypto_by}; "
              f"scrypt key derivation; AES-256-CTR working files")
    return "encrypted cases", True, detail


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def command(as_json: bool) -> None:
    """Check this installation: network guard, library versions, offline data, encrypted cases, plugins."""
    results = _checks()
    if as_json:
        click.echo(json.dumps([{"check": name, "ok": ok, "detail": detail} for name, ok, detail in results]))
        return
    for name, ok, detail in results:
        click.echo(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
