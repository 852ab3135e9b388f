"""`forensic-triage keys`: the examiner's signing key (create, import, show)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("keys")
def command() -> None:
    """The examiner's signing key for `report --sign`: an Ed25519 key pair with a self-signed
    certificate (`keys init`), or an existing certificate and key (`keys import`)."""


_KEY_DIR = click.option("--dir", "key_dir", type=click.Path(path_type=Path, file_okay=False),
                        help="Key folder (default: ~/.local/share/forensic-triage/keys).")
_PASSPHRASE = click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False),
                           help="File whose first line is the new key passphrase "
                                "(else $FORENSIC_TRIAGE_KEY_PASSPHRASE or a prompt).")


@command.command("init")
@_KEY_DIR
@_PASSPHRASE
@click.option("--name", help="Examiner's name for the certificate (default: $FORENSIC_TRIAGE_EXAMINER or the user).")
@click.option("--organisation", help="Organisation for the certificate.")
@click.option("--algorithm", type=click.Choice(["ed25519", "ecdsa-p256"]), default="ed25519", show_default=True,
              help="Key type; ecdsa-p256 for older PDF readers that do not know Ed25519 signatures.")
@click.option("--force", is_flag=True, help="Replace an existing key (the old one is overwritten).")
def init(key_dir: Path | None, passphrase_file: Path | None, name: str | None, organisation: str | None,
         algorithm: str, force: bool) -> None:
    """Create an Ed25519 (or ECDSA P-256) key pair, the private key encrypted with a passphrase,
    and a self-signed X.509 certificate."""
    import getpass
    import os

    from forensic_triage.report.signing import (
        certificate_summary,
        default_key_dir,
        init_keys,
        read_passphrase,
    )

    key_dir = key_dir or default_key_dir()
    examiner = name or os.environ.get("FORENSIC_TRIAGE_EXAMINER") or getpass.getuser()
    key = init_keys(key_dir, examiner=examiner, organisation=organisation,
                    passphrase=read_passphrase(passphrase_file, confirm=True), force=force, algorithm=algorithm)
    _show(key.key_path, key.cert_path, certificate_summary(key.certificate))


@command.command("import")
@_KEY_DIR
@_PASSPHRASE
@click.option("--cert", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Certificate (PEM).")
@click.option("--key", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Private key (PEM).")
@click.option("--pkcs12", "pkcs12_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Certificate and key in one PKCS#12 (.p12/.pfx) file.")
@click.option("--source-passphrase-file", type=click.Path(path_type=Path, dir_okay=False),
              help="File holding the passphrase of the imported key or PKCS#12 file, if it has one.")
@click.option("--force", is_flag=True, help="Replace an existing key.")
def import_(key_dir: Path | None, passphrase_file: Path | None, cert: Path | None, key: Path | None,
            pkcs12_file: Path | None, source_passphrase_file: Path | None, force: bool) -> None:
    """Import an existing certificate and private key; the key is stored encrypted with the
    examiner's passphrase."""
    from forensic_triage.report.signing import (
        SigningError,
        certificate_summary,
        default_key_dir,
        import_keys,
        read_passphrase,
    )

    source = None
    if source_passphrase_file is not None:
        try:
            source = source_passphrase_file.read_text(encoding="utf-8").splitlines()[0].encode("utf-8")
        except (OSError, IndexError) as exc:
            raise SigningError(f"cannot read {source_passphrase_file}: {exc}") from None
    key_dir = key_dir or default_key_dir()
    imported = import_keys(key_dir, cert=cert, key=key, pkcs12_file=pkcs12_file, source_passphrase=source,
                           passphrase=read_passphrase(passphrase_file, confirm=True), force=force)
    _show(imported.key_path, imported.cert_path, certificate_summary(imported.certificate))


@command.command("show")
@_KEY_DIR
def show(key_dir: Path | None) -> None:
    """Show the certificate in the key folder (no passphrase needed)."""
    from cryptography import x509

    from forensic_triage.report.signing import (
        CERT_FILE,
        KEY_FILE,
        SigningError,
        certificate_summary,
        default_key_dir,
    )

    key_dir = key_dir or default_key_dir()
    cert_path = key_dir / CERT_FILE
    if not cert_path.exists():
        raise SigningError(f"no certificate in {key_dir}: create one with `forensic-triage keys init`")
    _show(key_dir / KEY_FILE, cert_path, certificate_summary(x509.load_pem_x509_certificate(cert_path.read_bytes())))


def _show(key_path: Path, cert_path: Path, summary: dict[str, str]) -> None:
    click.echo(f"key:         {key_path}")
    click.echo(f"certificate: {cert_path}")
    for name in ("subject", "algorithm", "not_before", "not_after", "sha256_fingerprint"):
        click.echo(f"  {name.replace('_', ' ')}: {summary[name]}")
