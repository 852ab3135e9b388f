"""Every corpus image with a Sleuth Kit listing: our file list equals fls, our hashes equal icat's.

The oracle (`*.fls.txt`, made with The Sleuth Kit 4.11.1) is compared as a set of
(partition offset, path, deleted); each sha256 it gives (inode-0 rows excepted, see
shared/NOTES.md) must equal ours for the same row. Images the Sleuth Kit cannot read must be
refused by `add` with a clear message and leave a case that still verifies.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forensic_triage.errors import EvidenceError
from forensic_triage.evidence.add import add_evidence
from forensic_triage.progress import run_silently
from forensic_triage.verify import verify_case
from tests.conftest import CORPUS, add_and_ingest, new_case, sha256_file
from tests.corpus.fls_oracle import parse

IMAGES = sorted(CORPUS.glob("images/*/*.fls.txt")) if CORPUS.exists() else []
# What `add` must say for the images the Sleuth Kit cannot read (the words an examiner needs).
REFUSALS = {
    "fat32_small.raw.gz": "2048-byte sectors",
    "lvm.qcow2": "LVM",
    "gpt-512-3p.raw": "no file system",
}


def _image_for(listing: Path) -> Path:
    return listing.with_name(listing.name[: -len(".fls.txt")])


@pytest.mark.corpus
@pytest.mark.skipif(not IMAGES, reason="corpus not available: ../shared/corpus/images")
@pytest.mark.parametrize("listing", IMAGES, ids=lambda p: p.name[: -len(".fls.txt")])
def test_listing_and_hashes_match_the_sleuth_kit(listing: Path, tmp_path: Path) -> None:
    image = _image_for(listing)
    oracle = parse(listing)
    before = sha256_file(image)
    store = new_case(tmp_path / "case")
    if not oracle.rows:
        with pytest.raises(EvidenceError) as refused:
            run_silently(add_evidence(store, image))
        assert REFUSALS.get(image.name, "no file system") in str(refused.value)
        assert store.count("evidence") == 0
        assert run_silently(verify_case(store)).ok
        return
    add_and_ingest(store, image)
    rows = [dict(row) for row in store.conn.execute("SELECT * FROM files")]
    ours = {(row["partition_offset"] or 0, row["path"], bool(row["deleted"])) for row in rows}
    assert ours == oracle.listing()
    by_key = {(row["partition_offset"] or 0, row["path"], bool(row["deleted"])): row["sha256"] for row in rows}
    wrong = {key: (by_key.get(key), expected) for key, expected in oracle.sha256.items() if by_key.get(key) != expected}
    assert not wrong
    assert run_silently(verify_case(store)).ok
    assert sha256_file(image) == before, "the evidence changed"


E01_WITH_HASHES = [path for path in IMAGES if path.name.endswith(".E01.fls.txt")]


@pytest.mark.corpus
@pytest.mark.skipif(not E01_WITH_HASHES, reason="corpus not available: ../shared/corpus/images/*.E01")
@pytest.mark.parametrize("listing", E01_WITH_HASHES, ids=lambda p: p.name[: -len(".fls.txt")])
def test_e01_acquisition_hashes_are_read_and_matched(listing: Path, tmp_path: Path) -> None:
    oracle = parse(listing)
    store = new_case(tmp_path / "case")
    row = run_silently(add_evidence(store, _image_for(listing)))
    acquisition = json.loads(row["acquisition"])
    assert oracle.ewf_md5, "the ewfinfo section names an MD5"
    assert acquisition["stored"]["md5"] == oracle.ewf_md5
    assert acquisition["comparisons"]["md5"]["verdict"] == "match"
    assert row["md5"] == oracle.ewf_md5
    if oracle.ewf_sha1:
        assert acquisition["comparisons"]["sha1"]["verdict"] == "match"
    assert acquisition["verdict"] == "match"


@pytest.mark.corpus
def test_dmg_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    image = CORPUS / "images" / "dfvfs" / "hfsplus_zlib.dmg"
    if not image.exists():
        pytest.skip("corpus not available: hfsplus_zlib.dmg")
    store = new_case(tmp_path / "case")
    with pytest.raises(EvidenceError, match=r"Apple disk image \(.dmg\) is not supported"):
        run_silently(add_evidence(store, image))
    assert run_silently(verify_case(store)).ok


@pytest.mark.corpus
def test_bitlocker_to_go_lists_the_discovery_volume_and_says_a_key_is_needed(tmp_path: Path) -> None:
    image = CORPUS / "images" / "dfvfs" / "bdetogo.raw"
    if not image.exists():
        pytest.skip("corpus not available: bdetogo.raw")
    store = new_case(tmp_path / "case")
    add_and_ingest(store, image)
    messages = [row[0] for row in store.conn.execute("SELECT message FROM warnings WHERE code LIKE 'volume.%'")]
    assert any("BitLocker-encrypted: recovery key needed" in message for message in messages)
