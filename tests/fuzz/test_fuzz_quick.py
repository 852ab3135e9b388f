"""The quick fuzz run of `make test`: mutated images through create/add/ingest/verify and mutated
artifact files through every plugin, from evidence the project generates (and a corpus variant that
skips when ../shared/corpus is absent). The long run is benchmarks/fuzz_campaign.py."""

from __future__ import annotations

from pathlib import Path

import fuzz_driver
import fuzz_seeds
import pytest

# A known host bug outside the fuzz owner's files, reported to its owner (see docs/fuzzing.md): the
# ingest's SQLite schema probe (forensic_triage/ingest/plugin_stage.py::_schema ->
# plugin_host/runner.py::read_schema) dies on a sqlite_master holding non-UTF-8 text, so every
# SQLite plugin of that file is reported as "error: UnicodeDecodeError". Until it is fixed a run
# whose only findings are these is an expected failure, not a pass.
KNOWN_HOST_BUG = "error: UnicodeDecodeError"


def _check(tally: fuzz_driver.Tally) -> None:
    findings = [f"[{finding.kind}] {finding.input}: {finding.detail}" for finding in tally.findings]
    assert tally.verify_failed == 0, "\n".join(findings)
    if tally.unhandled and all(KNOWN_HOST_BUG in finding.detail for finding in tally.findings):
        pytest.xfail(f"{tally.unhandled} input(s) hit the known schema-probe bug (plugin_stage._schema)")
    assert tally.unhandled == 0, "\n".join(findings)


@pytest.fixture(scope="module")
def generated():
    return fuzz_seeds.generated_image_seeds(), fuzz_seeds.generated_artifact_seeds()


@pytest.fixture(scope="module")
def warm(generated, tmp_path_factory):
    images, files = generated
    baseline = fuzz_driver.warm_up(images[:1], files, tmp_path_factory.mktemp("warm"))
    assert baseline.unhandled == 0 and baseline.verify_failed == 0, baseline.findings
    assert baseline.artifacts > 50     # the unmutated seeds really reach the plugins
    return generated


@pytest.mark.slow
def test_mutated_generated_images(warm, tmp_path: Path):
    images, _files = warm
    total = fuzz_driver.Tally()
    for result in fuzz_driver.campaign_images(images, 20, seed=20260301, work=tmp_path, deadline=240):
        total.add(result)
    assert total.images == 20
    _check(total)


@pytest.mark.slow
def test_mutated_generated_artifact_files(warm, tmp_path: Path):
    _images, files = warm
    total = fuzz_driver.Tally()
    for result in fuzz_driver.campaign_files(files, 200, seed=20260301, work=tmp_path, batch=200, deadline=600):
        total.add(result)
    assert total.files == 200
    assert total.artifacts > 0
    _check(total)


@pytest.mark.slow
@pytest.mark.corpus
def test_mutated_corpus_inputs(warm, tmp_path: Path):
    images, files = fuzz_seeds.corpus_image_seeds(), fuzz_seeds.corpus_artifact_seeds()
    if not images or not files:
        pytest.skip(f"corpus not available: {fuzz_seeds.CORPUS} (the third-party test corpus lives in ../shared/corpus)")
    total = fuzz_driver.Tally()
    for result in fuzz_driver.campaign_images(images, len(images), seed=7, work=tmp_path, deadline=240):
        total.add(result)
    for result in fuzz_driver.campaign_files(files, 100, seed=7, work=tmp_path, batch=100, deadline=600):
        total.add(result)
    _check(total)
