"""A real CSC API v1 server on loopback for tests: the ``certomancer-csc-dummy`` package's server, serving a
Certomancer PKI written here (a provider root CA, an issuing CA, and one credential per signer).

The server runs in its own process (``python -m hocbaso.signing.testing.csc serve CONFIG PORT MULTISIGN``);
every request it receives is logged, one ``METHOD PATH`` line each, to ``requests.log``, so a test can count
``credentials/authorize`` calls on the server side.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ARCH = "hocbaso-csc"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _yaml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class LocalCSC:
    """Writes a Certomancer configuration with the given signers and runs the CSC server on 127.0.0.1.

    ``signers``: {credential label: {"common_name": ..., "title": ..., "organization_name": ...}}.
    Credential ids are ``hocbaso-csc/<label>``. ``root_pem`` is the provider's root CA certificate (a trust
    root to configure for validation).
    """

    def __init__(self, workdir: Path, signers: dict[str, dict], *, multisign: int = 100,
                 provider: str = "Dịch vụ ký số thử nghiệm"):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        keys = self.workdir / "keys"
        keys.mkdir(exist_ok=True)
        labels = ["root", "interm", *signers]
        for label in labels:
            key = ec.generate_private_key(ec.SECP256R1())
            (keys / f"{label}.key.pem").write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        lines = ['external-url-prefix: "http://127.0.0.1"', "keysets:", f"  {ARCH}:",
                 f"    path-prefix: {keys}", "    keys:"]
        lines += [f"      {label}:\n        path: {label}.key.pem" for label in labels]
        lines += ["pki-architectures:", f"  {ARCH}:", f"    keyset: {ARCH}", "    entity-defaults:",
                  "      country-name: VN", "    entities:",
                  f"      root:\n        organization-name: {_yaml_str(provider)}\n        common-name: \"CSC Test Root CA\"",
                  f"      interm:\n        organization-name: {_yaml_str(provider)}\n        common-name: \"CSC Test Issuing CA\""]
        for label, names in signers.items():
            lines.append(f"      {label}:")
            lines += [f"        {key.replace('_', '-')}: {_yaml_str(value)}" for key, value in names.items()]
        validity = ('        validity:\n          valid-from: "2020-01-01T00:00:00+0000"\n'
                    '          valid-to: "2090-01-01T00:00:00+0000"')
        ca_usage = ("          - id: key_usage\n            critical: true\n            smart-value:\n"
                    "              schema: key-usage\n              params: [digital_signature, key_cert_sign, crl_sign]")
        lines += ["    certs:", "      root:", "        subject: root", "        issuer: root", validity,
                  "        extensions:", "          - id: basic_constraints\n            critical: true\n"
                  "            value:\n              ca: true", ca_usage,
                  "      interm:", "        issuer: root", validity, "        extensions:",
                  "          - id: basic_constraints\n            critical: true\n            value:\n"
                  "              ca: true\n              path-len-constraint: 0", ca_usage]
        for label in signers:
            lines += [f"      {label}:", "        issuer: interm", validity, "        extensions:",
                      "          - id: key_usage\n            critical: true\n            smart-value:\n"
                      "              schema: key-usage\n              params: [digital_signature, non_repudiation]"]
        self.config = self.workdir / "certomancer.yml"
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.multisign = multisign
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.workdir / "requests.log"
        self.process: subprocess.Popen | None = None

    def credential(self, label: str) -> str:
        return f"{ARCH}/{label}"

    @property
    def root_pem(self) -> bytes:
        from certomancer.registry import CertomancerConfig

        arch = CertomancerConfig.from_file(str(self.config)).get_pki_arch(ARCH)
        from cryptography import x509

        return x509.load_der_x509_certificate(arch.get_cert("root").dump()).public_bytes(serialization.Encoding.PEM)

    def __enter__(self):
        self.log.write_text("")
        self.stderr = open(self.workdir / "server.err", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hocbaso.signing.testing.csc", "serve", str(self.config), str(self.port),
             str(self.multisign), str(self.log)], stdout=subprocess.DEVNULL, stderr=self.stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/info", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError("the local CSC server did not start: "
                                       + (self.workdir / "server.err").read_text(errors="replace")[-2000:])
                time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.stderr.close()

    def requests(self) -> list[str]:
        """Every request the server has received so far, as ``METHOD PATH`` lines."""
        return [line for line in self.log.read_text().splitlines() if line.strip()]

    def count(self, endpoint: str) -> int:
        return sum(1 for line in self.requests() if line.endswith(endpoint))


def _serve(config: str, port: int, multisign: int, log_path: str) -> None:
    from aiohttp import web
    from certomancer.registry import CertomancerConfig
    from csc_dummy.csc_dummy_server import CSCWithCertomancer, DummyServiceParams

    log = open(log_path, "a", buffering=1)

    @web.middleware
    async def record(request, handler):
        log.write(f"{request.method} {request.path}\n")
        return await handler(request)

    csc = CSCWithCertomancer(CertomancerConfig.from_file(config),
                             service_params=DummyServiceParams(hash_pinning_required=True, multisign=multisign))
    csc.app.middlewares.append(record)
    csc.register_routes()
    web.run_app(csc.app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "serve":
        _serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("usage: python -m hocbaso.signing.testing.csc serve CONFIG PORT MULTISIGN LOG")
