"""Who may and who may not, for every URL of hocbaso.urls (in the healthchecks manner).

``CASES`` gives, per URL name, requests and the status each persona gets. ``test_every_url_has_an_
authorization_case`` enumerates the URL patterns and fails when one has no case here, so a new view
cannot land without saying who may use it. For writes, a refused persona must leave the database as
it was.
"""

import json
from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hocbaso.assessment.models import SubjectEvaluation, YearResult
from hocbaso.testing.people import PERSONAS, login_as
from hocbaso.testing.wording import english_on_page, refusal_without_reason
from hocbaso.web.permissions import SHEET_TRAITS

EVERYONE = {p: 200 for p in PERSONAS}
SCHOOL_READERS = ("owner", "vice", "clerk")  # see every class of the school (offices: aggregates only)


def logged_in(status: int, anonymous: int = 302, **others) -> dict:
    return {**{p: status for p in PERSONAS}, "anonymous": anonymous, **others}


def class_page(anonymous=302, ok=200, hidden=404, **others) -> dict:
    """4A: its homeroom teacher and the school's readers see it; the others get 404."""
    out = {p: hidden for p in PERSONAS}
    out.update({p: ok for p in (*SCHOOL_READERS, "member")}, anonymous=anonymous)
    out.update(others)
    return out


@dataclass
class Case:
    name: str
    args: Callable = lambda w: []
    method: str = "get"
    expect: dict | None = None  # persona -> status; None: the same status for every persona (public)
    query: str | Callable = ""  # or world -> query string
    body: Callable | None = None  # world -> JSON body (POST)
    form: dict | Callable = field(default_factory=dict)  # or world -> form (POST)
    writes: bool = False  # a refused persona must not change evaluations or year results


def toan_entry(w):
    return {"entries": [{"id": "1", "sheet": "toan", "key": "s", "enrolment": w.enrolment.pk, "revision": 0,
                         "values": {"rating": "T", "score": 9}}]}


def english_entry(w):
    return {"entries": [{"id": "1", "sheet": "ngoai_ngu_1", "key": "s", "enrolment": w.enrolment4b.pk,
                         "revision": 0, "values": {"rating": "T", "score": 8}}]}


def school_page(anonymous=302, ok=200, hidden=404, **others) -> dict:
    """The school's dashboard: its leaders, clerk and offices read it (``ok``); its teachers get 403; people of
    another school or province 404."""
    out = {p: 403 for p in PERSONAS}
    out.update({p: ok for p in SCHOOL_READERS}, outsider=hidden, province_other=hidden, anonymous=anonymous)
    out.update(others)
    return out


A4, B4 = (lambda w: [w.class4a.pk]), (lambda w: [w.class4b.pk])
YEAR = lambda w: [w.year.pk]  # noqa: E731

