"""Where the built-in CA keeps its files (``signing.ca``'s layout): the folder ``HOCBASO_PKI_DIR`` (the default), or
the file storage under ``pki/`` with ``HOCBASO_PKI_IN_STORAGE`` — the S3 bucket that every web and worker machine
shares, so that any worker signs without a copy of the pki folder on its disk.

Every key in it is encrypted (the CA's under ``HOCBASO_CA_PASSPHRASE``, a holder's under its PIN and the pepper);
from the storage a key is read into memory when a signer opens it and is never written to a worker's disk, in
clear or otherwise. ``StoredFolder`` offers ``signing.ca`` the few ``pathlib`` operations it uses."""

from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

PREFIX = "pki"


class StoredFolder:
    """A path in the file storage with the ``pathlib`` operations ``signing.ca`` uses on its folder."""

    def __init__(self, name: str):
        self.path = name.strip("/")

    def __truediv__(self, part: str) -> "StoredFolder":
        return StoredFolder(f"{self.path}/{part}")

    def __str__(self) -> str:
        return f"{PREFIX}:{self.path}" if not self.path.startswith(PREFIX) else self.path

    def __eq__(self, other) -> bool:
        return isinstance(other, StoredFolder) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def exists(self) -> bool:
        return default_storage.exists(self.path)

    def read_bytes(self) -> bytes:
        try:
            with default_storage.open(self.path, "rb") as handle:
                return handle.read()
        except OSError as error:  # a missing file, whichever storage says it
            if default_storage.exists(self.path):
                raise
            raise FileNotFoundError(self.path) from error

    def read_text(self) -> str:
        return self.read_bytes().decode()

    def write_bytes(self, data: bytes) -> None:
        """Replace the file with ``data`` (the storage would otherwise pick a free name)."""
        if default_storage.exists(self.path):
            default_storage.delete(self.path)
        saved = default_storage.save(self.path, ContentFile(data))
        if saved != self.path:  # written meanwhile by another process: ours is the newer
            default_storage.delete(self.path)
            default_storage.save(self.path, ContentFile(data))
            default_storage.delete(saved)


def pki_folder() -> Path | StoredFolder:
    """The built-in CA's folder: in the file storage when ``HOCBASO_PKI_IN_STORAGE``, else ``HOCBASO_PKI_DIR``."""
    return StoredFolder(PREFIX) if settings.PKI_IN_STORAGE else Path(settings.PKI_DIR)
