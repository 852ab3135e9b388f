"""The atheris harnesses in fuzz/ stay runnable: each one's test_one_input accepts a generated seed
and a damaged copy of it without atheris installed (the coverage-guided runs are not part of CI)."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import fuzz_mutators
import fuzz_seeds
import pytest

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
HARNESSES = {
    "fuzz_bcbp": "Documents/bcbp.txt",
    "fuzz_tl": None,
    "fuzz_vcard": "sdcard/people.vcf",
    "fuzz_exif": "sdcard/DCIM/Camera/IMG_0101.JPG",
    "fuzz_mail_schema_org": "Mail/booking.eml",
    "fuzz_sqlite_stores": "data/data/com.android.providers.telephony/databases/mmssms.db",
    "fuzz_fat_walk": "image",
}


def _load(name: str):
    sys.path.insert(0, str(FUZZ))
    try:
        spec = importlib.util.spec_from_file_location(f"atheris_{name}", FUZZ / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(FUZZ))


@pytest.fixture(scope="module")
def seeds():
    return dict(fuzz_seeds.generated_artifact_seeds()), dict(fuzz_seeds.generated_image_seeds())


@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_harness_runs_on_a_seed_and_a_mutant(name, seeds):
    files, images = seeds
    module = _load(name)
    key = HARNESSES[name]
    if key is None:
        from forensic_triage.demo.apps.telegram import TgMessage, encode_message

        data = encode_message(TgMessage(mid=1, dialog=5, date=1_600_000_000, text="hello"))
    elif key == "image":
        data = images["gen-fat16.img"]
    else:
        data = files[key]
    module.test_one_input(data)
    module.test_one_input(fuzz_mutators.mutate(fuzz_mutators.Seed.of(name, data), random.Random(name)).data)
