"""The storage tests' real S3 server (moto's server mode, its own process) and buckets."""

from tests.storage.s3server import s3_bucket, s3_server  # noqa: F401 (fixtures)
