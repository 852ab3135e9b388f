"""Asking for an encrypted case's passphrase: checked against the case's key header before the
case is opened, then kept in this process only (the same place the CLI's environment variable
lives), so every view, worker and report subprocess of this window can open the case."""

from __future__ import annotations

import os
from pathlib import Path

from PyQt6.QtWidgets import QInputDialog, QLineEdit, QWidget

from forensic_triage.errors import CaseError
from forensic_triage.store import crypto


def needs_passphrase(case_dir: Path) -> bool:
    """An encrypted case whose passphrase this process does not know yet (or knows wrongly)."""
    header = crypto.read_header(case_dir)
    if header is None:
        return False
    known = os.environ.get(crypto.PASSPHRASE_ENV)
    if not known:
        return True
    try:
        crypto.case_key(header, known)
    except CaseError:
        return True
    return False


def ask_passphrase(parent: QWidget | None, case_dir: Path, *, attempts: int = 3) -> bool:
    """Prompt until the passphrase opens the case (at most `attempts` times). True when it did;
    False when the examiner cancelled or every attempt was wrong (then the case stays closed)."""
    header = crypto.read_header(case_dir)
    if header is None:
        return True
    prompt = f"The case in {case_dir} is encrypted.\nPassphrase:"
    for _ in range(attempts):
        text, accepted = QInputDialog.getText(parent, "Encrypted case", prompt, QLineEdit.EchoMode.Password)
        if not accepted:
            return False
        try:
            crypto.case_key(header, text)
        except CaseError as exc:
            prompt = f"{exc}.\nPassphrase for {case_dir}:"
            continue
        os.environ[crypto.PASSPHRASE_ENV] = text
        return True
    return False
