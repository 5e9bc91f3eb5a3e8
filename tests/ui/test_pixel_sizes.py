"""Drawing that must not depend on the system's logical dpi or on a fractional display scale.

macOS reports 72 logical dpi, Windows and Linux 96: a node drawn with point-size fonts came out 25% smaller
on a Mac. A 12×12 pixmap shown at 125% or 150% is scaled up and blurred unless drawn at device pixels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter

from tests.ui.canvas_helpers import make_view


def _render(scene, rect: QRectF, dpi: int) -> QImage:
    image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_ARGB32)
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(0)
    painter = QPainter(image)
    scene.render(painter, QRectF(image.rect()), rect)
    painter.end()
    return image


def test_node_looks_the_same_at_72_and_96_dpi(qtbot):
    view = make_view(qtbot)
    node_id = view.add_layer("Dense", QPointF(0, 0))
    node = view.canvas_scene.nodes[node_id]
    rect = node.sceneBoundingRect()
    mac, windows = _render(view.canvas_scene, rect, 72), _render(view.canvas_scene, rect, 96)
    assert mac == windows


def test_run_swatches_are_drawn_at_device_pixels(tmp_path):
    """At 150% (QT_SCALE_FACTOR, which every platform plugin honours) the swatch has 18×18 real pixels."""
    script = textwrap.dedent("""
        import json
        from PySide6.QtWidgets import QApplication
        import designer.ui
        from designer.ui.plots.runs import RunsList
        app = QApplication([])
        runs = RunsList()
        runs.show()
        sizes = runs._swatch(0).availableSizes()  # the pixmap the icon holds, in device pixels
        print(json.dumps([runs.devicePixelRatioF(), [s.width() for s in sizes]]))
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="1.5")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    dpr, widths = json.loads(proc.stdout.strip().splitlines()[-1])
    assert dpr == 1.5 and widths == [18]
