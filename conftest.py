"""The suite's shared fixtures come from one plugin, ``hocbaso.testing.fixtures`` (pytest reads ``pytest_plugins``
only in the rootdir's conftest.py). Helpers and constants are imported from ``hocbaso.testing``'s modules; no test
imports another test module or another folder's conftest.py."""

import pytest

pytest.register_assert_rewrite("hocbaso.testing")  # the shared helpers' asserts explain themselves, as a test's do

pytest_plugins = ["hocbaso.testing.fixtures"]
