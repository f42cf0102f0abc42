"""The package's layers import downwards only: read from the source with `ast`, no module is imported.

`serving/` (the TF Serving stand-in) knows SavedModels, not the Keras zoo, and `models/` and
`export/` know no task data: a new task is a data source, never a change to a model or an export.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "keras_seq2seq"
FORBIDDEN = {
    "serving": {"models", "export", "data", "training"},
    "models": {"data", "training", "serving"},
    "export": {"data", "training", "serving"},
}


def imported_packages(path):
    """The `keras_seq2seq` subpackages that the module at `path` imports, anywhere in its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name.split(".")[1] for name in names if name.startswith("keras_seq2seq.")}
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_the_layers_above_it(package):
    reaches = {
        str(path.relative_to(PACKAGE)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in sorted((PACKAGE / package).rglob("*.py"))
    }
    assert {module: names for module, names in reaches.items() if names} == {}


def test_imported_packages_sees_every_import_form(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "import keras_seq2seq.data\nfrom keras_seq2seq import models\n"
        "def late():\n    from keras_seq2seq.export.saved_model import export\n",
        encoding="utf-8",
    )
    assert imported_packages(module) == {"data", "models", "export"}
