"""Typed errors shared by the whole core.

Every error a user can cause is a `DesignerError` whose message is one readable sentence naming what is
wrong and where. The CLI prints it as `error: <message>` (exit 1); the UI shows it in a message box.
Anything else escaping the core is a bug.
"""


class DesignerError(Exception):
    """Base of all user-facing errors. `str(err)` is the one-line message."""

    def __init__(self, message: str, where: str | None = None):
        self.message = one_line(message)
        self.where = None if where is None else one_line(where)
        super().__init__(f"{self.where}: {self.message}" if where else self.message)


def one_line(text: str) -> str:
    """`text` with line breaks and other invisible characters escaped (\\n, \\u2028 …): a message quoting a
    hostile name (a column called "a\\nb") stays one readable line."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ParamError(DesignerError):
    """A layer/loss/optimizer parameter has a bad value."""


class GraphError(DesignerError):
    """The network drawing breaks a rule (unknown node, duplicate id, …)."""


class CycleError(GraphError):
    """An edge would close a cycle."""


class ConnectionRefused(GraphError):
    """An edge is not allowed (second input into a single-input layer, into an Input, duplicate …)."""


class ShapeError(GraphError):
    """Shapes do not fit (Dense after a 3-D tensor, Add of unequal shapes …)."""


class DataError(DesignerError):
    """The data cannot be read or prepared (bad CSV, missing target column, one class …)."""


class ProjectError(DesignerError):
    """A project file cannot be read or written."""


class TrainingError(DesignerError):
    """Training cannot start or had to stop (NaN/Inf, data that does not fit the network …)."""


class ExportError(DesignerError):
    """An export format cannot represent the model or the file cannot be written."""
