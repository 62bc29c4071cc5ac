"""The GUI fixtures of tests/ui (a qasync loop per test, the real window, nothing left behind)."""

from tests.ui.conftest import (  # noqa: F401  (fixtures are found by name)
    _nothing_left_behind,
    loop,
    open_window,
    run_async,
)
