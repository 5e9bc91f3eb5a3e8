"""What every installer says about the app: version, summary and licence from pyproject.toml, plus the
identifiers the systems need. Used by nn-designer.spec, linux/build_deb.py and the CI workflow
(`python packaging/metadata.py version` feeds Inno Setup); one place, so the installers cannot disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

APP = {
    "name": "Network Designer",
    "executable": "nn-designer",
    "id": "org.networkdesigner.NetworkDesigner",  # reverse-DNS: macOS bundle id, AppStream id
    "mime_type": "application/x-nn-designer-project",
    "extension": ".nnproj",
    "document": "Network Designer project",
    "uti": "org.networkdesigner.nnproj",  # macOS type identifier of .nnproj files
    "maintainer": "Network Designer developers <packaging@network-designer.invalid>",
    "homepage": "",
    "tagline": "draw, train and export neural networks",  # one line under 80 characters (package managers)
}


def _project_table() -> dict:
    text = PYPROJECT.read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the few plain `key = "value"` lines needed
        table = dict(re.findall(r'^(\w+) = "([^"]*)"', text.split("[project]", 1)[1].split("\n[", 1)[0], re.M))
        table["license"] = {"text": re.search(r'license = \{ text = "([^"]+)"', text).group(1)}
        return table
    return tomllib.loads(text)["project"]


def app_metadata() -> dict:
    project = _project_table()
    version = project["version"]
    numeric = [int(p) for p in re.findall(r"\d+", version)[:3]]
    numeric += [0] * (3 - len(numeric))
    return {
        "version": version,
        "version_tuple": (*numeric, 0),  # Windows version resource: four integers
        "summary": project["description"].rstrip("."),
        "description": project["description"],
        "license": project.get("license", {}).get("text", "MIT"),
    }


if __name__ == "__main__":  # python packaging/metadata.py version|summary|license
    print(app_metadata()[sys.argv[1] if len(sys.argv) > 1 else "version"])
