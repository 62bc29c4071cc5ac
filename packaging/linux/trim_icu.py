"""Cut ICU's data library in a Linux bundle down to the parts Qt uses, and check what is left.

    python packaging/linux/trim_icu.py BUNDLE_DIR [--report]

PySide6's Qt links ICU, and ICU's data library (``libicudata.so.N``, ~31 MiB) holds every locale's
names, number and date formats, break-iteration dictionaries, transliterators and ~190 legacy
character sets. QtCore calls only collation (``ucol_*``: QCollator, locale-aware sorting),
converters (``ucnv_*``), the calendar and time-zone rules (``ucal_*``) and case mapping
(``u_strTo{Lower,Upper}``, code, no data); no other Qt library in the bundle links ICU. Kept here:

- every collation tailoring (``coll/``: pinyin, stroke, kana, hangul, ... orders),
- the supplemental data ICU itself reads (likely subtags, calendar and time-zone rules,
  normalisation, properties), the converter alias table and ``root``.

Dropped: per-locale display data (``lang/ region/ curr/ unit/ zone/`` and the top-level locale
bundles; Qt formats numbers and dates from its own CLDR tables), break iterators and their
dictionaries, transliterators, spelled-out numbers, IDNA/stringprep profiles, spoof checks,
character names, and every table-based converter (``*.cnv``: GBK, Big5, Shift_JIS, the
ISO-8859 and windows-125x families, EBCDIC, ...). Qt 6 reaches those converters only when code
asks QStringDecoder/QStringEncoder for a legacy encoding by name or loads an HTML file that
declares one; this app does neither (Python decodes whatever it reads, with its own codecs),
and Qt 6 on Unix takes the system's 8-bit encoding to be UTF-8, which ICU converts in code.

The ICU version is the bundle's (``libicudata.so.N`` -> symbol ``icudtN_dat``), so a new PySide6
needs no change here. Debian's ``icupkg`` (package ``icu-devtools``) edits the data; gcc wraps it
back into a shared library with the same soname and symbol. Afterwards the trimmed library is
loaded with the bundle's ICU (ctypes, in a child process) and must open a Chinese, Japanese,
Korean, German and Swedish collator that sorts as those languages do, open UTF-8 by its alias
and open a calendar in a named zone; the script fails otherwise. The frozen app's
``--self-test`` checks sorting through Qt.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_DROPPED_TREES = ("brkitr/", "curr/", "lang/", "rbnf/", "region/", "translit/", "unit/", "zone/")
# Top-level bundles named like a locale ("zh", "zh_Hant_TW", "ff_Adlm"); "root" and the
# supplemental files ("likelySubtags", "zoneinfo64", ...) do not match.
_LOCALE_BUNDLE = re.compile(r"[a-z]{2,3}(_[A-Za-z0-9]+)*\.res")
_DROPPED_FILES = re.compile(r".*\.(spp|cfu|cnv)|unames\.icu|uts46\.nrm|nfkc(_cf)?\.nrm")
_ALWAYS_KEPT = frozenset({"res_index.res", "pool.res", "root.res", "cnvalias.icu"})


class TrimError(Exception):
    """The data library could not be found, cut or verified; the message says which."""


def find_data_library(bundle: Path) -> tuple[Path, str]:
    """Return the bundle's ``libicudata.so.N`` (a real file) and its ICU major version N."""
    found = sorted(
        p
        for p in bundle.rglob("libicudata.so.*")
        if p.is_file() and not p.is_symlink() and re.fullmatch(r"libicudata\.so\.\d+", p.name)
    )
    if len(found) != 1:
        raise TrimError(f"expected one libicudata.so.N under {bundle}, found {found}")
    return found[0], found[0].name.rsplit(".", 1)[1]


