"""Documents the system asks the app to open (macOS: double-click in the Finder, "Open With", a drop on the
Dock icon). macOS delivers these as a `QFileOpenEvent` to the application — never in argv — both at launch
and while the app runs. Paths that arrive before the window can take them are kept and handed over when it
connects.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer


class FileOpenHandler(QObject):
    """Each QFileOpenEvent's path goes to `open_path` (queued until set).

    The app's own application class (`designer.ui.app.DesignerApplication`) hands it the events sent to the
    application object; on an application object made elsewhere (`as_filter`) it is an application-wide
    event filter instead, which runs Python for every event of every widget."""

    def __init__(self, app: QCoreApplication, as_filter: bool = True) -> None:
        super().__init__(app)
        self._app = app
        self._pending: list[str] = []
        self._open_path: Callable[[str], object] | None = None
        self._filtering = as_filter
        if as_filter:
            app.installEventFilter(self)

    def deliver_to(self, open_path: Callable[[str], object]) -> None:
        """From now on paths go to `open_path`; the ones that came before are opened first, in order."""
        self._open_path = open_path
        pending, self._pending = self._pending, []
        for path in pending:
            open_path(path)

    def remove(self) -> None:
        if self._filtering:
            self._app.removeEventFilter(self)
        self._open_path = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        return self.take(event)

    def take(self, event: QEvent) -> bool:
        """True when `event` was a document to open (it is then consumed)."""
        if event.type() != QEvent.Type.FileOpen:
            return False
        path = event.file() or event.url().toLocalFile()
        if not path:
            return False
        if self._open_path is None:
            self._pending.append(path)
        else:  # on a later turn: opening may ask to save first, a dialog inside an event filter is fragile
            QTimer.singleShot(0, self, lambda p=path: self._open_path and self._open_path(p))
        return True
