"""Graphics items of the canvas: a node card with its ports, and a bezier edge between two nodes.

Items only draw and report; the scene turns gestures into undo commands and mirrors the graph back.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QPainter, QPainterPath, QPainterPathStroker, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from designer.engine.registry import LAYER_TYPES
from designer.ui.canvas import style

Role = QPalette.ColorRole


def format_shape(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "?"
    return "(None, " + ", ".join(str(d) for d in shape) + ")"


def bezier(a: QPointF, b: QPointF) -> QPainterPath:
    """A left→right cubic curve; the handles grow with distance so back-edges still loop visibly.

    A long edge along one row (a skip connection over the layers between) arcs above that row, otherwise
    it would run hidden behind the cards it skips.
    """
    span = b.x() - a.x()
    dx = max(abs(span) * 0.5, 60.0)
    lift = 0.0
    if abs(b.y() - a.y()) < style.NODE_HEIGHT and span > 1.5 * style.NODE_WIDTH:
        # Short handles and a tall lift: the curve clears the neighbouring cards before running along.
        lift = min(130.0 + 0.03 * span, 220.0)
        dx = 60.0
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x() + dx, a.y() - lift), QPointF(b.x() - dx, b.y() - lift), b)
    return path


class _HoverHighlight:
    """Mixin for items drawn brighter under the mouse: `_hover` follows the pointer, then repaint."""

    _hover = False

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self._hover = False
        self.update()


class PortItem(_HoverHighlight, QGraphicsItem):
    """A connection point: `kind` is "in" (left edge, many edges for merge layers) or "out" (right edge)."""

    def __init__(self, node: NodeItem, kind: str):
        super().__init__(node)
        self.node = node
        self.kind = kind
        self.setAcceptHoverEvents(True)
        self._hover = False
        self.setZValue(2)
        x = 0.0 if kind == "in" else style.NODE_WIDTH
        self.setPos(x, style.NODE_HEIGHT / 2)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("drag from here to an input port to connect" if kind == "out" else "input")

    def boundingRect(self) -> QRectF:
        r = style.PORT_RADIUS + 4
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pal = style.palette_for(widget)
        colour = style.category_colour(self.node.type_name)
        r = style.PORT_RADIUS + (2 if self._hover else 0)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour.darker(130) if not style.is_dark(pal) else colour.lighter(130), 2))
        painter.setBrush(colour if self.kind == "out" else pal.color(Role.Base))
        painter.drawEllipse(QPointF(0, 0), r, r)

    def scene_anchor(self) -> QPointF:
        return self.scenePos()


class NodeItem(QGraphicsItem):
    """A layer card: icon, name, type, output shape, parameter count; red border and tooltip when invalid."""

    def __init__(self, node_id: str, type_name: str):
        super().__init__()
        self.node_id = node_id
        self.type_name = type_name
        self.shape_text = "?"
        self.params_count = 0
        self.errors: list[str] = []
        self.edges: list[EdgeItem] = []
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setZValue(1)
        lt = LAYER_TYPES.get(type_name)
        self.in_port = PortItem(self, "in") if lt is None or lt.max_inputs != 0 else None
        self.out_port = PortItem(self, "out")
        self._update_tooltip()

    # ------------------------------------------------------------------ state from the graph
    def set_node_id(self, node_id: str) -> None:
        self.node_id = node_id
        self._update_tooltip()
        self.update()

    def set_info(self, shape: tuple[int, ...] | None, params: int, errors: list[str]) -> None:
        text = format_shape(shape)
        if (text, params, errors) == (self.shape_text, self.params_count, self.errors):
            return
        self.shape_text, self.params_count, self.errors = text, params, list(errors)
        self._update_tooltip()
        self.update()

    def _update_tooltip(self) -> None:
        lt = LAYER_TYPES.get(self.type_name)
        lines = [f"<b>{self.node_id}</b> ({self.type_name})"]
        if lt is not None:
            lines.append(html.escape(lt.description))
        lines.append(f"output {self.shape_text} · {self.params_count:,} parameters")
        for e in self.errors:  # messages such as "must be < 1" would otherwise open a tag
            lines.append(f"<span style='color:{style.ERROR_COLOUR.name()}'>⚠ {html.escape(e)}</span>")
        self.setToolTip("<br>".join(lines))

    @property
    def invalid(self) -> bool:
        return bool(self.errors)

    # ------------------------------------------------------------------ geometry
    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, style.NODE_WIDTH + 4, style.NODE_HEIGHT + 4)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, style.NODE_WIDTH, style.NODE_HEIGHT), 8, 8)
        return path

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for e in self.edges:
                e.update_path()
        return super().itemChange(change, value)

    # ------------------------------------------------------------------ drawing
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pal = style.palette_for(widget)
        base, text = pal.color(Role.Base), pal.color(Role.Text)
        colour = style.category_colour(self.type_name)
        rect = QRectF(0, 0, style.NODE_WIDTH, style.NODE_HEIGHT)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)

        fill = style.mix(base, colour, 0.10)
        if self.invalid:
            fill = style.mix(base, style.ERROR_COLOUR, 0.14)
        if self.isSelected():
            border = QPen(pal.color(Role.Highlight), 3)
        elif self.invalid:
            border = QPen(style.ERROR_COLOUR, 2.5)
        else:
            border = QPen(style.mix(base, text, 0.35), 1.2)
        painter.setPen(border)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 8, 8)

        # Category stripe on the left (clipped to the rounded card).
        stripe = QPainterPath()
        stripe.addRoundedRect(rect, 8, 8)
        bar = QPainterPath()
        bar.addRect(QRectF(0, 0, 7, style.NODE_HEIGHT))
        painter.fillPath(stripe.intersected(bar), QBrush(style.ERROR_COLOUR if self.invalid else colour))

        if option.levelOfDetailFromTransform(painter.worldTransform()) < 0.3:
            return  # zoomed far out: text would be a few pixels of noise, and it is the slow part

        icon = style.layer_icon(self.type_name)
        if not icon.isNull():
            icon.paint(painter, QRectF(14, 8, 20, 20).toRect())

        name_font = QFont(painter.font())
        name_font.setBold(True)
        name_font.setPixelSize(style.NAME_FONT_PX)
        painter.setFont(name_font)
        painter.setPen(text)
        fm = QFontMetrics(name_font)
        painter.drawText(
            QRectF(40, 6, style.NODE_WIDTH - 48, 22),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(self.node_id, Qt.TextElideMode.ElideRight, int(style.NODE_WIDTH - 48)),
        )

        small = QFont(painter.font())
        small.setBold(False)
        small.setPixelSize(style.DETAIL_FONT_PX)
        painter.setFont(small)
        fm = QFontMetrics(small)
        dim = style.mix(base, text, 0.65)
        painter.setPen(dim)
        count = f"{self.params_count:,} params"
        room = int(style.NODE_WIDTH - 24 - fm.horizontalAdvance(count) - 8)
        painter.drawText(
            QRectF(14, 28, room, 18),
            Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(self.type_name, Qt.TextElideMode.ElideRight, room),
        )
        painter.drawText(
            QRectF(14, 28, style.NODE_WIDTH - 24, 18),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            count,
        )
        if self.invalid:
            painter.setPen(style.ERROR_COLOUR)
            line = "⚠ " + self.errors[0]
        else:
            painter.setPen(text)
            line = "→ " + self.shape_text
        painter.drawText(
            QRectF(14, 46, style.NODE_WIDTH - 24, 18),
            Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(line, Qt.TextElideMode.ElideRight, int(style.NODE_WIDTH - 24)),
        )


class EdgeItem(_HoverHighlight, QGraphicsPathItem):
    """A cubic bezier from the source's output port to the destination's input port."""

    def __init__(self, src: NodeItem, dst: NodeItem):
        super().__init__()
        self.src, self.dst = src, dst
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        self.setAcceptHoverEvents(True)
        self._hover = False
        src.edges.append(self)
        dst.edges.append(self)
        self.update_path()

    @property
    def key(self) -> tuple[str, str]:
        return (self.src.node_id, self.dst.node_id)

    def detach(self) -> None:
        for n in (self.src, self.dst):
            if self in n.edges:
                n.edges.remove(self)

    def update_path(self) -> None:
        a = self.src.out_port.scenePos()
        b = self.dst.in_port.scenePos() if self.dst.in_port is not None else self.dst.scenePos()
        self.setPath(bezier(a, b))
        self.setToolTip(f"{self.src.node_id} → {self.dst.node_id}")

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        return stroker.createStroke(self.path())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pal = style.palette_for(widget)
        if self.isSelected():
            pen = QPen(pal.color(Role.Highlight), 3.5)
        else:
            pen = QPen(style.mix(pal.color(Role.Base), pal.color(Role.Text), 0.8 if self._hover else 0.5), 2.2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
