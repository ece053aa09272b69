import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def figures_counted_afresh():
    """The office pages cache each school's figures for minutes; every test starts with none cached."""
    cache.clear()
    yield
    cache.clear()
