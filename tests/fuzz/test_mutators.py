"""The mutators are deterministic and the format-aware ones really hit the fields they name."""

from __future__ import annotations

import random
import struct

import fuzz_mutators as m
import fuzz_seeds
import pytest


@pytest.fixture(scope="module")
def seeds():
    images = dict(fuzz_seeds.generated_image_seeds())
    files = dict(fuzz_seeds.generated_artifact_seeds())
    return images, files


def test_same_seed_same_mutation(seeds):
    _images, files = seeds
    seed = m.Seed.of("sms", files["data/data/com.android.providers.telephony/databases/mmssms.db"])
    first = [m.mutate(seed, random.Random(f"x{i}")) for i in range(20)]
    again = [m.mutate(seed, random.Random(f"x{i}")) for i in range(20)]
    assert first == again
    assert len({item.data for item in first}) > 15


def test_sqlite_header_fields(seeds):
    _images, files = seeds
    seed = m.Seed.of("db", files["data/data/com.whatsapp/databases/wa.db"])
    hows = {m.sqlite_header(seed, random.Random(i)).how.split("=")[0].split(" cell")[0] for i in range(80)}
    assert {"sqlite page_size", "sqlite page_count"} <= hows


def test_fat_bpb_and_loops(seeds):
    images, _files = seeds
    for name in ("gen-fat16.img", "gen-fat16-mbr.img"):
        seed = m.Seed.of(name, images[name])
        assert m.fat_bpb(seed, random.Random(1)).how.startswith("fat.bpb")
        hows = [m.fat_loop(seed, random.Random(i)) for i in range(30)]
        assert any(item and item.how.startswith("fat chain") for item in hows)
        assert any(item and item.how.startswith("fat dir loop") for item in hows)


def test_fat_chain_loop_points_back(seeds):
    images, _files = seeds
    seed = m.Seed.of("fat", images["gen-fat16.img"])
    for index in range(50):
        mutation = m.fat_loop(seed, random.Random(index))
        if mutation.how.startswith("fat chain"):
            cluster, target = (int(part) for part in mutation.how.split()[-1].split("->"))
            assert target <= cluster
            start = m._fat_start(mutation.data)
            first_fat = m._fat_geometry(mutation.data, start)[0]
            assert struct.unpack_from("<H", mutation.data, first_fat + 2 * cluster)[0] == target
            return
    pytest.fail("no chain loop made")


def test_ext_mutators(seeds):
    images, _files = seeds
    if "gen-ext2.img" not in images:
        pytest.skip("mke2fs (e2fsprogs) not installed: no generated ext2 image")
    seed = m.Seed.of("ext", images["gen-ext2.img"])
    assert m.ext_superblock(seed, random.Random(2)).how.startswith("ext.superblock")
    hows = [m.ext_dir_loop(seed, random.Random(i)).how for i in range(30)]
    assert any("dir loop" in how for how in hows)


def test_exif_zip_and_text(seeds):
    _images, files = seeds
    photo = m.Seed.of("jpg", files["sdcard/DCIM/Camera/IMG_0101.JPG"])
    assert m.exif_ifd(photo, random.Random(3)).how.startswith("exif")
    passes = m.Seed.of("pkpass", files["Wallet/boarding.pkpass"])
    assert m.zip_headers(passes, random.Random(4)).how.startswith("zip")
    vcard = m.Seed.of("vcf", files["sdcard/people.vcf"])
    assert m.text_lines(vcard, random.Random(5)).how.startswith("text")
    assert m.text_lines(photo, random.Random(5)) is None       # binary: not a text mutation


def test_generic_mutators_on_tiny_inputs():
    for data in (b"", b"x", b"\x00" * 3):
        seed = m.Seed.of("tiny", data)
        for mutator, _weight in m.GENERIC:
            mutator(seed, random.Random(0))
        m.mutate(seed, random.Random(1), rounds=3)
