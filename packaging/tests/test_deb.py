"""The .deb as a person gets it: its contents, then installed into this machine with apt (which fetches the
dependencies), started offscreen, used to train and export an example, and removed without a trace.

    make package && make package-test      (root, Debian/Ubuntu; .ci/run runs it as its packaging step)

Not part of `make test`: building the bundle takes minutes. The tests run in file order and share the
installation; the last one removes it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
from metadata import APP, app_metadata  # noqa: E402

PACKAGE = "network-designer"
MIME = APP["mime_type"]
INSTALLED = [
    "/opt/network-designer/nn-designer",
    "/usr/bin/nn-designer",
    "/usr/share/applications/nn-designer.desktop",
    "/usr/share/mime/packages/nn-designer.xml",
    "/usr/share/icons/hicolor/scalable/apps/nn-designer.svg",
    "/usr/share/icons/hicolor/48x48/apps/nn-designer.png",
    "/usr/share/icons/hicolor/256x256/apps/nn-designer.png",
    f"/usr/share/metainfo/{APP['id']}.metainfo.xml",
]


def run(*cmd, check=True, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def deb() -> Path:
    arch = run("dpkg", "--print-architecture").stdout.strip()
    path = ROOT / "dist" / f"{PACKAGE}_{app_metadata()['version']}_{arch}.deb"
    if not path.is_file():
        pytest.fail(f"{path} not found: run `make package` first")
    return path


def user_env(tmp: Path) -> dict:
    """A clean user's environment: no venv on PATH, no checkout on PYTHONPATH, a fresh home."""
    home = tmp / "home"
    (home / "runtime").mkdir(parents=True, exist_ok=True)
    (home / "runtime").chmod(0o700)
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": str(home / "runtime"), "QT_QPA_PLATFORM": "offscreen"}


def test_package_fields_and_contents(deb):
    info = run("dpkg-deb", "--field", str(deb), "Package", "Version", "Depends").stdout
    assert f"Package: {PACKAGE}" in info and f"Version: {app_metadata()['version']}" in info
    listing = run("dpkg-deb", "--contents", str(deb)).stdout
    for path in INSTALLED:
        assert f".{path}" in listing, path
    assert not any(name in listing for name in ("/tests/", "libQt6Quick", "libQt6Qml.", "/translations/"))
    # the tests' libraries stay out (packaging/README.md); Pillow is in: image-folder projects need it
    assert not any(f"/_internal/{lib}/" in listing for lib in ("scipy", "sklearn", "onnxruntime", "torch"))
    assert "/_internal/PIL/" in listing


def test_installed_size_is_within_the_budget(deb):
    """packaging/README.md's budget: at most 250 MB installed (Installed-Size is in KiB)."""
    kib = int(run("dpkg-deb", "--field", str(deb), "Installed-Size").stdout.strip())
    assert kib * 1024 <= 250_000_000, f"{kib * 1024 / 1e6:.0f} MB installed"


def test_no_maintainer_scripts(deb, tmp_path):
    """dpkg file triggers (shared-mime-info, desktop-file-utils, hicolor) refresh the caches on install and
    removal: with no scripts of our own, nothing of ours can be left behind by them."""
    run("dpkg-deb", "--control", str(deb), str(tmp_path / "control"))
    assert sorted(p.name for p in (tmp_path / "control").iterdir()) == ["control"]


def test_desktop_entry_and_mime_type_are_valid(tmp_path, deb):
    run("dpkg-deb", "-x", str(deb), str(tmp_path))
    desktop = tmp_path / "usr/share/applications/nn-designer.desktop"
    text = desktop.read_text()
    assert f"MimeType={MIME};" in text and "Exec=nn-designer %f" in text and "Icon=nn-designer" in text
    if shutil.which("desktop-file-validate"):
        assert run("desktop-file-validate", str(desktop)).stdout.strip() == ""
    mime_dir = tmp_path / "usr/share/mime"
    run("update-mime-database", str(mime_dir))  # schema-checks the XML, as the trigger will
    assert (mime_dir / f"{MIME}.xml").is_file()


