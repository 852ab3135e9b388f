#!/usr/bin/env python3
"""atheris harness: vCard files through the file.vcard plugin, and phone normalisation
(forensic_triage/sdk/phones.py) on every line. Allowed outcome for bad input: warnings; a plugin
status "error" or any exception from to_e164 is a crash.

    .venv/bin/python fuzz/fuzz_vcard.py fuzz/corpus/vcard -max_total_time=600
"""

import harness

MODULES = ("forensic_triage_plugins.vcard", "forensic_triage.sdk.phones")


def test_one_input(data: bytes) -> None:
    from forensic_triage_plugins.vcard import VCardContacts

    from forensic_triage.sdk.phones import to_e164

    harness.run_plugin(VCardContacts, data, "sdcard/contacts.vcf")
    for line in data.decode("utf-8", "replace").splitlines()[:50]:
        to_e164(line, "GB")


if __name__ == "__main__":
    harness.main(test_one_input, MODULES)
