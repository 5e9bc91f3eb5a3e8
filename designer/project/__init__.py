"""The `.nnproj` project file: model, validation, migration, safe load and atomic save. No Qt."""

from designer.project.model import FORMAT_VERSION, Project, default_data, default_training

__all__ = ["FORMAT_VERSION", "Project", "default_data", "default_training"]
