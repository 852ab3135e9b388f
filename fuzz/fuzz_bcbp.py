#!/usr/bin/env python3
"""atheris harness: IATA BCBP boarding-pass strings (forensic_triage/travel/bcbp.py). Allowed outcome
for bad input: BcbpError (a ValueError). The scanner used on free text must never raise.

    .venv/bin/python fuzz/fuzz_bcbp.py fuzz/corpus/bcbp -max_total_time=600
"""

import harness

MODULES = ("forensic_triage.travel.bcbp",)


def test_one_input(data: bytes) -> None:
    from forensic_triage.travel import bcbp

    for strict in (False, True):
        try:
            bcbp.decode(data, strict=strict)
        except bcbp.BcbpError:
            pass
    bcbp.find_candidates(data.decode("latin-1"))


if __name__ == "__main__":
    harness.main(test_one_input, MODULES)
