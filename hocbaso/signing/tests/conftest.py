"""Fixtures for the signing tests. Everything the tests need is set up here, on loopback and in temporary
directories: a deployment CA with a teacher, a principal and a school seal; a SoftHSM2 token per signer;
a CSC server (certomancer-csc-dummy) in its own process; an RFC 3161 server in a thread."""

from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from hocbaso.signing.ca import TITLE_PRINCIPAL, TITLE_TEACHER, CertificateAuthority
from hocbaso.signing.testing.pdfs import simple_pdf
from hocbaso.testing.tools import tool_missing
from hocbaso.testing.people import PRINCIPAL, PRINCIPAL_PIN, SCHOOL, SEAL_PIN, TEACHER, TEACHER_PIN


@dataclass
class Pki:
    ca: CertificateAuthority
    teacher: object
    principal: object
    seal: object


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    ca = CertificateAuthority.create(tmp_path_factory.mktemp("pki"), b"ca-passphrase", name="hocbaso test",
                                     organisation="hocbaso", pepper=b"deployment-pepper")
    teacher = ca.issue_person("staff-1", full_name=TEACHER, title=TITLE_TEACHER, organisation=SCHOOL,
                              pin=TEACHER_PIN)
    principal = ca.issue_person("staff-2", full_name=PRINCIPAL, title=TITLE_PRINCIPAL, organisation=SCHOOL,
                                pin=PRINCIPAL_PIN)
    seal = ca.issue_seal("school-67000199", organisation=SCHOOL, pin=SEAL_PIN)
    return Pki(ca, teacher, principal, seal)


@pytest.fixture(scope="session")
def pdfs():
    """Ten different small two-page PDFs."""
    return [simple_pdf(seed=i) for i in range(10)]


# ---- SoftHSM2 --------------------------------------------------------------------------------------------

@dataclass
class Tokens:
    module: str
    teacher: dict
    principal: dict
    chain: list


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory, pki) -> Tokens:
    from hocbaso.signing.testing.softhsm import SoftHSM, softhsm_module

    if softhsm_module() is None:
        tool_missing("softhsm2 is not installed (Debian package softhsm2)")
    hsm = SoftHSM(tmp_path_factory.mktemp("softhsm"))
    made = {}
    holders = (("teacher", TEACHER, TITLE_TEACHER, "1111"), ("principal", PRINCIPAL, TITLE_PRINCIPAL, "2222"))
    for role, _name, _title, pin in holders:  # every token first: the library sees only tokens present at load
        hsm.init_token(f"token-{role}", pin)
    for role, name, title, pin in holders:
        label = f"token-{role}"
        public = hsm.generate_ec_key(label, pin, "signing-key")
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, SCHOOL),
                             x509.NameAttribute(NameOID.TITLE, title),
                             x509.NameAttribute(NameOID.COMMON_NAME, name)])
        hsm.store_certificate(label, pin, "signing-key", pki.ca.certify_public_key(subject, public))
        made[role] = {"token_label": label, "pin": pin, "key_label": "signing-key"}
    yield Tokens(hsm.module, made["teacher"], made["principal"], [pki.ca.issuing, pki.ca.root])
    hsm.restore_environment()


# ---- CSC ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def csc_server(tmp_path_factory):
    pytest.importorskip("csc_dummy", reason="PyPI package certomancer-csc-dummy is not installed")
    from hocbaso.signing.testing.csc import LocalCSC

    signers = {"gvcn": {"common_name": TEACHER, "title": TITLE_TEACHER, "organization_name": SCHOOL},
               "hieutruong": {"common_name": PRINCIPAL, "title": TITLE_PRINCIPAL, "organization_name": SCHOOL}}
    with LocalCSC(tmp_path_factory.mktemp("csc"), signers, multisign=100) as server:
        yield server


# ---- RFC 3161 ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def tsa(pki):
    from hocbaso.signing.testing.tsa import LocalTSA

    with LocalTSA(pki.ca) as server:
        yield server