def data_symbol_bytes(library: Path, symbol: str) -> bytes:
    """Return the bytes of the data symbol (``icudtN_dat``) in an ICU data library (readelf)."""

    def readelf(*args: str) -> str:
        result = subprocess.run(
            ["readelf", "-W", *args, str(library)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout

    symbols = [
        line.split() for line in readelf("--dyn-syms").splitlines() if line.endswith(f" {symbol}")
    ]
    if len(symbols) != 1:
        raise TrimError(f"{library.name} does not export {symbol}")
    _num, value, size, *_rest, index, _name = symbols[0]
    sections = re.findall(r"\[\s*(\d+)\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", readelf("-S"))
    address, offset = next((int(a, 16), int(o, 16)) for n, a, o in sections if n == index)
    start = int(value, 16) - address + offset
    data = library.read_bytes()[start : start + int(size, 0)]
    if len(data) != int(size, 0):
        raise TrimError(f"{symbol} lies outside {library.name}")
    return data


def _run_with_icu(code: str, library_dir: Path, failure: str) -> str:
    """Run Python `code` in a child that loads ICU from `library_dir`; return what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "LD_LIBRARY_PATH": str(library_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise TrimError(f"{failure}: {result.stderr.strip()}")
    return result.stdout


def kept(item: str) -> bool:
    """Decide whether one item of the data package (as ``icupkg -l`` names it) stays."""
    if item in _ALWAYS_KEPT or item.startswith("coll/"):
        return True
    if item.startswith(_DROPPED_TREES) or "/" in item:
        return False
    return not (_LOCALE_BUNDLE.fullmatch(item) or _DROPPED_FILES.fullmatch(item))


def icupkg(*args: str) -> str:
    """Run Debian's icupkg; its absence is the one thing a builder must install."""
    if shutil.which("icupkg") is None:
        raise TrimError("icupkg not found: install Debian/Ubuntu's icu-devtools")
    result = subprocess.run(["icupkg", *args], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise TrimError(f"icupkg {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def remove_items(full: Path, small: Path, dropped: list[str]) -> None:
    """Write ``full`` less ``dropped`` to ``small``, keeping what the kept items depend on.

    icupkg refuses to drop an item a kept one depends on and names it, so it is put back and
    the cut tried again.
    """
    for _attempt in range(10):
        listing = small.parent / "drop.txt"
        listing.write_text("\n".join(dropped) + "\n")
        try:
            icupkg("-r", str(listing), str(full), str(small))
        except TrimError as exc:
            needed = set(re.findall(r"depends on missing item (\S+)", str(exc)))
            if not needed:
                raise
            dropped = [item for item in dropped if item not in needed]
        else:
            return
    raise TrimError("icupkg kept finding missing dependencies")


def build_library(data: Path, soname: str, symbol: str, output: Path) -> None:
    """Wrap a .dat file into a shared library exporting ``symbol``, as ICU's own build does."""
    source = output.with_suffix(".S")
    source.write_text(
        f"\t.section .rodata\n\t.balign 16\n\t.globl {symbol}\n\t.type {symbol}, @object\n"
        f'{symbol}:\n\t.incbin "{data}"\n\t.size {symbol}, . - {symbol}\n'
        '\t.section .note.GNU-stack,"",@progbits\n'
    )
    subprocess.run(
        ["gcc", "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-Wl,-z,noexecstack",
         "-s", "-o", str(output), str(source)],
        check=True,
        timeout=120,
    )  # fmt: skip


def verify(library_dir: Path, version: str) -> str:
    """Exercise the trimmed data through the bundle's ICU in a child process; return its report."""
    code = _VERIFY.format(version=version)
    return _run_with_icu(code, library_dir, "the trimmed ICU data fails").strip()


def trim(bundle: Path) -> tuple[int, int, str]:
    """Replace the bundle's ICU data library by a trimmed one; return old and new size, report."""
    library, version = find_data_library(bundle)
    symbol, package = f"icudt{version}_dat", f"icudt{version}l"
    before = library.stat().st_size
    with tempfile.TemporaryDirectory(prefix="trim-icu-") as temp:
        work = Path(temp)
        full = work / "full" / f"{package}.dat"
        full.parent.mkdir()
        full.write_bytes(data_symbol_bytes(library, symbol))
        items = icupkg("-l", str(full)).split()
        small = work / f"{package}.dat"  # icupkg names the package after the output file
        remove_items(full, small, [item for item in items if not kept(item)])
        # Test the new library beside copies of the bundle's other ICU libraries.
        trial = work / "lib"
        trial.mkdir()
        for other in library.parent.glob(f"libicu*.so.{version}"):
            if other != library:
                shutil.copy2(other, trial / other.name)
        build_library(small, library.name, symbol, trial / library.name)
        report = verify(trial, version)
        shutil.copy2(trial / library.name, library)
    return before, library.stat().st_size, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the PyInstaller output folder")
    args = parser.parse_args(argv)
    try:
        before, after, report = trim(args.bundle)
    except TrimError as exc:
        sys.stderr.write(f"trim_icu: {exc}\n")
        return 1
    mib = 1024 * 1024
    sys.stdout.write(f"ICU data: {before / mib:.1f} MiB -> {after / mib:.1f} MiB; {report}\n")
    return 0


_ICU_CTYPES = """
import ctypes, sys
icu = ctypes.CDLL("libicuuc.so.{version}")
i18n = ctypes.CDLL("libicui18n.so.{version}")
def fn(lib, name, restype, *argtypes):
    f = getattr(lib, name + "_{version}")
    f.restype, f.argtypes = restype, argtypes
    return f
P, E = ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)
ucnv_open = fn(icu, "ucnv_open", P, ctypes.c_char_p, E)
ucnv_close = fn(icu, "ucnv_close", None, P)
"""

_VERIFY = (
    _ICU_CTYPES
    + """
ucol_open = fn(i18n, "ucol_open", P, ctypes.c_char_p, E)
ucol_close = fn(i18n, "ucol_close", None, P)
ucol_strcoll = fn(i18n, "ucol_strcoll", ctypes.c_int, P, P, ctypes.c_int32, P, ctypes.c_int32)
ucal_open = fn(i18n, "ucal_open", P, P, ctypes.c_int32, ctypes.c_char_p, ctypes.c_int, E)
ucal_close = fn(i18n, "ucal_close", None, P)

def utf16(text):
    data = text.encode("utf-16-le")
    return ctypes.create_string_buffer(data, len(data)), len(data) // 2

def collated(locale, words):
    error = ctypes.c_int(0)
    collator = ucol_open(locale.encode(), ctypes.byref(error))
    if not collator or error.value > 0:
        sys.exit(f"no collator for {{locale}} (error {{error.value}})")
    import functools
    def compare(a, b):
        (ba, la), (bb, lb) = utf16(a), utf16(b)
        return ucol_strcoll(collator, ba, la, bb, lb)
    result = sorted(words, key=functools.cmp_to_key(compare))
    ucol_close(collator)
    return result

orders = {{
    "zh": ["阿", "李", "王", "张"],  # pinyin: a, li, wang, zhang (code points: 张 < 李 < 王 < 阿)
    "ja": ["亜", "一"],  # JIS X 0208 order (code points: 一 < 亜)
    "ko": ["家", "一"],  # Hanja by Hangul reading: ga, il
    "de": ["Apfel", "Äpfel", "Zebra"],
    "sv": ["Apfel", "Zebra", "Äpfel"],  # Swedish puts Ä after Z
}}
for locale, order in orders.items():
    got = collated(locale, list(reversed(order)))
    if got != order:
        sys.exit(f"{{locale}} collation sorts {{got}}, expected {{order}}")

error = ctypes.c_int(0)
converter = ucnv_open(b"utf8", ctypes.byref(error))  # by an alias: the alias table is kept
if not converter or error.value > 0:
    sys.exit(f"no converter for utf8 (error {{error.value}})")
ucnv_close(converter)

error = ctypes.c_int(0)
zone16, zone_len = utf16("Asia/Tokyo")
calendar = ucal_open(zone16, zone_len, b"ja_JP", 0, ctypes.byref(error))
if not calendar or error.value > 0:
    sys.exit(f"no calendar for Asia/Tokyo (error {{error.value}})")
ucal_close(calendar)
print("zh/ja/ko/de/sv collation, UTF-8 by alias and calendars work")
"""
)


if __name__ == "__main__":
    sys.exit(main())
