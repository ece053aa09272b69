"""A bucket of a test's own on a loopback S3-protocol server (moto_server, LocalStack's S3: ``.ci/run`` starts
them), removed with everything in it afterwards; optionally made the default storage."""

import uuid
from contextlib import contextmanager


@contextmanager
def s3_bucket(server: str, *, access_key: str, secret_key: str, prefix: str = "hocbaso-test", settings=None):
    """Yield ``(bucket, client)``: a new bucket on ``server``. With pytest-django's ``settings``, the default
    storage is that bucket (django-storages' S3 backend) for the test."""
    import boto3

    bucket = f"{prefix}-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=server, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                          region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    if settings is not None:
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**settings.S3_OPTIONS, "bucket_name": bucket, "endpoint_url": server,
                        "access_key": access_key, "secret_key": secret_key, "region_name": "us-east-1"}}}
    try:
        yield bucket, client
    finally:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=item["Key"])
        client.delete_bucket(Bucket=bucket)
