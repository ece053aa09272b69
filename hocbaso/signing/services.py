"""Signing identities and subject sign-offs (the database side of ký số).

- ``deployment_ca()``: the deployment's built-in certificate authority (created on first use).
- ``identity_issue``: a built-in certificate for a teacher, a principal, or the school's seal.
- ``identity_register``: a certificate whose key is on a PKCS#11 token or at a remote CSC service.
- ``signer_open``: a ready ``Signer`` for an identity and its PIN, with wrong-PIN attempts limited.
- ``subject_signoff``: a subject teacher signs their subject's year-end results for one class.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Role, School, SchoolClass, Staff, TeachingAssignment
from hocbaso.signing.ca import (TITLE_PRINCIPAL, TITLE_SUBJECT_TEACHER, TITLE_TEACHER, CertificateAuthority,
                                load_pem_certificates)
from hocbaso.signing.errors import SigningError, SigningSetupError, WrongPinError
from hocbaso.signing.models import IdentityKind, SigningIdentity, SubjectSignoff
from hocbaso.signing.pades import PadesSettings, SignJob
from hocbaso.signing.sheets import payload_json
from hocbaso.signing.signers import BuiltinSigner, CscSigner, Pkcs11Signer, Signer, subject_text

PIN_BLOCK_MINUTES = 15


def identity_certificate(identity: SigningIdentity):
    """The holder's own certificate (the first of the stored PEM; any others are its CA chain)."""
    return load_pem_certificates(identity.certificate_pem.encode())[0]


class SigningRefused(SigningError):
    """A signing step that the rules do not allow now (not locked, not assigned, already signed…)."""


def _derived(purpose: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"hocbaso-{purpose}".encode(), hashlib.sha256).digest()


def pin_pepper() -> bytes:
    return settings.PIN_PEPPER.encode() if settings.PIN_PEPPER else _derived("pin-pepper")


def deployment_ca() -> CertificateAuthority:
    """The built-in CA under ``settings.PKI_DIR``, created the first time it is needed."""
    passphrase = settings.CA_PASSPHRASE.encode() if settings.CA_PASSPHRASE else _derived("ca-passphrase").hex().encode()
    directory = Path(settings.PKI_DIR)
    if not (directory / "ca" / "root.pem").exists():
        try:
            CertificateAuthority.create(directory, passphrase, name="hocbaso", organisation="hocbaso học bạ số",
                                        pepper=pin_pepper())
        except SigningSetupError:  # another process created it meanwhile
            pass
    return CertificateAuthority(directory, passphrase, pepper=pin_pepper())


def pades_settings() -> PadesSettings:
    """PAdES B-T when a time-stamping server is configured (``HOCBASO_TSA_URL``), else B-B."""
    return PadesSettings(tsa_url=settings.TSA_URL)


def title_for(staff: Staff) -> str:
    roles = staff.roles
    if Role.PRINCIPAL in roles:
        return TITLE_PRINCIPAL
    if Role.HOMEROOM_TEACHER in roles:
        return TITLE_TEACHER
    return TITLE_SUBJECT_TEACHER


def _certificate_pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@transaction.atomic
def _identity_store(*, school: School, staff: Staff | None, kind: str, identity_id: str, certificate, config: dict,
                    by, chain: tuple = ()) -> SigningIdentity:
    SigningIdentity.objects.filter(school=school, staff=staff, active=True).update(active=False)
    identity = SigningIdentity.objects.create(
        school=school, staff=staff, kind=kind, identity_id=identity_id,
        certificate_pem="".join(_certificate_pem(c) for c in (certificate, *chain)),
        subject=subject_text(certificate.subject), config=config, created_by=by)
    log_actions([Action("signing.identity", "signingidentity", str(identity.pk), None,
                        {"kind": kind, "subject": identity.subject, "staff": staff.full_name if staff else None},
                        school_code=school.code)], actor=by)
    return identity


def identity_issue(*, pin: str, by, staff: Staff | None = None, school: School | None = None) -> SigningIdentity:
    """Issue a built-in certificate (P-256) for ``staff``, or the seal of ``school`` when no staff is given.
    The private key is stored encrypted under ``pin``; a previous identity of the same holder is retired."""
    if staff is None and school is None:
        raise SigningSetupError("Cần chọn người ký hoặc trường (con dấu).")
    school = school or staff.school
    if school is None or (staff is not None and staff.school_id != school.pk):
        raise SigningSetupError("Chỉ cán bộ của trường mới được cấp chứng thư số ký học bạ của trường.")
    ca = deployment_ca()
    province = school.district.province.name
    if staff is not None:
        identity_id = f"staff-{staff.pk}"
        ident = ca.issue_person(identity_id, full_name=staff.full_name, title=title_for(staff),
                                organisation=school.name, pin=pin, uid=f"{school.code}-{staff.pk}", locality=province)
    else:
        identity_id = f"seal-{school.code}"
        ident = ca.issue_seal(identity_id, organisation=school.name, pin=pin, uid=school.code, locality=province)
    return _identity_store(school=school, staff=staff, kind=IdentityKind.BUILTIN, identity_id=identity_id,
                           certificate=ident.certificate, config={}, by=by)