CASES = [
    Case("<unnamed favicon.ico>", expect={p: 301 for p in PERSONAS}),
    # portal
    Case("portal:home", expect=logged_in(200)),
    Case("portal:pupil_search", YEAR, query="?q=tuyet", expect=school_page()),
    Case("portal:pupil_search", YEAR, query=lambda w: f"?q=tuyet&lop={w.class4a.pk}",
         expect=class_page()),
    Case("portal:login", expect=EVERYONE),
    Case("portal:login_code", expect={p: 302 for p in PERSONAS}),  # nothing pending: back to the password
    Case("portal:logout", method="post", expect={p: 302 for p in PERSONAS}),
    Case("portal:set_language", method="post", form={"language": "en", "next": "/"}, expect={p: 302 for p in PERSONAS}),
    Case("portal:two_factor", expect=logged_in(200, clerk=403, commune=403, province=403, province_other=403,
                                                outsider=200)),
    Case("portal:password_change", expect=logged_in(200)),  # everyone signed in, for their own account only
    Case("portal:staff_passwords", expect=logged_in(403, owner=200)),  # the principal, for their school's accounts
    Case("portal:class_detail", A4, expect=class_page()),
    Case("portal:class_detail", B4, expect=class_page(member=404, colleague=200, english=200)),
    # after the year end (issue 19): the class's homeroom teacher and the school's readers
    Case("portal:pupil_year", A4, expect=class_page()),
    Case("portal:pupil_year", B4, expect=class_page(member=404, colleague=200, english=403)),
    Case("portal:grid", lambda w: [w.class4a.pk, "cuoi_nam", "toan"], expect=class_page()),
    Case("portal:grid", lambda w: [w.class4a.pk, "giua_hk1", SHEET_TRAITS], expect=class_page()),
    Case("portal:grid", lambda w: [w.class4b.pk, "cuoi_nam", "ngoai_ngu_1"],
         expect=class_page(member=404, colleague=200, english=200)),
    Case("portal:grid", lambda w: [w.class4b.pk, "cuoi_nam", "toan"],
         expect=class_page(member=404, colleague=200, english=403)),
    Case("portal:grid", lambda w: [w.class4b.pk, "cuoi_nam", SHEET_TRAITS],
         expect=class_page(member=404, colleague=200, english=403)),
    Case("portal:summary", lambda w: [w.class4a.pk, "cuoi_nam"], expect=class_page()),
    Case("portal:summary", lambda w: [w.class4b.pk, "giua_hk1"], expect=class_page(member=404, colleague=200,
                                                                                    english=403)),
    Case("exchange:summary_xlsx", lambda w: [w.class4a.pk, "cuoi_hk1"], expect=class_page()),
    Case("exchange:summary_xlsx", lambda w: [w.class4b.pk, "cuoi_hk1"], expect=class_page(member=404, colleague=200,
                                                                                           english=403)),
    Case("portal:summary_pdf", lambda w: [w.class4a.pk, "giua_hk1"], expect=class_page()),
    Case("portal:summary_pdf", lambda w: [w.class4b.pk, "giua_hk1"], expect=class_page(member=404, colleague=200,
                                                                                        english=403)),
    Case("portal:results_assess", A4, method="post", writes=True,
         expect=class_page(ok=403, owner=302, member=302)),
    Case("portal:api_evaluations", lambda w: [w.class4a.pk, "cuoi_nam"], query="?sheet=toan",
         expect=class_page(anonymous=401)),
    Case("portal:api_evaluations", lambda w: [w.class4b.pk, "cuoi_nam"], query="?sheet=toan",
         expect=class_page(anonymous=401, member=404, colleague=200, english=403)),
    Case("portal:api_evaluations", lambda w: [w.class4a.pk, "cuoi_nam"], method="post", body=toan_entry, writes=True,
         expect=class_page(anonymous=401, ok=403, owner=200, member=200)),
    Case("portal:api_evaluations", lambda w: [w.class4b.pk, "cuoi_nam"], method="post", body=english_entry,
         writes=True, expect=class_page(anonymous=401, ok=403, owner=200, member=404, colleague=403, english=200)),
    # a teacher's own comment phrases: anyone signed in keeps their own; deleting another's (here: none) is refused
    Case("portal:api_phrase_add", method="post", body=lambda w: {"sheet": "toan", "text": "Viết chữ đẹp."},
         expect=logged_in(200, anonymous=401)),
    Case("portal:api_phrase_delete", lambda w: [999999], method="post", expect=logged_in(403, anonymous=401)),
    # the installable app: public, like the login page
    Case("portal:manifest"),
    Case("portal:service_worker"),
    Case("portal:offline"),
    # the record's lifecycle: the principal's dashboard and actions, signing, jobs, previews, corrections
    Case("portal:school_dashboard", YEAR, expect=school_page()),
    Case("portal:school_lock", YEAR, method="post", writes=True, expect=school_page(ok=403, owner=302)),
    Case("portal:school_sign", YEAR, expect=school_page(ok=403, owner=200)),
    Case("portal:school_sign", YEAR, method="post", form={"pin": "000000"}, writes=True,
         expect=school_page(ok=403, owner=200)),
    Case("portal:school_issue", YEAR, expect=school_page(ok=403, owner=200)),
    Case("portal:school_issue", YEAR, method="post", form={"pin": "000000"}, writes=True,
         expect=school_page(ok=403, owner=200)),
    Case("portal:class_lock", A4, method="post", writes=True, expect=class_page(ok=403, owner=302)),
    Case("portal:class_lock", B4, method="post", writes=True,
         expect=class_page(ok=403, owner=302, member=404, colleague=403, english=403)),
    Case("portal:class_unlock", A4, method="post", writes=True, form={"reason": "Chốt nhầm"},
         expect=class_page(ok=403, owner=302)),
    Case("portal:class_unlock", B4, method="post", writes=True, form={"reason": "Chốt nhầm"},
         expect=class_page(ok=403, owner=302, member=404, colleague=403, english=403)),
    Case("portal:class_sign", A4, expect=class_page(ok=403, member=200)),
    Case("portal:class_sign", A4, method="post", form={"pin": "000000"}, writes=True,
         expect=class_page(ok=403, member=200)),
    Case("portal:class_sign", B4, expect=class_page(ok=403, member=404, colleague=200, english=403)),
    Case("portal:subject_signoff", lambda w: [w.class4b.pk, "ngoai_ngu_1"],
         expect=class_page(ok=403, member=404, colleague=403, english=200)),
    Case("portal:subject_signoff", lambda w: [w.class4b.pk, "ngoai_ngu_1"], method="post", form={"pin": "000000"},
         writes=True, expect=class_page(ok=403, member=404, colleague=403, english=200)),
    Case("portal:subject_signoff", lambda w: [w.class4a.pk, "toan"], expect=class_page(ok=403)),
    Case("portal:record_pdf", lambda w: [w.class4a.pk, w.enrolment.pk], expect=class_page()),
    Case("portal:record_pdf", lambda w: [w.class4b.pk, w.enrolment4b.pk],
         expect=class_page(member=404, colleague=200, english=403)),
    Case("portal:record_pdf", lambda w: [w.class4a.pk, w.enrolment4b.pk], expect=class_page(ok=404)),
    Case("portal:corrections", A4, expect=class_page()),
    Case("portal:corrections", B4, expect=class_page(member=404, colleague=200, english=200)),
    Case("portal:corrections", A4, method="post", writes=True, form=lambda w: {
        "enrolment": w.enrolment.pk, "field": "homeroom_comment", "new_value": "Em chăm ngoan.", "reason": "Bổ sung"},
         expect=class_page(ok=403, owner=302, member=302)),
    Case("portal:corrections", B4, method="post", writes=True, form=lambda w: {
        "enrolment": w.enrolment4b2.pk, "field": "subjects.ngoai_ngu_1.comment", "new_value": "Em đọc tốt.",
        "reason": "Bổ sung"}, expect=class_page(ok=403, owner=302, member=404, colleague=200, english=302)),
    Case("portal:correction_decide", lambda w: [w.correction.pk, "duyet"], method="post", writes=True,
         form={"note": "Đồng ý"}, expect=school_page(ok=403, owner=302)),
    Case("portal:correction_decide", lambda w: [w.correction.pk, "tu-choi"], method="post", writes=True,
         form={"note": "Không"}, expect=school_page(ok=403, owner=302)),
    Case("portal:job", lambda w: [w.job.pk], expect=logged_in(404, owner=200, vice=200, member=200)),
    Case("portal:api_job", lambda w: [w.job.pk], expect=logged_in(404, anonymous=401, owner=200, vice=200,
                                                                   member=200)),
    Case("portal:job_cancel", lambda w: [w.queued_job.pk], method="post", writes=True,
         expect=logged_in(404, owner=302, vice=403)),
    Case("portal:certificate", expect=logged_in(403, owner=200, member=200, colleague=200, english=200,
                                                outsider=200)),
    Case("portal:certificate", method="post", writes=True,
         form={"holder": "self", "self-pin": "123456", "self-pin2": "654321"},
         expect=logged_in(403, owner=200, member=200, colleague=200, english=200, outsider=200)),
    Case("portal:certificate", method="post", writes=True,
         form={"holder": "seal", "seal-pin": "123456", "seal-pin2": "654321"},
         expect=logged_in(403, owner=200)),
    Case("portal:remote_account", expect=logged_in(403, owner=200, member=200, colleague=200, english=200,
                                                   outsider=200)),
    Case("portal:remote_account", method="post", writes=True, form={"service": "smartca", "user_id": "0123"},
         expect=logged_in(403, owner=200, member=200, colleague=200, english=200, outsider=200)),
    # public verification (the same answer for everyone; rate limits raised for the test)
    Case("verify:lookup"),
    Case("verify:status", lambda w: ["AAAA-BBBB-CCCC"]),
    Case("verify:download", lambda w: ["AAAA-BBBB-CCCC"]),
    Case("verify:file"),
    Case("verify:api_status", lambda w: ["AAAA-BBBB-CCCC"]),
    Case("verify:api_full", lambda w: ["AAAA-BBBB-CCCC"], method="post", form={"birth_date": "2014-09-02", "identity_last4": "1234"}),
    Case("verify:api_file", method="post"),
    Case("verify:api_openapi"),
    Case("verify:download_xml", lambda w: ["AAAA-BBBB-CCCC"]),
    Case("verify:api_xml", lambda w: ["AAAA-BBBB-CCCC"], method="post", form={"birth_date": "2014-09-02", "identity_last4": "1234"}),
    Case("verify:api_pdf", lambda w: ["AAAA-BBBB-CCCC"], method="post", form={"birth_date": "2014-09-02", "identity_last4": "1234"}),
    Case("verify:pki_crl"),
    Case("verify:pki_root_crl"),
    Case("verify:pki_ocsp", method="post"),
    Case("verify:pki_ocsp_get", lambda w: ["MAo="]),
    Case("verify:log", expect=logged_in(403, owner=200, vice=200)),
    # the transfer link (a bearer token): the same answer for everyone; an unknown token is 404
    Case("exchange:transfer"),
    Case("exchange:transfer", method="post", form={"token": "khong-co-ma-nay"}),
    # data in and out (hocbaso.exchange.views; web.permissions.exchange_access)
    Case("exchange:hub", YEAR, expect=school_page()),
    Case("exchange:import_pupils", YEAR, expect=school_page(ok=403, owner=200, clerk=200)),
    Case("exchange:import_pupils", YEAR, method="post", writes=True, expect=school_page(ok=403, owner=200, clerk=200)),
    Case("exchange:import_evaluations", A4, expect=class_page(ok=403, owner=200, member=200)),
    Case("exchange:import_evaluations", B4, method="post", writes=True, form={"period": "cuoi_nam"},
         expect=class_page(ok=403, owner=200, member=404, colleague=200, english=200)),
    Case("exchange:class_export", lambda w: [w.class4a.pk, "cuoi_nam"], expect=class_page()),
    Case("exchange:class_export", lambda w: [w.class4b.pk, "cuoi_nam"],
         expect=class_page(member=404, colleague=200, english=403)),
    Case("exchange:export", lambda w: [w.year.pk, "danh-sach-hoc-sinh"], expect=school_page()),
    Case("exchange:export", lambda w: [w.year.pk, "nop-phong-so"], expect=school_page(ok=302)),
    Case("exchange:transfer_create", YEAR, query=lambda w: f"?hs={w.enrolment.pk}",
         expect=school_page(ok=403, owner=200)),
    Case("exchange:transfer_create", YEAR, query=lambda w: f"?hs={w.enrolment.pk}", method="post", writes=True,
         form={"pin": "000000"}, expect=school_page(ok=403, owner=200)),
    Case("exchange:transfer_receive", YEAR, expect=school_page(ok=403, owner=200, vice=200, clerk=200)),
    Case("exchange:transfer_receive", YEAR, method="post", writes=True, form={"link": "khong-co-ma-nay"},
         expect=school_page(ok=403, owner=200, vice=200, clerk=200)),
    Case("exchange:copies", YEAR, expect=school_page()),
    Case("exchange:copies", YEAR, method="post", writes=True,
         form=lambda w: {"enrolment": w.enrolment.pk, "requester": "Phụ huynh", "reason": "Mất bản chính"},
         expect=school_page(ok=403, owner=302, vice=302, clerk=302)),
    Case("exchange:copy_sign", lambda w: [w.copy_request.pk], expect=school_page(ok=403, owner=200)),
    Case("exchange:copy_sign", lambda w: [w.copy_request.pk], method="post", writes=True, form={"pin": "000000"},
         expect=school_page(ok=403, owner=200)),
    Case("exchange:copy_download", lambda w: [w.copy.pk], expect=school_page()),
    Case("exchange:archive", YEAR, method="post", writes=True, expect=school_page(ok=403, owner=302)),
    Case("exchange:archive_download", lambda w: [w.archive_job.pk], expect=school_page(ok=403, owner=200)),
    Case("exchange:receive", expect=logged_in(403, commune=200, province=200, province_other=200)),
    Case("exchange:receive", method="post", writes=True,
         expect=logged_in(403, commune=200, province=200, province_other=200)),
    Case("reports:statistics", expect=logged_in(200, member=403, colleague=403, english=403, clerk=403,
                                                outsider=403)),
    *(Case(name, lambda w, extra=extra: ["truong", w.school.code, *extra],
           expect=logged_in(403, owner=200, vice=200, commune=200, province=200, province_other=404))
      for name, extra in (("reports:dashboard", []), ("reports:chart", ["ket-qua"]), ("reports:workbook", []))),
]


