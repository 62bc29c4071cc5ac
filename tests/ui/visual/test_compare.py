"""The comparison of the visual tests: exact images match, a shade is tolerated, a change is not."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from tests.ui.visual.compare import CHANNEL_DELTA, RED, compare, save


def flat(colour: str, width: int = 100, height: int = 100) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


def test_the_same_image_matches(qapp: QApplication) -> None:
    difference = compare(flat("#336699"), flat("#336699"))
    assert (difference.differing, difference.within_tolerance) == (0, True)


def test_a_shade_within_the_delta_matches_and_a_change_beyond_it_does_not(
    qapp: QApplication,
) -> None:
    assert compare(flat("#336699"), flat("#3a6d9f")).differing == 0  # 7 steps: not seen
    beyond = QColor("#336699").red() + CHANNEL_DELTA + 1
    changed = compare(flat("#336699"), flat(QColor(beyond, 0x66, 0x99).name()))
    assert changed.differing == 100 * 100
    assert not changed.within_tolerance


def test_a_few_pixels_are_tolerated_a_patch_is_not_and_the_diff_marks_it(
    qapp: QApplication,
) -> None:
    expected = flat("#ffffff")
    speck = flat("#ffffff")
    speck.setPixelColor(5, 5, QColor("#000000"))
    assert compare(speck, expected).within_tolerance
    patch = flat("#ffffff")
    for x in range(10, 20):
        for y in range(10, 20):
            patch.setPixelColor(x, y, QColor("#000000"))
    difference = compare(patch, expected)
    assert difference.differing == 100
    assert not difference.within_tolerance
    assert difference.diff.pixel(15, 15) == RED
    assert difference.diff.pixel(50, 50) != RED


def test_another_size_differs_everywhere(qapp: QApplication) -> None:
    assert not compare(flat("#000000", 100, 100), flat("#000000", 100, 90)).within_tolerance


def test_a_stored_image_reads_back_exactly(qapp: QApplication, tmp_path: Path) -> None:
    image = flat("#123456")
    image.setPixelColor(3, 4, QColor("#fedcba"))
    path = str(tmp_path / "stored.png")
    assert save(image, path)
    assert compare(image, QImage(path)).differing == 0
