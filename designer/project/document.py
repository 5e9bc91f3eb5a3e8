"""A parsed project.json → a Project: migrated to the current version, then validated.

It sits above model, migrate and validate (which import only downwards), so the package has no import cycle.
"""

from __future__ import annotations

from designer.project.migrate import migrate
from designer.project.model import Project
from designer.project.validate import validate_document


def project_from_json(doc: dict) -> Project:
    """Migrate and validate a parsed project.json (ProjectError naming the place if it is wrong)."""
    return validate_document(migrate(doc))
