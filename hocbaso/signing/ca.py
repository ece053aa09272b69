"""The built-in certificate authority: one per deployment, files under a directory the caller owns.

Layout (``directory`` is what the app passes, e.g. ``HOCBASO_DATA_DIR/pki``)::

    ca/root.pem            self-signed root CA certificate (the trust anchor a deployment may configure)
    ca/root-key.pem        root key, PKCS#8 encrypted with the CA passphrase
    ca/issuing.pem         issuing CA certificate, signed by the root
    ca/issuing-key.pem     issuing CA key, PKCS#8 encrypted with the CA passphrase
    identities/<id>/cert.pem      the holder's certificate
    identities/<id>/chain.pem     issuing CA then root
    identities/<id>/key.pem       the holder's key, PKCS#8 (BestAvailableEncryption) under a password derived
                                  from the signing PIN (see ``pin_password``)
    identities/<id>/identity.json who it is, and the PIN derivation parameters

Certificates: P-256 keys by default; the person's full name in CN, the job title
(``Giáo viên chủ nhiệm``, ``Hiệu trưởng``) in its own ``title`` attribute (X.520 limits every attribute to
64 characters), the school's name in O. The school's *con dấu* (organisation seal) is a certificate whose CN
and O are the school's name; see ``docs`` in ``hocbaso/signing/__init__.py`` for how it is used.

Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from hocbaso.signing.errors import SigningSetupError, WrongPinError
from hocbaso.signing.revocation import CRL_PATH, OCSP_PATH

TITLE_TEACHER = "Giáo viên chủ nhiệm"
TITLE_PRINCIPAL = "Hiệu trưởng"
TITLE_SUBJECT_TEACHER = "Giáo viên bộ môn"
SEAL_ROLE = "Con dấu của cơ quan, tổ chức"

MAX_ATTRIBUTE = 64  # X.520 upper bound for CN, O, OU, title (characters)
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# scrypt parameters for turning a short PIN into the key-file password: about 30 ms once per batch.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def _attr(oid, value: str, what: str) -> x509.NameAttribute:
    value = _nfc(value)
    if not value:
        raise SigningSetupError(f"Thiếu {what} cho chứng thư số.")
    if len(value) > MAX_ATTRIBUTE:
        raise SigningSetupError(f"{what.capitalize()} dài quá {MAX_ATTRIBUTE} ký tự, không ghi được vào chứng thư số: "
                                f"{value!r}.")
    return x509.NameAttribute(oid, value)


def pin_password(pin: str, salt: bytes, pepper: bytes | None = None) -> bytes:
    """The password that encrypts a key file, derived from the holder's PIN.

    Guarantees: the same (PIN, salt, pepper) always gives the same password; the PIN is NFC-normalised first;
    a deployment *pepper* (a secret kept outside the PKI directory, e.g. derived from SECRET_KEY) is mixed in
    so that a stolen key file alone cannot be brute-forced over the small PIN space. scrypt makes each guess
    cost about 30 ms even without the pepper (PKCS#8's own PBKDF2 uses only 2048 iterations).
    """
    material = _nfc(pin).encode("utf-8")
    if pepper:
        material = hmac.new(pepper, material, hashlib.sha256).digest()
    return hashlib.scrypt(material, salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32).hex().encode()


def _new_key(algorithm: str):
    if algorithm == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if algorithm == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise SigningSetupError(f"Thuật toán khóa không được hỗ trợ: {algorithm}.")


def _encrypted_pem(key, password: bytes) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(password))


def _folder(directory):
    """``directory`` as a ``Path``, unless it is already a folder-like object of its own (a folder in the file
    storage, ``signing.pki_store.StoredFolder``: it offers the same few operations)."""
    return Path(directory) if isinstance(directory, (str, os.PathLike)) else directory


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    if not isinstance(path, Path):  # a folder in the file storage
        path.write_bytes(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data)


@dataclass(frozen=True)
class Identity:
    """One holder's certificate and encrypted key on disk (a teacher, a principal, or a school's seal)."""

    directory: Path
    identity_id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuing CA first, root last
    salt: bytes

    @property
    def key_path(self) -> Path:
        return self.directory / "key.pem"

    @property
    def full_name(self) -> str:
        return _name_attr(self.certificate.subject, NameOID.COMMON_NAME)

    @property
    def title(self) -> str:
        return _name_attr(self.certificate.subject, NameOID.TITLE)

    @property
    def organisation(self) -> str:
        return _name_attr(self.certificate.subject, NameOID.ORGANIZATION_NAME)

    def unlock(self, pin: str, pepper: bytes | None = None):
        """The private key (a cryptography key object), decrypted with the PIN.

        Raises ``WrongPinError`` (Vietnamese message) when the PIN does not open the key; the key file is read
        once per call, so callers keep the returned object for a whole batch.
        """
        data = self.key_path.read_bytes()
        try:
            return serialization.load_pem_private_key(data, pin_password(pin, self.salt, pepper))
        except (ValueError, TypeError) as error:
            raise WrongPinError() from error


def _name_attr(name: x509.Name, oid) -> str:
    found = name.get_attributes_for_oid(oid)
    return str(found[0].value) if found else ""


class CertificateAuthority:
    """A deployment's own two-level CA (root → issuing CA → holders).

    Guarantees: CA keys never leave ``directory/ca`` unencrypted; holders' keys are written only encrypted
    under their PIN; files are replaced atomically (a crash leaves the old file or the new one).
    """

    def __init__(self, directory: Path, passphrase: bytes, *, pepper: bytes | None = None,
                 public_url: str | None = None):
        self.directory = _folder(directory)
        self._passphrase = passphrase
        self.pepper = pepper
        # The app's public address: holder certificates issued from now on name its OCSP responder (AIA) and
        # its CRL (CRL distribution point), ``signing.revocation``'s paths under it.
        self.public_url = public_url.rstrip("/") if public_url else None
        ca = self.directory / "ca"
        try:
            self.root = x509.load_pem_x509_certificate((ca / "root.pem").read_bytes())
            self.issuing = x509.load_pem_x509_certificate((ca / "issuing.pem").read_bytes())
        except FileNotFoundError as error:
            raise SigningSetupError(f"Chưa tạo tổ chức cấp chứng thư số trong {self.directory}.") from error
        self._issuing_key = None
        self._root_key = None

    # ---- creation -------------------------------------------------------------------------------------------
    @classmethod
    def create(cls, directory: Path, passphrase: bytes, *, name: str = "hocbaso", organisation: str = "hocbaso",
               pepper: bytes | None = None, algorithm: str = "p256", now: dt.datetime | None = None,
               root_years: int = 20, issuing_years: int = 10, public_url: str | None = None,
               ) -> "CertificateAuthority":
        """Create the root and issuing CA under ``directory/ca``. Refuses to overwrite an existing CA."""
        directory = _folder(directory)
        ca = directory / "ca"
        if (ca / "root.pem").exists():
            raise SigningSetupError(f"Tổ chức cấp chứng thư số đã tồn tại trong {directory}.")
        now = now or dt.datetime.now(dt.timezone.utc)
        root_key, issuing_key = _new_key(algorithm), _new_key(algorithm)
        root_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                               _attr(NameOID.ORGANIZATION_NAME, organisation, "tên tổ chức"),
                               _attr(NameOID.COMMON_NAME, f"{name} Root CA", "tên CA")])
        issuing_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                                  _attr(NameOID.ORGANIZATION_NAME, organisation, "tên tổ chức"),
                                  _attr(NameOID.COMMON_NAME, f"{name} Issuing CA", "tên CA")])
        root = _build(root_name, root_name, root_key.public_key(), root_key, now, root_years * 365,
                      ca=True, path_length=1)
        issuing = _build(issuing_name, root_name, issuing_key.public_key(), root_key, now, issuing_years * 365,
                         ca=True, path_length=0, issuer_cert=root)
        _write(ca / "root-key.pem", _encrypted_pem(root_key, passphrase), secret=True)
        _write(ca / "issuing-key.pem", _encrypted_pem(issuing_key, passphrase), secret=True)
        _write(ca / "issuing.pem", _pem(issuing))
        _write(ca / "root.pem", _pem(root))  # last: its presence means the CA is complete
        return cls(directory, passphrase, pepper=pepper, public_url=public_url)

    @property
    def root_pem_path(self) -> Path:
        return self.directory / "ca" / "root.pem"

    def _key(self):
        if self._issuing_key is None:
            data = (self.directory / "ca" / "issuing-key.pem").read_bytes()
            try:
                self._issuing_key = serialization.load_pem_private_key(data, self._passphrase)
            except (ValueError, TypeError) as error:
                raise SigningSetupError("Mật khẩu của tổ chức cấp chứng thư số không đúng.") from error
        return self._issuing_key

    def signing_key(self):
        """The issuing CA's private key (it signs holder certificates, CRLs and OCSP answers)."""
        return self._key()

    def root_signing_key(self):
        """The root's private key: it signs only the root's CRL (``signing.revocation``)."""
        if self._root_key is None:
            data = (self.directory / "ca" / "root-key.pem").read_bytes()
            try:
                self._root_key = serialization.load_pem_private_key(data, self._passphrase)
            except (ValueError, TypeError) as error:
                raise SigningSetupError("Mật khẩu của tổ chức cấp chứng thư số không đúng.") from error
        return self._root_key

    def digest(self, key=None):
        key = key or self._key()
        if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
            return hashes.SHA384()
        return hashes.SHA256()

    def revocation_urls(self) -> tuple[str, str] | None:
        """(OCSP URL, CRL URL) written into holder certificates, or None without a public URL."""
        if not self.public_url:
            return None
        return self.public_url + OCSP_PATH, self.public_url + CRL_PATH

    def sign_data(self, data: bytes) -> bytes:
        """A detached signature of ``data`` by the issuing CA's key (SHA-256): the installation's seal on what it
        vouches for outside a PDF (``signing.seals``)."""
        key = self._key()
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256()))
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    # ---- issuing --------------------------------------------------------------------------------------------
    def issue_person(self, identity_id: str, *, full_name: str, title: str, organisation: str, pin: str,
                     uid: str | None = None, locality: str | None = None, algorithm: str = "p256",
                     years: int = 3, now: dt.datetime | None = None) -> Identity:
        """Issue a signing certificate for a person and store its key encrypted under ``pin``.

        Subject: C=VN, [ST=locality], O=organisation, title=title, CN=full_name, [UID=uid]. Re-issuing the same
        ``identity_id`` replaces the previous certificate and key (the old ones stay valid until they expire or
        are revoked: the database lists revocations, ``signing.revocation`` publishes them).
        """
        attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
        if locality:
            attrs.append(_attr(NameOID.STATE_OR_PROVINCE_NAME, locality, "tỉnh/thành phố"))
        attrs += [_attr(NameOID.ORGANIZATION_NAME, organisation, "tên trường"),
                  _attr(NameOID.TITLE, title, "chức danh"),
                  _attr(NameOID.COMMON_NAME, full_name, "họ và tên")]
        if uid:
            attrs.append(_attr(NameOID.USER_ID, uid, "mã định danh"))
        return self._issue(identity_id, x509.Name(attrs), pin=pin, algorithm=algorithm, years=years, now=now)

    def issue_seal(self, identity_id: str, *, organisation: str, pin: str, uid: str | None = None,
                   locality: str | None = None, algorithm: str = "p256", years: int = 3,
                   now: dt.datetime | None = None) -> Identity:
        """Issue the school's organisation certificate (*con dấu*): CN = O = the school's name, no title."""
        attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
        if locality:
            attrs.append(_attr(NameOID.STATE_OR_PROVINCE_NAME, locality, "tỉnh/thành phố"))
        attrs += [_attr(NameOID.ORGANIZATION_NAME, organisation, "tên trường"),
                  _attr(NameOID.COMMON_NAME, organisation, "tên trường")]
        if uid:
            attrs.append(_attr(NameOID.USER_ID, uid, "mã định danh"))
        return self._issue(identity_id, x509.Name(attrs), pin=pin, algorithm=algorithm, years=years, now=now)

    def certify_public_key(self, subject: x509.Name, public_key, *, years: int = 3, now: dt.datetime | None = None,
                           extended_key_usage: list | None = None) -> x509.Certificate:
        """A holder certificate for a key generated elsewhere (e.g. inside a PKCS#11 token).
        ``extended_key_usage`` (OIDs) is added as a critical extension when given (a TSA needs timeStamping)."""
        now = now or dt.datetime.now(dt.timezone.utc)
        return _build(subject, self.issuing.subject, public_key, self._key(), now, years * 365, ca=False,
                      issuer_cert=self.issuing, extended_key_usage=extended_key_usage,
                      revocation_urls=self.revocation_urls())

    def _issue(self, identity_id: str, subject: x509.Name, *, pin: str, algorithm: str, years: int,
               now: dt.datetime | None) -> Identity:
        if not _ID_RE.match(identity_id):
            raise SigningSetupError(f"Mã danh tính không hợp lệ: {identity_id!r}.")
        if not pin or len(_nfc(pin)) < 4:
            raise SigningSetupError("Mã PIN ký số phải có ít nhất 4 ký tự.")
        key = _new_key(algorithm)
        cert = self.certify_public_key(subject, key.public_key(), years=years, now=now)
        salt = os.urandom(16)
        folder = self.directory / "identities" / identity_id
        _write(folder / "key.pem", _encrypted_pem(key, pin_password(pin, salt, self.pepper)), secret=True)
        _write(folder / "chain.pem", _pem(self.issuing) + _pem(self.root))
        _write(folder / "identity.json", json.dumps({
            "format": "hocbaso.identity/1", "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                                                     "salt": salt.hex(), "pepper": bool(self.pepper)},
            "subject": cert.subject.rfc4514_string({NameOID.TITLE: "title"}), "serial": format(cert.serial_number, "x"),
        }, ensure_ascii=False, indent=2).encode())
        _write(folder / "cert.pem", _pem(cert))
        return self.identity(identity_id)

    def identity(self, identity_id: str) -> Identity:
        """A stored holder, by id. Raises ``SigningSetupError`` when it does not exist."""
        return load_identity(self.directory / "identities" / identity_id)

    def change_pin(self, identity_id: str, old_pin: str, new_pin: str) -> Identity:
        """Re-encrypt a holder's key under a new PIN (``WrongPinError`` if ``old_pin`` is wrong)."""
        ident = self.identity(identity_id)
        key = ident.unlock(old_pin, self.pepper)
        if not new_pin or len(_nfc(new_pin)) < 4:
            raise SigningSetupError("Mã PIN ký số phải có ít nhất 4 ký tự.")
        salt = os.urandom(16)
        meta_path = ident.directory / "identity.json"
        meta = json.loads(meta_path.read_text())
        meta["kdf"]["salt"] = salt.hex()
        _write(ident.key_path, _encrypted_pem(key, pin_password(new_pin, salt, self.pepper)), secret=True)
        _write(meta_path, json.dumps(meta, ensure_ascii=False, indent=2).encode())
        return self.identity(identity_id)


