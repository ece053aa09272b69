"""File plumbing: reading, streaming and writing stored files (the file system or an S3 bucket), a helper thread
that writes and hashes them, pausing the garbage collector around a large build, and ASCII file names.

In an S3 bucket a file is one request (``GetObject``, ``PutObject``) on one client the threads share, not
django-storages' own ``open``/``save``: those go through boto3's transfer manager (its thread pool, a temporary
file) and a boto3 session per thread: about 40 ms a file against the loopback server, where one request took
~10 ms (``bench/bench_province.py``'s profile on the loaded 2-core VM, 2026-12-07). A batch reads a chunk's files on
several threads at once (``files_read``): each read waits on the network, not on this process's CPU."""

import gc
import hashlib
import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.http import content_disposition_header
from storages.utils import clean_name

# Reads of one batch in flight at once on an S3 bucket (the client's connection pool holds 10).
BUCKET_READERS = 8
# Files a FileWriter stores at once: one on the file system (the disk is one queue), several on a bucket.
BUCKET_WRITERS = 4
# The shared client's connections: a batch's readers and writers, and the class packages' two helper threads.
BUCKET_POOL = 32


def bucket():
    """``(storage, client)`` when the default storage is an S3 bucket, else None. One boto3 client per storage,
    shared by every thread (a client is thread-safe; the storage's own connection is one per thread, and each
    new thread would build a session of its own)."""
    if not hasattr(default_storage, "bucket_name"):
        return None
    storage = default_storage._wrapped
    client = storage.__dict__.get("_hocbaso_client")
    if client is None:
        from botocore.config import Config  # deferred: botocore loads only where the storage is a bucket

        # The storage's own settings, with connections enough for every reading and writing thread of a batch.
        client = storage._create_session().client(
            "s3", region_name=storage.region_name, use_ssl=storage.use_ssl, endpoint_url=storage.endpoint_url,
            verify=storage.verify, config=storage.client_config.merge(Config(max_pool_connections=BUCKET_POOL)))
        storage.__dict__["_hocbaso_client"] = client
    return storage, client


def _key(storage, name: str) -> str:
    return storage._normalize_name(clean_name(name))


def file_read(name: str) -> bytes:
    """The bytes of the stored file ``name``."""
    found = bucket()
    if found is None:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    return _object(found, name).read()


def files_read(names: list[str]) -> list[bytes]:
    """The bytes of each stored file of ``names``, in order; from a bucket, ``BUCKET_READERS`` at a time."""
    if len(names) < 2 or bucket() is None:
        return [file_read(name) for name in names]
    with ThreadPoolExecutor(max_workers=min(BUCKET_READERS, len(names)), thread_name_prefix="hocbaso-read") as pool:
        return list(pool.map(file_read, names))


def file_stream(name: str):
    """A read-only handle on the stored file ``name`` for a download (``FileResponse`` reads it block by block).

    On the file system, the open file. In an S3 bucket, the object's body as it arrives from the server:
    django-storages' own file would first copy the whole object into memory, which an archive must not cost."""
    found = bucket()
    if found is None:
        return default_storage.open(name, "rb")
    return _object(found, name)


def _object(found: tuple, name: str):
    """The body of the bucket's object ``name`` as it arrives; FileNotFoundError when there is none (as the file
    system says it)."""
    storage, client = found
    try:
        return client.get_object(Bucket=storage.bucket_name, Key=_key(storage, name))["Body"]
    except client.exceptions.NoSuchKey as error:
        raise FileNotFoundError(name) from error


def file_url(name: str, *, filename: str, content_type: str, as_attachment: bool = True) -> str | None:
    """A pre-signed URL for downloading the stored file ``name`` straight from the bucket, valid
    ``HOCBASO_S3_URL_EXPIRY`` seconds, whose answer carries ``content_type`` and a Content-Disposition with
    ``filename`` (Vietnamese letters kept, RFC 6266's ``filename*``); None on the file system or with the setting
    at 0 (the caller streams the file)."""
    found = bucket()
    if found is None or settings.S3_URL_EXPIRY <= 0:
        return None
    storage, _client = found
    return storage.url(name, expire=settings.S3_URL_EXPIRY, parameters={
        "ResponseContentType": content_type,
        "ResponseContentDisposition": content_disposition_header(as_attachment, filename)})


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
    found = bucket()
    if found is None or found[0].gzip:
        return default_storage.save(name, ContentFile(data))
    # Storage.save's steps, with one PutObject: a free name (a HEAD request), the storage's parameters (its ACL,
    # the content type from the name).
    storage, client = found
    name = storage.get_available_name(name)
    key = _key(storage, name)
    client.put_object(Bucket=storage.bucket_name, Key=key, Body=data, **storage._get_write_parameters(key))
    return name


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
    """Stores files (``file_write``) and hashes them on a helper thread (``BUCKET_WRITERS`` threads on a bucket,
    whose requests wait on the network): a new file can take half a millisecond of the disk's time on a busy
    machine (measured on the 2-core VM), time this thread spends on the next record or signature instead.
    ``results()`` waits and gives ``(key, name, sha256)`` in the order given; ``discard()`` waits and removes every
    file written (the caller's transaction did not commit)."""

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1 if bucket() is None else BUCKET_WRITERS,
                                        thread_name_prefix="hocbaso-files")
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
