#!/usr/bin/env python3
"""atheris harness: photos and videos (JPEG/TIFF/PNG/WebP/HEIF EXIF, MP4/MOV location) through the
media.exif_gps and media.video_location plugins. Allowed outcome for bad input: warnings.

    .venv/bin/python fuzz/fuzz_exif.py fuzz/corpus/exif -max_total_time=600
"""

import harness

MODULES = ("forensic_triage_plugins.exif_geo", "forensic_triage_plugins.video_geo")


def test_one_input(data: bytes) -> None:
    from forensic_triage_plugins.exif_geo import ExifGps
    from forensic_triage_plugins.video_geo import VideoLocation

    harness.run_plugin(ExifGps, data, "DCIM/Camera/IMG_0001.JPG")
    harness.run_plugin(VideoLocation, data, "DCIM/Camera/IMG_0001.MOV")


if __name__ == "__main__":
    harness.main(test_one_input, MODULES)