def identity_register(*, kind: str, config: dict, certificate_pem: str, by, staff: Staff | None = None,
                      school: School | None = None) -> SigningIdentity:
    """Record a certificate whose key is elsewhere: a PKCS#11 token (``config``: module, token_label,
    key_label) or a remote CSC service (``config``: service_url, credential_id)."""
    if kind not in (IdentityKind.PKCS11, IdentityKind.CSC):
        raise SigningSetupError(f"Loại chứng thư số không hỗ trợ: {kind}.")
    certificate, *chain = load_pem_certificates(certificate_pem.encode())
    school = school or staff.school
    return _identity_store(school=school, staff=staff, kind=kind, identity_id="", certificate=certificate,
                           config=config, by=by, chain=tuple(chain))


def identity_for(*, staff: Staff | None = None, school: School | None = None) -> SigningIdentity:
    found = SigningIdentity.objects.filter(active=True, staff=staff, **({"school": school} if staff is None else {}))
    identity = found.select_related("staff", "school").first()
    if identity is None:
        who = staff.full_name if staff else f"con dấu của {school.name}"
        raise SigningSetupError(f"{who} chưa có chứng thư số. Hãy cấp chứng thư số trước khi ký.")
    return identity


def _pin_failed(identity: SigningIdentity) -> None:
    with transaction.atomic():
        row = SigningIdentity.objects.select_for_update().get(pk=identity.pk)
        row.failed_pins += 1
        if row.failed_pins >= settings.SIGN_PIN_ATTEMPTS:
            row.blocked_until = timezone.now() + dt.timedelta(minutes=PIN_BLOCK_MINUTES)
            row.failed_pins = 0
        row.save(update_fields=["failed_pins", "blocked_until"])


