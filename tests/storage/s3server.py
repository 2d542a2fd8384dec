"""A real S3 server on loopback for the storage tests: moto's server mode (`moto_server`), in
its own process, and a bucket per test."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.liveserver import free_port

ACCESS_KEY = "untact-test-key"
SECRET_KEY = "untact-test-secret"  # moto accepts any keys; real ones are never in tests
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen[bytes]

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        )  # fmt: skip


@dataclass
class Bucket:
    server: S3Server
    name: str

    @property
    def client(self) -> Any:
        return self.server.client()

    def env(self) -> dict[str, str]:
        """What the app needs to store into this bucket."""
        return {
            "UNTACT_STORAGE": "s3",
            "UNTACT_S3_ENDPOINT_URL": self.server.endpoint_url,
            "UNTACT_S3_BUCKET": self.name,
            "UNTACT_S3_REGION": REGION,
            "UNTACT_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "UNTACT_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        return body


def _moto_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("moto_server")
    if script.exists():
        return [str(script), "-H", "127.0.0.1", "-p", str(port)]
    return [sys.executable, "-c", "from moto.server import main; main()", "-H", "127.0.0.1", "-p", str(port)]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(_moto_command(port), stdout=log, stderr=subprocess.STDOUT)
    server = S3Server(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited:\n{log_path.read_text(errors='replace')}")
        try:
            server.client().list_buckets()
            break
        except Exception:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Bucket:
    name = f"untact-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)
    return Bucket(s3_server, name)