def test_install_with_apt(deb):
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("installing needs root and apt-get (CI runs it)")
    run("apt-get", "install", "-y", "-qq", "--no-install-recommends", str(deb.resolve()),
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    for path in INSTALLED:
        assert Path(path).exists(), path
    assert Path("/usr/share/mime/application/x-nn-designer-project.xml").is_file()  # the shared-mime-info trigger


def installed() -> bool:
    return run("dpkg-query", "-W", "-f", "${Status}", PACKAGE, check=False).stdout.endswith("installed")


@pytest.fixture
def program():
    if not installed():
        pytest.skip("the package is not installed (see test_install_with_apt)")
    return "/usr/bin/nn-designer"


def test_every_library_the_bundle_loads_is_found(program):
    """What the bundle takes from the system (GL, X11, fontconfig) must be in the package's Depends."""
    internal = Path("/opt/network-designer/_internal")
    missing = set()
    for lib in [*internal.rglob("*.so*"), Path("/opt/network-designer/nn-designer")]:
        if lib.is_file() and not lib.is_symlink():
            out = run("ldd", str(lib), check=False, env={"LD_LIBRARY_PATH": str(internal)}).stdout
            missing |= {line.split()[0] for line in out.splitlines() if "not found" in line}
    assert not missing, f"libraries neither bundled nor pulled in by Depends: {sorted(missing)}"


def test_installed_program_passes_its_smoke_test(program, tmp_path):
    result = run(program, "--smoke-test", env=user_env(tmp_path), check=False)
    assert result.returncode == 0, result.stderr
    assert "smoke test ok" in result.stderr and "4 export formats" in result.stderr
    shown = [line for line in result.stderr.splitlines() if "window shown" in line]
    print("\n".join(shown + [result.stderr.splitlines()[-1]]))  # the launch-to-window time (no timed assert)


def test_installed_program_trains_exports_and_the_export_runs(program, tmp_path):
    env = user_env(tmp_path)
    example = Path("/opt/network-designer/_internal/examples/iris_mlp.nnproj")
    assert example.is_file()
    project = tmp_path / "iris.nnproj"
    run(program, "train", str(example), "--out", str(project), "--epochs", "20", env=env)
    run(program, "export", str(project), "--format", "python", "--out", str(tmp_path / "iris.py"), env=env)
    run(program, "export", str(project), "--format", "onnx", "--out", str(tmp_path / "iris.onnx"), env=env)
    assert (tmp_path / "iris.onnx").stat().st_size > 0
    # The exported predictor runs outside the app on raw rows, in an isolated interpreter with NumPy (this one).
    rows = tmp_path / "rows.csv"
    lines = (example.parents[1] / "resources" / "datasets" / "iris.csv").read_text().splitlines()
    rows.write_text("\n".join([lines[0], lines[1], lines[-1]]) + "\n")  # a setosa and a virginica
    out = run(sys.executable, "-I", str(tmp_path / "iris.py"), str(rows), cwd=tmp_path).stdout.splitlines()
    assert out[0].startswith("species,p_setosa") and len(out) == 3, out
    assert out[1].startswith("setosa,") and out[2].startswith("virginica,"), out  # easy rows after 20 epochs


def test_installed_program_trains_on_an_image_folder_and_predicts_image_files(program, tmp_path):
    """The bundled Pillow reads PNG, JPEG and BMP (its other codecs are left out to keep the size budget)."""
    sys.path.insert(0, str(ROOT))
    from tests.image_folders import image_project, make_digit_folder

    folder = make_digit_folder(tmp_path / "data" / "digits", per_class=20, side=16)  # every third file a JPEG…
    project = image_project(folder, tmp_path / "proj" / "digits.nnproj", side=12, epochs=20)
    env = user_env(tmp_path)
    trained = tmp_path / "proj" / "trained.nnproj"
    run(program, "train", str(project), "--out", str(trained), "--quiet", env=env)
    files = [folder / "0" / "0_000.png", folder / "1" / "1_001.jpg", folder / "2" / "2_002.bmp"]
    out = run(program, "predict", str(trained), *map(str, files), env=env).stdout.splitlines()
    assert out[0].startswith("file,class") and len(out) == 4, out
    assert [line.split(",")[1] for line in out[1:]] == ["0", "1", "2"], out


def test_nnproj_files_open_with_the_app(program, tmp_path):
    if shutil.which("xdg-mime") is None:
        pytest.skip("xdg-mime not installed (xdg-utils)")
    env = user_env(tmp_path)
    assert run("xdg-mime", "query", "default", MIME, env=env).stdout.strip() == "nn-designer.desktop"


def test_removal_leaves_nothing_behind(program):
    run("apt-get", "purge", "-y", "-qq", PACKAGE, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    assert not installed()
    for path in [*INSTALLED, "/opt/network-designer", "/usr/share/mime/application/x-nn-designer-project.xml"]:
        assert not Path(path).exists(), path
    cache = Path("/usr/share/applications/mimeinfo.cache")
    assert not cache.exists() or "nn-designer.desktop" not in cache.read_text(encoding="utf-8")