@pytest.fixture
def matrix_world(people, settings):
    from hocbaso.directory.models import Enrolment, Pupil

    settings.VERIFY_LIMITS = {key: 100000 for key in settings.VERIFY_LIMITS}
    pupil = Pupil.objects.create(school=people.school, full_name="Đỗ Văn Bình", gender="male",
                                 birth_date="2014-05-05", birthplace="Đắk Nông")
    people.enrolment4b = Enrolment.objects.create(pupil=pupil, school_class=people.class4b, registry_number="2",
                                                  joined_on="2024-09-05")
    from hocbaso.jobs.models import Job
    from hocbaso.records.models import CorrectionRequest

    people.job = Job.objects.create(kind="portal.class_sign", args={"class_id": people.class4a.pk}, state="done",
                                    created_by=people.member.user, school_code=people.school.code)
    people.queued_job = Job.objects.create(kind="portal.lock_class", args={"class_id": people.class4b.pk},
                                           created_by=people.owner.user, school_code=people.school.code)
    # A second 4B pupil with an English year-end evaluation: the field a subject teacher may ask to correct.
    other = Pupil.objects.create(school=people.school, full_name="Lý Thị Mai", gender="female",
                                 birth_date="2014-06-06", birthplace="Đắk Nông")
    people.enrolment4b2 = Enrolment.objects.create(pupil=other, school_class=people.class4b, registry_number="3",
                                                   joined_on="2024-09-05")
    SubjectEvaluation.objects.create(enrolment=people.enrolment4b2, period="cuoi_nam", subject="ngoai_ngu_1",
                                     rating="T", comment="")
    people.correction = CorrectionRequest.objects.create(
        enrolment=people.enrolment, field="homeroom_comment", old_value="", new_value="Em ngoan.",
        reason="Bổ sung", requested_by=people.member.user)
    # exchange: a copy request, a copy and a finished archive with their files
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from hocbaso.exchange.models import CertifiedCopy, CopyRequest

    people.copy_request = CopyRequest.objects.create(pupil=people.pupil, school=people.school, requester="Phụ huynh",
                                                     requested_by=people.clerk.user)
    people.copy = CertifiedCopy.objects.create(
        pupil=people.pupil, school=people.school, number=1, sha256="0" * 64, issued_at=timezone.now(),
        issued_by=people.owner.user, file=default_storage.save("copies/test.pdf", ContentFile(b"%PDF-1.7")))
    people.archive_job = Job.objects.create(
        kind="exchange.archive", args={"school_year": people.year.pk}, state="done", created_by=people.owner.user,
        school_code=people.school.code,
        result={"file": default_storage.save("archives-out/test.zip", ContentFile(b"PK")), "sha256": "0" * 64})
    return people


