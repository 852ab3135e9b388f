"""How the fuzz driver classifies warning rows (docs/fuzzing.md)."""

from __future__ import annotations

import fuzz_driver


def test_one_finding_per_input_and_exception():
    tally = fuzz_driver.Tally()
    rows = [("plugin.error", f"{name} error: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff", "n00003/a.db")
            for name in ("android.sms", "android.contacts", "ios.kik")]
    rows += [("plugin.error", "sqlite.inventory raised UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff",
              "n00003/a.db"),
             ("plugin.error", "travel.mail raised KeyError: 'x'", "n00004/b.eml"),
             ("plugin.error", "travel.bcbp.text raised OSError: File_read_random: (tsk3.cpp:731) Read error", "c.txt"),
             ("plugin.crashed", "travel.pdf crashed: signal 6", "d.pdf"),
             ("plugin.timeout", "x ran past its time limit", "e"),
             ("walk.issue", "reading this entry timeout: ran past its time limit; it has no row", "f"),
             ("walk.issue", "reading this entry error: ValueError: boom; it has no row", "g"),
             ("plugin.sqlite_error", "x: SQLite error: file is not a database", "h")]
    fuzz_driver._classify(tally, rows, lambda path: path.split("/")[0])
    assert tally.unhandled == 3          # the shared UnicodeDecodeError once, the KeyError, the walker error
    assert tally.read_errors == 1
    assert (tally.crashes_survived, tally.hangs_stopped) == (1, 2)
    assert [finding.input for finding in tally.findings] == ["n00003", "n00004", "g"]
