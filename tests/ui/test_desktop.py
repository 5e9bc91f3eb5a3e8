"""The app as the desktop sees it: window icon, Windows taskbar identity (AppUserModelID, asked back from
Windows on the Windows job), Linux desktop file name. In a fresh process, as the app starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from designer.ui.desktop import APP_USER_MODEL_ID


def test_started_app_has_icon_and_identity(tmp_path):
    script = textwrap.dedent("""
        import json
        from designer.ui.app import make_application
        from designer.ui.desktop import current_app_user_model_id
        from designer.ui.main_window import MainWindow
        app = make_application()
        window = MainWindow(autosave=False)
        sizes = sorted(s.width() for s in app.windowIcon().availableSizes())
        print(json.dumps({"sizes": sizes, "window_icon": not window.windowIcon().isNull(),
                          "desktop": app.desktopFileName(), "aumid": current_app_user_model_id()}))
        window.close()
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), USERPROFILE=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {16, 32, 256} <= set(out["sizes"]) and out["window_icon"]
    assert out["desktop"] == "nn-designer"
    assert out["aumid"] == (APP_USER_MODEL_ID if sys.platform == "win32" else None)