def _snapshot():
    from hocbaso.assessment.models import DataLock
    from hocbaso.exchange.models import CopyRequest, Transfer
    from hocbaso.jobs.models import Job
    from hocbaso.records.models import CorrectionRequest, ImportedRecord, RecordDraft
    from hocbaso.signing.models import SigningIdentity, SubjectSignoff

    return (list(SubjectEvaluation.objects.values_list("pk", "rating", "score", "revision")),
            list(YearResult.objects.values_list("pk", "outcome", "homeroom_comment", "revision")),
            list(DataLock.objects.values_list("pk")), list(Job.objects.values_list("pk", "state")),
            list(CorrectionRequest.objects.values_list("pk", "status")),
            list(SigningIdentity.objects.values_list("pk")),
            list(SubjectSignoff.objects.values_list("pk")), list(RecordDraft.objects.values_list("pk", "state")),
            list(CopyRequest.objects.values_list("pk")), list(Transfer.objects.values_list("pk")),
            list(ImportedRecord.objects.values_list("pk")))


def _request(client, case: Case, world):
    if case.name.startswith("<unnamed "):
        return client.get("/" + case.name[len("<unnamed "):-1])
    url = reverse(case.name, args=case.args(world)) + (case.query(world) if callable(case.query) else case.query)
    if case.method == "get":
        return client.get(url)
    if case.body is not None:
        return client.post(url, data=json.dumps(case.body(world)), content_type="application/json")
    return client.post(url, case.form(world) if callable(case.form) else case.form)


