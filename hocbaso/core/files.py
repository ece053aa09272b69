"""File plumbing: reading, streaming and writing stored files (the file system or an S3 bucket), a helper thread
that writes and hashes them, pausing the garbage collector around a large build, and ASCII file names."""

import gc
import hashlib
import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage


def file_read(name: str) -> bytes:
    """The bytes of the stored file ``name``."""
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def file_stream(name: str):
    """A read-only handle on the stored file ``name`` for a download (``FileResponse`` reads it block by block).

    On the file system, the open file. In an S3 bucket, the object's body as it arrives from the server:
    django-storages' own file would first copy the whole object into memory, which an archive must not cost."""
    bucket = getattr(default_storage, "bucket", None)
    if bucket is None:
        return default_storage.open(name, "rb")
    return bucket.Object(default_storage._normalize_name(name)).get()["Body"]


def file_write(name: str, data: bytes) -> str:
    """Store ``data`` under ``name`` (or, if that name is taken, a free name the storage picks); returns the name.

    On the file-system storage a new file is written directly (exclusive create, never overwriting): a third
    of the cost of ``Storage.save``, which matters when a batch writes thousands of PDFs."""
    if isinstance(default_storage, FileSystemStorage):
        path = default_storage.path(name)
        folder = os.path.dirname(path)
        if folder not in _folders:
            if default_storage.directory_permissions_mode is not None:
                return default_storage.save(name, ContentFile(data))  # let Django apply the modes
            os.makedirs(folder, exist_ok=True)
            _folders.add(folder)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            return default_storage.save(name, ContentFile(data))
        except FileNotFoundError:  # the folder was removed since
            _folders.discard(folder)
            return default_storage.save(name, ContentFile(data))
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if default_storage.file_permissions_mode is not None:
            os.chmod(path, default_storage.file_permissions_mode)
        return name
    return default_storage.save(name, ContentFile(data))


_folders: set[str] = set()


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for the block. While a batch builds a school's records (nested dicts
    and lists, without cycles) its full passes over the growing heap took ~0.5 s of this process's CPU for 950
    records (four passes of 55-160 ms, measured with ``gc.callbacks``); the next collection after the block
    finds whatever cycles it left."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class FileWriter:
    """Stores files (``file_write``) and hashes them on a helper thread, in the order given: a new file can take
    half a millisecond of the disk's time on a busy machine (measured on the 2-core VM), time this thread spends on
    the next record or signature instead. ``results()`` waits and gives ``(key, name, sha256)`` in that order;
    ``discard()`` waits and removes every file written (the caller's transaction did not commit)."""

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hocbaso-files")
        self._jobs: list = []

    def submit(self, key, name: str, data: bytes) -> None:
        self._jobs.append((key, self._pool.submit(self._store, name, data)))

    @staticmethod
    def _store(name: str, data: bytes) -> tuple[str, str]:
        return file_write(name, data), hashlib.sha256(data).hexdigest()

    def results(self) -> list[tuple]:
        return [(key, *future.result()) for key, future in self._jobs]

    def discard(self) -> None:
        self._pool.shutdown(wait=True)
        for _key, future in self._jobs:
            if future.exception() is None:
                default_storage.delete(future.result()[0])

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def ascii_slug(name: str) -> str:
    """``name`` in lower-case ASCII, words joined by hyphens (Vietnamese marks dropped, đ as d): for file names."""
    ascii_name = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    ascii_name = "".join(ch for ch in ascii_name if not unicodedata.combining(ch))
    return "-".join(ascii_name.lower().split())
