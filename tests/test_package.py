"""`import keras_seq2seq as ks` gives every submodule as an attribute (`ks.training`), imported on first use.

The checks run in a fresh Python: in this process other tests have imported the
submodules already, which sets them as attributes and would hide a missing one.
"""

import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import keras_seq2seq as ks

ROOT = Path(__file__).resolve().parents[1]


def _run_fresh(code):
    """Runs `code` in a new Python that imports this tree's keras_seq2seq; returns its stdout."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_every_submodule_is_listed_as_an_attribute():
    modules = {module.name for module in pkgutil.iter_modules(ks.__path__)} - {"zoo"}  # the zoo is data
    assert set(ks._SUBMODULES) == modules
    assert all(getattr(ks, name).__name__ == f"keras_seq2seq.{name}" for name in ks._SUBMODULES)
    assert set(ks._SUBMODULES) <= set(dir(ks))


def test_submodules_are_attributes_right_after_import():
    output = _run_fresh(
        """
        import sys
        import keras_seq2seq as ks
        print("keras_seq2seq.training" in sys.modules, "keras_seq2seq.metrics" in sys.modules)
        print(callable(ks.training.train), callable(ks.metrics.masked_loss))
        """
    )
    assert output.split() == ["False", "False", "True", "True"]


def test_an_unknown_attribute_is_an_attribute_error():
    try:
        ks.no_such_module
    except AttributeError as error:
        assert "no_such_module" in str(error)
    else:
        raise AssertionError("ks.no_such_module did not raise AttributeError")


def test_setup_cfg_ships_every_package():
    """`pip install .` installs only the packages setup.cfg lists: a new one left out breaks every import of it."""
    import configparser
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {".".join(init.parent.relative_to(root).parts) for init in (root / "keras_seq2seq").rglob("__init__.py")}
    assert found - {"keras_seq2seq.zoo"} <= listed, sorted(found - listed)