def _case_id(case: Case) -> str:
    return f"{case.name}{'+' + case.method if case.method != 'get' else ''}-{CASES.index(case)}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_who_may_and_who_may_not(case, matrix_world, client_factory):
    seen = {}
    initial = set(SubjectEvaluation.objects.values_list("pk", flat=True))
    for persona in PERSONAS:
        client = login_as(client_factory(), matrix_world, persona)
        before = _snapshot() if case.writes else None
        response = _request(client, case, matrix_world)
        seen[persona] = response.status_code
        # Vietnamese chosen (the default): no English interface word, no raw certificate subject, and every
        # refusal says why (issue 18)
        if case.name != "portal:set_language":
            assert english_on_page(response) == [], (persona, english_on_page(response))
        assert not refusal_without_reason(response), (persona, "a 403 without its reason")
        if case.writes and (case.expect or {}).get(persona) not in (200, 302):
            assert _snapshot() == before, f"{persona} was refused but the data changed"
        if case.writes and response.status_code in (200, 302):
            # the next persona starts from the same state
            SubjectEvaluation.objects.exclude(pk__in=initial).delete()
    if case.expect is None:
        assert len(set(seen.values())) == 1 and 500 not in seen.values(), seen
    else:
        assert seen == case.expect


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


def _names(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{prefix}{pattern.name}" if pattern.name else f"<unnamed {pattern.pattern}>"


def test_every_url_has_an_authorization_case():
    names = set(_names(get_resolver("hocbaso.urls").url_patterns))
    covered = {case.name for case in CASES}
    assert names - covered == set(), "URL patterns without an authorization case in test_authorization.CASES"
    assert covered - names == set(), "cases for URL names that no longer exist"