def load_identity(folder: Path) -> Identity:
    folder = _folder(folder)
    try:
        cert = x509.load_pem_x509_certificate((folder / "cert.pem").read_bytes())
        chain = tuple(x509.load_pem_x509_certificates((folder / "chain.pem").read_bytes()))
        meta = json.loads((folder / "identity.json").read_text())
    except FileNotFoundError as error:
        raise SigningSetupError(f"Không tìm thấy chứng thư số {folder.name}.") from error
    return Identity(folder, folder.name, cert, chain, bytes.fromhex(meta["kdf"]["salt"]))


def _build(subject: x509.Name, issuer: x509.Name, public_key, signing_key, now: dt.datetime, days: int, *,
           ca: bool, path_length: int | None = None, issuer_cert: x509.Certificate | None = None,
           extended_key_usage: list | None = None, revocation_urls: tuple[str, str] | None = None,
           ) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value), critical=False)
    else:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
    if ca:
        usage = dict(digital_signature=True, content_commitment=False, key_cert_sign=True, crl_sign=True)
    else:
        usage = dict(digital_signature=True, content_commitment=True, key_cert_sign=False, crl_sign=False)
    builder = builder.add_extension(x509.KeyUsage(key_encipherment=False, data_encipherment=False,
                                                  key_agreement=False, encipher_only=False, decipher_only=False,
                                                  **usage), critical=True)
    if revocation_urls:
        ocsp_url, crl_url = revocation_urls
        builder = builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]), critical=False)
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None, crl_issuer=None)]),
            critical=False)
    if extended_key_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_key_usage), critical=True)
    digest = hashes.SHA256() if not isinstance(signing_key, ec.EllipticCurvePrivateKey) or \
        signing_key.curve.key_size <= 256 else hashes.SHA384()
    return builder.sign(signing_key, digest)
