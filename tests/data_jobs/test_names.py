"""UniqueNames: one naming rule for every archive we write (issue 15 item 9)."""

from __future__ import annotations

import unicodedata

from data_jobs.names import MAX_COMPONENT_BYTES, UniqueNames, fit


def _components(path: str) -> list[bytes]:
    return [p.encode("utf-8") for p in path.split("/")]


def test_duplicates_get_a_counter_case_insensitively() -> None:
    names = UniqueNames(reserved=["manifest.csv"])
    claimed = [names.claim(n) for n in ("Shoe.jpg", "shoe.JPG", "shoe.jpg", "MANIFEST.csv", "shoe (2).JPG")]
    assert claimed == ["Shoe.jpg", "shoe (2).JPG", "shoe (3).jpg", "MANIFEST (2).csv", "shoe (2) (2).JPG"]


def test_long_components_are_shortened_keeping_the_extension_and_stay_unique() -> None:
    names = UniqueNames()
    long_stem = "x" * 252
    first = names.claim(long_stem + ".jpeg")  # 257 bytes
    second = names.claim(long_stem + ".jpeg")
    third = names.claim("é" * 200 + ".webp")  # 405 bytes of UTF-8, cut at a character boundary
    folder = names.claim("d" * 300 + "/inner.png")
    for path in (first, second, third, folder):
        assert all(len(c) <= MAX_COMPONENT_BYTES for c in _components(path)), path
    assert first.endswith(".jpeg") and second.endswith(" (2).jpeg") and third.endswith(".webp")
    assert first != second
    third.encode("utf-8").decode("utf-8")  # still valid UTF-8: nothing cut inside a character
    assert folder.endswith("/inner.png")


def test_a_file_never_shares_its_path_with_a_folder() -> None:
    names = UniqueNames()
    file_first = names.claim("pic.png")
    inside = names.claim("pic.png/inner.png")
    again_inside = names.claim("PIC.png/other.png")  # the same folder on a case-insensitive disk
    assert file_first == "pic.png"
    assert inside == "pic.png (2)/inner.png"
    assert again_inside == "pic.png (2)/other.png"  # files of a renamed folder follow it

    names = UniqueNames()
    folder_first = names.claim("a/b.jpg")
    file_named_like_it = names.claim("a")
    assert folder_first == "a/b.jpg" and file_named_like_it == "a (2)"


def test_names_are_nfc_so_macos_and_windows_spellings_are_one_name() -> None:
    names = UniqueNames()
    nfd = names.claim("Cafe\u0301.jpg")
    nfc = names.claim("Caf\u00e9.jpg")
    assert nfd == unicodedata.normalize("NFC", "Cafe\u0301.jpg")
    assert nfc == "Caf\u00e9 (2).jpg"


def test_paths_cannot_climb_or_be_empty() -> None:
    names = UniqueNames()
    assert names.claim("../a/./b.jpg") == "a/b.jpg"
    assert names.claim("//") == "unnamed"


def test_fit_cuts_the_stem_only() -> None:
    assert fit("abc", ".jpg") == "abc.jpg"
    out = fit("a" * 300, ".jpg", " (12)")
    assert len(out.encode()) == MAX_COMPONENT_BYTES and out.endswith(" (12).jpg")


def test_many_duplicates_are_all_unique() -> None:
    """10,000 inputs of one name (a hostile upload) each get their own name."""
    names = UniqueNames()
    claimed = {names.claim("same.jpg") for _ in range(10_000)}
    assert len(claimed) == 10_000
