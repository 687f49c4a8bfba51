"""A check shared by the service tests: every message key a module raises exists in both languages."""

from __future__ import annotations

import inspect
import re
import string
from types import ModuleType

from mpp_digital.i18n import MESSAGES


def assert_keys_translated(module: ModuleType, prefix: str) -> set[str]:
    """Every quoted ``<prefix>.*`` key in the module's source is in MESSAGES, id and en, same placeholders."""
    source = inspect.getsource(module)
    keys = set(re.findall(r"[\"'](" + re.escape(prefix) + r"\.[a-z_]+(?:\.[a-z_]+)*)[\"']", source))
    fmt = string.Formatter()
    for key in keys:
        assert key in MESSAGES, key
        names = [{f for _, f, _, _ in fmt.parse(MESSAGES[key][lang]) if f} for lang in ("id", "en")]
        assert names[0] == names[1], key
    return keys
