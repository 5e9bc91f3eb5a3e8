"""The `.nnproj` project file: model, validation, migration, safe load and atomic save. No Qt."""

from designer.project.io import dumps_project, load_project, loads_project, save_project
from designer.project.model import FORMAT_VERSION, Project, default_data, default_training

__all__ = [
    "FORMAT_VERSION",
    "Project",
    "default_data",
    "default_training",
    "dumps_project",
    "load_project",
    "loads_project",
    "save_project",
]
