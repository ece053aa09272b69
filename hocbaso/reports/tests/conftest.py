import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def no_cache():
    """The dashboards use no cache (their summary is a table); every test starts with none anyway."""
    cache.clear()
    yield
    cache.clear()
