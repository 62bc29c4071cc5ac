"""Checks of what makes the installers fit every desktop and every release verifiable.

The ICU trimming runs for real against the installed PySide6's ICU (when Debian's icupkg and
gcc are present, as packaging/linux/ci-check.sh installs them); the runtime hook's plugin
fallback (ui/plugin_fallback.py, tested on its own there) runs in a child process against a
bundle-like folder; the rest reads the files the way their tools would (the lock as pip does,
the metainfo as XML, the workflows as YAML).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.packaging import PACKAGING, ROOT, load_packaging_module, parse_block_yaml

app_info = load_packaging_module("app_info")
trim_icu = load_packaging_module("linux/trim_icu")
WORKFLOWS = ROOT / ".github" / "workflows"
LOCK = PACKAGING / "requirements-build.txt"
METAINFO = PACKAGING / "linux" / "local.desktop_chat.DesktopChat.metainfo.xml"
HOOK = PACKAGING / "rthook_desktop_chat.py"


# -- ICU data -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "kept"),
    [
        ("coll/zh.res", True),
        ("coll/ucadata.icu", True),
        ("coll/sv.res", True),
        ("root.res", True),
        ("res_index.res", True),
        ("pool.res", True),
        ("supplementalData.res", True),
        ("likelySubtags.res", True),
        ("zoneinfo64.res", True),
        ("cnvalias.icu", True),
        ("ibm-943_P15A-2003.cnv", False),  # Shift_JIS: Python decodes, Qt is never asked
        ("ibm-1386_P100-2001.cnv", False),  # GBK
        ("ibm-37_P100-1995.cnv", False),  # EBCDIC
        ("zh.res", False),  # Qt formats with its own locale data
        ("zh_Hant_TW.res", False),
        ("zone/ja.res", False),
        ("brkitr/thaidict.dict", False),
        ("translit/root.res", False),
        ("unames.icu", False),
        ("rfc3491.spp", False),
    ],
)
def test_icu_items_kept(item: str, kept: bool) -> None:
    assert trim_icu.kept(item) is kept


def test_the_icu_version_is_the_bundles(tmp_path: Path) -> None:
    lib = tmp_path / "PySide6" / "Qt" / "lib"
    lib.mkdir(parents=True)
    (lib / "libicudata.so.75").write_bytes(b"\x7fELF")
    (lib / "libicudata.so").symlink_to("libicudata.so.75")
    assert trim_icu.find_data_library(tmp_path) == (lib / "libicudata.so.75", "75")
    (tmp_path / "libicudata.so.76").write_bytes(b"\x7fELF")
    with pytest.raises(trim_icu.TrimError, match="expected one"):
        trim_icu.find_data_library(tmp_path)


def _pyside_icu(tmp_path: Path) -> Path:
    if not (shutil.which("icupkg") and shutil.which("gcc") and shutil.which("readelf")):
        pytest.skip("needs icupkg (icu-devtools), gcc and readelf, as ci-check.sh installs")
    import PySide6

    source = Path(PySide6.__file__).parent / "Qt" / "lib"
    if not list(source.glob("libicudata.so.*")):
        pytest.skip("this PySide6 carries no ICU")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for library in source.glob("libicu*.so.*"):
        shutil.copy2(library, bundle / library.name)
    return bundle


def test_trimming_keeps_sorting_and_calendars_and_gets_under_5_mib(tmp_path: Path) -> None:
    bundle = _pyside_icu(tmp_path)
    before, after, report = trim_icu.trim(bundle)
    assert before > 20 * 2**20
    assert after < 5 * 2**20
    assert "collation" in report
    # The result is a library the bundle's ICU loads, with the same soname and symbol.
    (data,) = bundle.glob("libicudata.so.*")
    dynamic = subprocess.run(
        ["readelf", "-dW", "--dyn-syms", str(data)], capture_output=True, text=True, timeout=60
    ).stdout
    assert f"[{data.name}]" in dynamic
    assert f"icudt{data.name.rsplit('.', 1)[1]}_dat" in dynamic


def test_a_cut_too_deep_fails_and_leaves_the_bundle_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _pyside_icu(tmp_path)
    (data,) = bundle.glob("libicudata.so.*")
    original = data.read_bytes()
    kept = trim_icu.kept
    monkeypatch.setattr(
        trim_icu, "kept", lambda item: kept(item) and not item.startswith("coll/ja")
    )
    with pytest.raises(trim_icu.TrimError, match="ja collation sorts"):
        trim_icu.trim(bundle)
    assert data.read_bytes() == original


# -- Linux desktop integration -------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux part of the hook")
def test_the_runtime_hook_falls_back_to_what_the_bundle_has(tmp_path: Path) -> None:
    plugins = tmp_path / "PySide6" / "Qt" / "plugins"
    (plugins / "platforms").mkdir(parents=True)
    (plugins / "platforms" / "libqxcb.so").write_bytes(b"")
    (plugins / "platforminputcontexts").mkdir()
    (plugins / "platforminputcontexts" / "libibusplatforminputcontextplugin.so").write_bytes(b"")
    code = (
        f"import sys, os; sys._MEIPASS = {str(tmp_path)!r}; "
        f"exec(open({str(HOOK)!r}).read()); "
        "print(os.environ['QT_QPA_PLATFORM'], os.environ.get('QT_IM_MODULES'))"
    )

    def run(platform: str, method: str) -> str:
        env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": platform, "QT_IM_MODULE": method}
        return subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        ).stdout.strip()

    assert run("wayland", "fcitx") == "wayland;xcb fcitx;ibus"
    assert run("xcb", "ibus") == "xcb None"


def test_deb_depends_on_ca_certificates_recommends_a_cjk_font_and_installs_metainfo() -> None:
    build = (PACKAGING / "linux" / "build.sh").read_text(encoding="utf-8")
    depends = re.search(r'depends="([^"]+)"', build)
    assert depends is not None
    assert "ca-certificates" in depends[1].split(", ")
    recommends = re.search(r"^Recommends: (.*\n(?: .*\n)*)", build, re.M)
    assert recommends is not None
    assert "fonts-noto-cjk | fonts-wqy-microhei" in recommends[1]
    assert '"packaging/linux/$metainfo" "$share/metainfo/$metainfo"' in build
    assert f"metainfo={METAINFO.name}" in build
    assert 'packaging/linux/trim_icu.py "$bundle"' in build


def test_metainfo_describes_the_app_and_its_current_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"
    assert METAINFO.name == f"{root.findtext('id')}.metainfo.xml"
    assert root.findtext("name") == app_info.APP_NAME
    assert root.findtext("launchable") == "desktop-chat.desktop"
    assert root.findtext("provides/binary") == app_info.EXE_NAME
    assert root.findtext("project_license") == "MIT"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    newest = root.find("releases/release")
    assert newest is not None
    assert newest.get("version") == version, "add a <release> for the new version"
    if shutil.which("appstreamcli"):
        result = subprocess.run(
            ["appstreamcli", "validate", "--no-net", str(METAINFO)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout


# -- the lock and the workflows ------------------------------------------------------------------


def _locked() -> dict[str, str]:
    """Map each locked package to its requirement block (pin, marker and hashes)."""
    blocks = re.split(r"\n(?=[a-z0-9])", LOCK.read_text(encoding="utf-8").split("\n", 2)[2])
    locked = {}
    for block in blocks:
        name = re.match(r"[a-z0-9][a-z0-9._-]*", block)
        assert name is not None, block
        locked.setdefault(name[0], "")
        locked[name[0]] += block
    return locked


def test_the_lock_pins_and_hashes_every_build_dependency() -> None:
    locked = _locked()
    for name, block in locked.items():
        assert re.match(rf"{re.escape(name)}==[\w.+!-]+", block), block
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), f"{name} has no hash"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["packaging"]]
    for requirement in [*wanted, "hatchling", "editables"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert name is not None
        assert name[0].lower().replace("_", "-") in locked, f"{name[0]} is not in the lock"
    # The SBOM tool is locked apart: PyInstaller would bundle what its dependencies install.
    assert "cyclonedx-bom" not in locked
    assert "cyclonedx-bom==" in (PACKAGING / "requirements-sbom.txt").read_text(encoding="utf-8")


def test_every_build_installs_from_the_lock() -> None:
    require = "--require-hashes"
    ci_check = (PACKAGING / "linux" / "ci-check.sh").read_text(encoding="utf-8")
    assert f"{require} --no-deps \\\n  -r packaging/requirements-build.txt" in ci_check
    assert "PYTHON=$buildenv/bin/python bash packaging/linux/build.sh" in ci_check
    windows = (PACKAGING / "windows" / "build.ps1").read_text(encoding="utf-8")
    assert f'"{require}", "-r", "packaging\\requirements-build.txt"' in windows
    release = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    assert f"{require} --no-deps -r packaging/requirements-build.txt" in release
    build = (PACKAGING / "linux" / "build.sh").read_text(encoding="utf-8")
    assert f"{require} --no-deps \\\n  -r packaging/requirements-sbom.txt" in build
    assert "cyclonedx_py requirements" in build
    assert ">SHA256SUMS" in build


def _workflow(name: str) -> dict[str, object]:
    workflow = parse_block_yaml((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(workflow, dict)
    return workflow


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_actions_are_pinned_by_commit_with_the_tag_noted(name: str) -> None:
    lines = (WORKFLOWS / name).read_text(encoding="utf-8").splitlines()
    uses = [i for i, line in enumerate(lines) if line.strip().startswith("- uses:")]
    assert uses
    for index in uses:
        action = lines[index].split("uses:", 1)[1].strip()
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", action), action
        note = lines[index - 1].strip()
        assert re.fullmatch(rf"# {re.escape(action.split('@')[0])} v\d+\.\d+\.\d+", note), note


def test_ci_runs_the_readmes_test_command_on_every_push_and_pull_request() -> None:
    workflow = _workflow("ci.yml")
    assert set(workflow["on"]) == {"push", "pull_request"}
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    runs = [step.get("run", "") for job in jobs.values() for step in job["steps"]]
    assert "./scripts/test.sh" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert any(run.endswith("./scripts/test.sh") for run in runs)
    assert any("packaging/linux/ci-check.sh" in run for run in runs)


def test_the_release_checks_the_version_before_building() -> None:
    jobs = _workflow("release.yml")["jobs"]
    assert isinstance(jobs, dict)
    assert next(iter(jobs)) == "version"
    assert "needs" not in jobs["version"]
    for name in ("linux", "windows", "macos"):
        assert jobs[name]["needs"] == ["version"], name
    (check,) = [s for s in jobs["version"]["steps"] if "run" in s]
    assert 'GITHUB_REF_TYPE" = tag' in check["run"]
    assert "dist/*.cdx.json" in jobs["linux"]["steps"][-1]["with"]["path"]


def test_macos_builds_both_architectures_and_a_tag_requires_signing() -> None:
    macos = _workflow("release.yml")["jobs"]["macos"]
    arches = {entry["arch"] for entry in macos["strategy"]["matrix"]["include"]}
    assert arches == {"arm64", "x86_64"}
    assert macos["env"]["MACOS_REQUIRE_SIGNING"] == "${{ github.ref_type == 'tag' && '1' || '' }}"
    guard = next(s for s in macos["steps"] if s.get("if") == "github.ref_type == 'tag'")
    assert "MACOS_NOTARY_PASSWORD" in guard["run"]
    assert "exit 1" in guard["run"]
    build = (PACKAGING / "macos" / "build.sh").read_text(encoding="utf-8")
    assert 'if [ -n "${MACOS_REQUIRE_SIGNING:-}" ]; then' in build
    dmg = (PACKAGING / "macos" / "make_dmg.sh").read_text(encoding="utf-8")
    assert 'if [ "$status" != "Accepted" ]; then' in dmg
    assert 'xcrun stapler staple "$dmg"' in dmg
    assert "right-click > Open the first time" not in (PACKAGING / "README.md").read_text()


def test_info_plist_names_the_oldest_macos() -> None:
    assert app_info.macos_info_plist("1.0")["LSMinimumSystemVersion"] == (
        app_info.macos_minimum_version()
    )
    wheel = "Wheel-Version: 1.0\nTag: cp39-abi3-macosx_13_0_universal2\n"
    assert app_info.macos_minimum_version(wheel) == "13.0"
    two = "Tag: cp39-abi3-macosx_12_0_x86_64\nTag: cp39-abi3-macosx_14_0_arm64\n"
    assert app_info.macos_minimum_version(two) == "14.0"
    assert app_info.macos_minimum_version("Tag: cp39-abi3-manylinux_2_28_x86_64\n") == "13.0"


def test_windows_signs_without_a_pfx_and_ships_a_console_command_on_path() -> None:
    iss = (PACKAGING / "windows" / "desktop_chat.iss").read_text(encoding="utf-8")
    assert re.search(r"#ifdef Sign\nSignTool=desktopchat\nSignedUninstaller=yes\n#endif", iss)
    assert 'DestName: "desktop-chat.com"' in iss
    assert re.search(r'^Name: "addtopath"', iss, re.M)
    assert "ChangesEnvironment=yes" in iss
    assert "PrivilegesRequired=lowest" in iss
    assert "RemoveAppFromPath" in iss
    assert "'/PURGE'" in iss
    assert "MB_DEFBUTTON2" in iss  # asking defaults to keeping the user's data
    build = (PACKAGING / "windows" / "build.ps1").read_text(encoding="utf-8")
    assert '"/f"' not in build
    assert '"/sha1", $env:WINDOWS_SIGN_CERT_SHA1' in build
    assert '"/dlib", $env:WINDOWS_SIGN_DLIB' in build
    assert '"/Sdesktopchat="' in build


# -- the release feed the update check asks -------------------------------------------------------


def test_a_release_build_stamps_its_feed_where_the_app_reads_it(tmp_path: Path) -> None:
    from desktop_chat.session import release_check

    feed = "https://api.github.com/repos/example/desktop-chat/releases/latest"
    ((source, dest),) = app_info.release_feed_datas(tmp_path, {"RELEASE_FEED_URL": feed})
    # PyInstaller puts it at <bundle>/desktop_chat/release_feed.txt, beside the package's code.
    assert dest == release_check.STAMP.parent.name == "desktop_chat"
    assert Path(source).name == release_check.STAMP.name
    assert bundle_filter_keeps(f"{dest}/{Path(source).name}")
    assert release_check.release_feed({}, stamp=Path(source)) == feed


def test_a_build_without_a_feed_stamps_nothing_and_a_wrong_one_stops_it(tmp_path: Path) -> None:
    assert app_info.release_feed_datas(tmp_path, {}) == []
    assert app_info.release_feed_datas(tmp_path, {"RELEASE_FEED_URL": " "}) == []
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="https URL"):
        app_info.release_feed_datas(tmp_path, {"RELEASE_FEED_URL": "http://example.com/latest"})


def test_the_release_workflow_gives_every_build_its_repositorys_feed() -> None:
    workflow = _workflow("release.yml")
    assert workflow["env"]["RELEASE_FEED_URL"] == (
        "https://api.github.com/repos/${{ github.repository }}/releases/latest"
    )
    spec = (PACKAGING / "desktop_chat.spec").read_text(encoding="utf-8")
    assert "app_info.release_feed_datas(Path(workpath))" in spec


def bundle_filter_keeps(dest: str) -> bool:
    bundle_filter = load_packaging_module("bundle_filter")
    return all(bundle_filter.keep(dest, linux=linux) for linux in (True, False))


@pytest.mark.gui
def test_the_self_test_sorts_words_as_their_languages_do_and_draws_cjk(qapp: object) -> None:
    from desktop_chat.ui.self_test_text import check_text

    problems, note = check_text()
    assert problems == []
    if sys.platform.startswith("linux"):
        assert "3 collations" in note