def signer_open(identity: SigningIdentity, pin: str | None, *, seal: bool = False, authorize=None) -> Signer:
    """A ``Signer`` for ``identity`` unlocked with ``pin``. After ``SIGN_PIN_ATTEMPTS`` wrong PINs in a row
    the identity is blocked for 15 minutes (``WrongPinError`` says so)."""
    if identity.blocked_until and identity.blocked_until > timezone.now():
        minutes = max(1, int((identity.blocked_until - timezone.now()).total_seconds() // 60) + 1)
        raise WrongPinError(f"Nhập sai mã PIN quá số lần cho phép. Hãy thử lại sau {minutes} phút.")
    options = {"settings": pades_settings(), "seal": seal}
    try:
        if identity.kind == IdentityKind.BUILTIN:
            ca = deployment_ca()
            signer = BuiltinSigner(ca.identity(identity.identity_id), pin, pepper=ca.pepper, **options)
        elif identity.kind == IdentityKind.PKCS11:
            config = dict(identity.config)
            module = config.pop("module")
            chain = load_pem_certificates(identity.certificate_pem.encode())[1:]
            signer = Pkcs11Signer(module, pin=pin, other_certs=chain or None, **config, **options)
        else:
            signer = CscSigner(identity.config["service_url"], identity.config["credential_id"], pin=pin,
                               authorize=authorize, **options)
    except WrongPinError:
        _pin_failed(identity)
        raise
    if identity.failed_pins:
        SigningIdentity.objects.filter(pk=identity.pk).update(failed_pins=0)
    return signer


# ---------------------------------------------------------------------- subject sign-off

def _class_teachers(school_class: SchoolClass) -> dict[str, Staff]:
    """Who answers for each subject of the class: the assigned teacher, else the homeroom teacher."""
    assigned = {a.subject: a.teacher for a in TeachingAssignment.objects.filter(school_class=school_class)
                .select_related("teacher")}
    subjects = {s for e in school_class.enrolments.all() for s in e.subjects()}
    return {s: assigned.get(s, school_class.homeroom_teacher) for s in sorted(subjects)}


def subjects_needing_signoff(school_class: SchoolClass) -> dict[str, Staff]:
    """Subjects of the class taught by someone other than the homeroom teacher, by subject code: each needs its
    teacher's sign-off before the homeroom teacher signs the records. (Subjects the homeroom teacher teaches
    are covered by the homeroom teacher's own signature on every record.)"""
    return {s: t for s, t in _class_teachers(school_class).items()
            if t is not None and t.pk != school_class.homeroom_teacher_id}


def signoff_payload(school_class: SchoolClass, subject: str) -> dict:
    """The data a subject teacher signs: every enrolled pupil's year-end rating, score and comment."""
    from hocbaso.assessment.models import SubjectEvaluation
    from hocbaso.directory.selectors import class_pupils

    rows = {e.enrolment_id: e for e in SubjectEvaluation.objects.filter(
        enrolment__school_class=school_class, subject=subject, period="cuoi_nam")}
    pupils = []
    for enrolment in class_pupils(school_class):
        if subject not in enrolment.subjects():
            continue
        row = rows.get(enrolment.pk)
        pupils.append({"enrolment": enrolment.pk, "identity_number": enrolment.pupil.identity_number,
                       "full_name": enrolment.pupil.full_name,
                       "rating": row.rating if row else None, "score": row.score if row else None,
                       "comment": row.comment if row else ""})
    year = school_class.school_year
    return {"format": "hocbaso.subject-results/1", "school": year.school.code, "school_year": year.name,
            "class_name": school_class.name, "subject": subject, "period": "cuoi_nam", "pupils": pupils}


def _signoff_pdf(payload: dict, school_class: SchoolClass, teacher: Staff) -> bytes:
    from hocbaso.documents.view import rating_in_words
    from hocbaso.signing.sheets import sheet_pdf
    from hocbaso.tt27 import catalogue

    subject = catalogue.SUBJECTS.get(payload["subject"], payload["subject"])
    return sheet_pdf(
        left=school_class.school_year.school.name, right=f"Năm học {payload['school_year']}",
        title=f"Kết quả đánh giá môn {subject}", subtitle=f"Lớp {payload['class_name']} · Cuối năm học "
        f"{payload['school_year']} · Giáo viên: {teacher.full_name}",
        columns=["STT", "Họ và tên", "Mức đạt được", "Điểm KTĐK", "Nhận xét"],
        widths=["auto", "1fr", "auto", "auto", "2fr"],
        rows=[[i, p["full_name"], rating_in_words(catalogue.SUBJECT_RATINGS, p["rating"]),
               "" if p["score"] is None else p["score"], p["comment"] or ""]
              for i, p in enumerate(payload["pupils"], 1)],
        signer_title="Giáo viên bộ môn", signer_name=teacher.full_name, attachment="subject-results.json",
        payload=payload)


def subject_signoff(*, school_class: SchoolClass, subject: str, by, signer: Signer) -> SubjectSignoff:
    """Ký xác nhận: the subject's teacher signs the subject's year-end results of the whole class in one action.

    Allowed only after the class is locked (chốt dữ liệu), only to the teacher who answers for the subject, and
    once (a correction that changes the subject's results retires the sign-off so it is signed again)."""
    from hocbaso.assessment.selectors import locks_for_classes

    teacher = Staff.objects.filter(user=by).first()
    answerable = _class_teachers(school_class).get(subject)
    if answerable is None:
        raise SigningRefused(f"Lớp {school_class.name} không học môn {subject}.")
    if teacher is None or teacher.pk != answerable.pk:
        raise SigningRefused(f"Chỉ giáo viên dạy môn này ở lớp {school_class.name} ({answerable.full_name}) "
                             "mới được ký xác nhận kết quả môn học.")
    if school_class.pk not in locks_for_classes([school_class.pk]):
        raise SigningRefused(f"Lớp {school_class.name} chưa chốt dữ liệu; hãy chốt dữ liệu trước khi ký.")
    if SubjectSignoff.objects.filter(school_class=school_class, subject=subject, current=True).exists():
        raise SigningRefused(f"Môn {subject} của lớp {school_class.name} đã được ký xác nhận.")
    identity = identity_for(staff=teacher)
    payload = signoff_payload(school_class, subject)
    missing = [p["full_name"] for p in payload["pupils"] if not p["rating"]]
    if missing:
        raise SigningRefused(f"Chưa có mức đạt được cuối năm của {len(missing)} học sinh (ví dụ: {missing[0]}).")
    pdf = _signoff_pdf(payload, school_class, teacher)
    signed = signer.sign_batch([SignJob(pdf, "GVBM", reason="Xác nhận kết quả đánh giá môn học")])[0]
    year = school_class.school_year
    name = default_storage.save(f"signoffs/{year.school.code}/{year.name}/{school_class.name}-{subject}.pdf",
                                ContentFile(signed))
    canonical = payload_json(payload).encode()
    with transaction.atomic():
        signoff = SubjectSignoff.objects.create(
            school_class=school_class, subject=subject, teacher=teacher, identity=identity, payload=payload,
            payload_sha256=hashlib.sha256(canonical).hexdigest(), pdf=name,
            pdf_sha256=hashlib.sha256(signed).hexdigest(), signed_at=timezone.now())
        log_actions([Action("signing.subject", "schoolclass", str(school_class.pk), None,
                            {"subject": subject, "pupils": len(payload["pupils"]), "pdf_sha256": signoff.pdf_sha256},
                            school_code=year.school.code)], actor=by)
    return signoff
