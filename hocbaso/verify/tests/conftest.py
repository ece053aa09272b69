import pytest

from hocbaso.testing.registry import FAKE_PDF, registry_record


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def issue(world):
    """issue(version=1, supersedes=None, content=...) -> IssuedRecord stored with its file."""

    def make(version=1, supersedes=None, content=FAKE_PDF):
        return registry_record(world, version=version, supersedes=supersedes, content=content)

    return make
