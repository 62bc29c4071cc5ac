"""Check a built Linux bundle: every library resolves, the .deb depends on what it uses, no waste.

    python packaging/linux/check_bundle.py BUNDLE_DIR [--deb FILE.deb]

BUNDLE_DIR is the folder holding the ``desktop-chat`` binary and ``_internal`` (the PyInstaller
output, or /opt/desktop-chat once the .deb is installed). Checks, each failing with a line on
stderr and exit status 1:

1. every ELF file's libraries resolve (``ldd`` with the bundle first on the search path, as the
   bootloader sets it up) — a library pruned too eagerly shows up here, not on a user's machine;
2. with ``--deb``: every system library the bundle links against directly belongs to a package
   named in the .deb's Depends (dlopen'ed ones are listed by hand in build.sh);
3. nothing that packaging/bundle_filter.py drops (Qt catalogues of languages the app does not
   ship, unused plugins, system libraries) is in the bundle.

Prints the bundle's size (the files, without directory entries), the figure packaging/README.md
records.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bundle_filter

ELF_MAGIC = b"\x7fELF"


def elf_files(bundle: Path) -> list[Path]:
    """Return the regular ELF files under ``bundle``; symlinks are checked through their targets."""
    found = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == ELF_MAGIC:
                    found.append(path)
    return found


def bundle_size(bundle: Path) -> int:
    """Return the bytes of all regular files under ``bundle`` (what the unpacked bundle takes)."""
    return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())


def unresolved(files: list[Path], search: Path) -> list[str]:
    """Return "file: soname" for each library ``ldd`` cannot find."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(search)}
    missing = []
    for path in files:
        result = subprocess.run(
            ["ldd", str(path)], env=env, capture_output=True, text=True, timeout=30
        )
        for line in result.stdout.splitlines():
            if "not found" in line:
                missing.append(f"{path}: {line.split()[0]}")
    return missing


def system_sonames(files: list[Path], bundle: Path) -> set[str]:
    """Return the sonames the bundle's ELF files need that the bundle does not hold itself."""
    inside = {p.name for p in bundle.rglob("*")}
    needed: set[str] = set()
    for path in files:
        needed.update(bundle_filter.elf_needed(str(path)))
    return {name for name in needed if name not in inside}


def owning_packages(sonames: set[str]) -> dict[str, str | None]:
    """Map each soname to the Debian package that installs it here (None when none does)."""
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=30).stdout
    paths: dict[str, set[str]] = {name: set() for name in sonames}
    for line in cache.splitlines():
        name, sep, path = line.strip().partition(" => ")
        if sep and name.split()[0] in paths:
            real = os.path.realpath(path)
            # usrmerge: dpkg may know the file as /lib/... or /usr/lib/...
            paths[name.split()[0]] |= {path, real, real.removeprefix("/usr"), f"/usr{path}"}
    candidates = sorted(set().union(*paths.values())) if paths else []
    owners: dict[str, str] = {}
    if candidates:
        listing = subprocess.run(
            ["dpkg", "-S", *candidates], capture_output=True, text=True, timeout=60
        ).stdout
        for line in listing.splitlines():
            package, sep, path = line.partition(": ")
            if sep:
                owners[path.strip()] = package.split(":")[0].strip()
    return {
        name: next((owners[p] for p in sorted(found) if p in owners), None)
        for name, found in paths.items()
    }


def deb_depends(deb: Path) -> set[str]:
    """Return every package name in the .deb's Depends, alternatives included."""
    field = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True, check=True
    ).stdout
    return {re.split(r"[\s(:]", alt.strip())[0] for alt in re.split(r"[,|]", field) if alt.strip()}


def wasted(bundle: Path) -> list[str]:
    """Return files in the bundle that bundle_filter would have left out."""
    internal = bundle / "_internal"
    languages = bundle_filter.app_languages(internal / "desktop_chat" / "locale")
    return [
        str(path.relative_to(internal))
        for path in sorted(internal.rglob("*"))
        if path.is_file()
        and not bundle_filter.keep(str(path.relative_to(internal)), linux=True, languages=languages)
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--deb", type=Path)
    args = parser.parse_args(argv)
    bundle: Path = args.bundle.resolve()
    files = elf_files(bundle)
    problems = [f"unresolved library: {line}" for line in unresolved(files, bundle / "_internal")]
    if args.deb:
        depends = deb_depends(args.deb)
        for soname, package in sorted(owning_packages(system_sonames(files, bundle)).items()):
            if package is None:
                problems.append(f"{soname}: no installed package provides it")
            elif package not in depends:
                problems.append(f"{soname} comes from {package}, which Depends does not name")
    problems += [f"should have been left out: {name}" for name in wasted(bundle)]
    size = bundle_size(bundle)
    sys.stdout.write(
        f"bundle: {size / 2**20:.1f} MiB ({size / 1e6:.1f} MB) unpacked, "
        f"{len(files)} ELF files checked\n"
    )
    for problem in problems:
        sys.stderr.write(f"check_bundle: {problem}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
