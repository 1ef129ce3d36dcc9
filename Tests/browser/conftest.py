"""The browser tests reuse the black-box suite's server helpers and its `parley_bin` fixture."""

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("blackbox_conftest", Path(__file__).resolve().parents[1] / "blackbox" / "conftest.py")
blackbox = importlib.util.module_from_spec(_spec)
sys.modules["blackbox_conftest"] = blackbox
_spec.loader.exec_module(blackbox)

parley_bin = blackbox.parley_bin
