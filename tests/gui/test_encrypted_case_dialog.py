"""An encrypted case opened from the window asks for its passphrase in a dialog (no terminal
prompt), refuses a wrong one with the reason, and opens with the right one."""

from __future__ import annotations

import os

from PyQt6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from forensic_triage.store import crypto
from forensic_triage.store.case_store import CaseStore

PASSPHRASE = "correct horse battery staple"


def _encrypted_case(path):
    CaseStore.create(path, case_number="E-2", examiner="Tester", encrypt=True, passphrase=PASSPHRASE,
                     kdf_cost=(2**12, 8, 1)).close()
    return path


def test_wrong_then_right_passphrase(qtbot, tmp_path, monkeypatch):
    from forensic_triage.gui.main_window import MainWindow

    monkeypatch.delenv(crypto.PASSPHRASE_ENV, raising=False)
    case = _encrypted_case(tmp_path / "case")
    answers = iter([("wrong passphrase", True), (PASSPHRASE, True)])
    prompts = []

    def get_text(parent, title, label, echo):
        prompts.append(label)
        assert echo == QLineEdit.EchoMode.Password
        return next(answers)

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_case(case)
    assert len(prompts) == 2 and "wrong passphrase" in prompts[1]
    assert window.session is not None and window.session.store.case_info()["case_number"] == "E-2"
    assert os.environ[crypto.PASSPHRASE_ENV] == PASSPHRASE


def test_cancel_keeps_the_case_closed(qtbot, tmp_path, monkeypatch):
    from forensic_triage.gui.main_window import MainWindow

    monkeypatch.delenv(crypto.PASSPHRASE_ENV, raising=False)
    case = _encrypted_case(tmp_path / "case")
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *args: ("", False)))
    window = MainWindow()
    qtbot.addWidget(window)
    assert not window.open_case(case)
    assert window.session is None
    boxes = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert boxes and "not unlocked" in boxes[0].text()
