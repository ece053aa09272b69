"""Class 4A signed through a remote service's simulator (VNPT SmartCA and Viettel MySign, the same tests): the
teacher links the account once, the class-signing job waits for one confirmation on the phone with the wait
shown on the job's page, the principal signs the school the same way; pdfsig finds every signature valid and
``hocbaso verify`` names the certificate's holder. A refusal, an expiry and a service error each leave the class
unsigned with a Vietnamese message, and a rerun completes it with nothing signed twice. No secret reaches a log
line or a page."""

import json
import logging
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from hocbaso.jobs.models import Job, JobState
from hocbaso.jobs.services import Progress, job_run
from hocbaso.records.issuance import records_issue
from hocbaso.records.locks import data_lock
from hocbaso.records.models import DraftState, IssuedRecord, RecordDraft
from hocbaso.records.progress import KIND_CLASS_SIGN, KIND_SCHOOL_SIGN
from hocbaso.records.signatures import subject_signoff
from hocbaso.signing.errors import SigningSetupError
from hocbaso.signing.models import IdentityKind
from hocbaso.signing.remote_accounts import remote_account_link, remote_credentials, remote_services
from hocbaso.signing.services import identity_for, signer_open
from hocbaso.signing.validate import validate_pdf
from hocbaso.signing.xades import DS, XADES
from hocbaso.signing.xml_pdf import pdf_xml_read
from hocbaso.signing.tests.remote_sim import RemoteSim
from hocbaso.testing.lifecycle import open_signer
from hocbaso.testing.people import ENGLISH_PIN, PRINCIPAL, PRINCIPAL_PIN, SEAL_PIN, TEACHER, TEACHER_PIN
from hocbaso.testing.poppler import pdfsig
from hocbaso.tt27.record_xml import NS

TEACHER_ID, PRINCIPAL_ID = "079190001234", "079180004321"


@pytest.fixture(scope="module", params=["smartca", "mysign"])
def sim(request, tmp_path_factory):
    with RemoteSim(request.param, confirm_delay=0.2) as server:
        server.add_user(TEACHER_ID, TEACHER)
        server.add_user(PRINCIPAL_ID, PRINCIPAL)
        server.root_path = server.write_root(tmp_path_factory.mktemp("roots"))
        yield server


@pytest.fixture
def remote(sim, school, settings):
    """The deployment configured for the simulator; the teacher's SmartCA/MySign account linked (replacing the
    built-in certificate with its PIN); 4A locked and the English sign-off done: ready for the class job."""
    sim.outcome, sim.confirm_delay, sim.max_hashes = "confirm", 0.2, 50
    config = sim.config()
    settings.REMOTE_SIGNING = {sim.protocol: {"url": config.url, "client_id": config.client_id,
                                              "secret": config.secret, "profile_id": config.profile_id,
                                              "max_hashes": None}}
    settings.HOCBASO_TRUST_ROOTS = [sim.root_path]
    settings.REMOTE_SIGN_POLL_MS = 50
    settings.REMOTE_SIGN_TIMEOUT = 10
    w = school
    credential = remote_credentials(service=sim.protocol, user_id=TEACHER_ID)[0]
    w.teacher_identity = remote_account_link(staff=w.member, service=sim.protocol, user_id=TEACHER_ID,
                                             credential_id=credential.id, by=w.member.user, old_pin=TEACHER_PIN)
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=open_signer(w.english, ENGLISH_PIN))
    w.sim = sim
    return w


def run(kind: str, args: dict, by) -> Job:
    job = Job.objects.create(kind=kind, args=args, created_by=by, school_code="67000199")
    return job_run(job)


def sign_class(w) -> Job:
    return run(KIND_CLASS_SIGN, {"class_id": w.class4a.pk}, w.member.user)


def class_states(w) -> list[str]:
    return sorted(RecordDraft.objects.filter(enrolment__school_class=w.class4a).values_list("state", flat=True))


def test_the_service_is_offered_and_the_account_linked(remote):
    w = remote
    assert remote_services() == {w.sim.protocol: "VNPT SmartCA" if w.sim.protocol == "smartca" else "Viettel MySign"}
    identity = w.teacher_identity
    assert identity.kind == IdentityKind.REMOTE and identity.active and TEACHER in identity.subject
    assert identity.config == {"service": w.sim.protocol, "user_id": TEACHER_ID,
                               "credential_id": identity.config["credential_id"]}
    assert w.sim.secret not in json.dumps(identity.config)


def test_class_signed_with_one_confirmation_per_form_then_the_principal(remote, deployment_tsa, tmp_path, monkeypatch):
    w, sim = remote, remote.sim
    messages = []
    say = Progress.say
    monkeypatch.setattr(Progress, "say", lambda self, text: (messages.append(text), say(self, text))[1])
    before = len(sim.transactions)
    job = sign_class(w)
    assert job.state == JobState.DONE, job.message
    # the three records: ONE confirmation for their XML's XAdES signatures and their PDFs' (the PDF is signed over
    # the XML as it was; the XML with its new signature replaces it in an update the verifiers allow)
    assert [len(t.digests) for t in sim.transactions[before:]] == [6]
    app = "SmartCA" if sim.protocol == "smartca" else "MySign"
    assert f"Đang chờ xác nhận trên ứng dụng {app}: 3 học bạ" in messages
    assert class_states(w) == [DraftState.TEACHER_SIGNED] * 3
    # the PDF signed over the unsigned XML, then the XML with the teacher's XAdES signature in a later update: the
    # signature stays intact and the change is one it allows
    draft = RecordDraft.objects.filter(enrolment__school_class=w.class4a).order_by("pk").first()
    with default_storage.open(draft.pdf, "rb") as handle:
        report = validate_pdf(handle.read())
    assert not report["altered"] and [(s["intact"], s["changes_allowed"]) for s in report["signatures"]] == [
        (True, True)]

    credential = remote_credentials(service=sim.protocol, user_id=PRINCIPAL_ID)[0]
    remote_account_link(staff=w.owner, service=sim.protocol, user_id=PRINCIPAL_ID, credential_id=credential.id,
                        by=w.owner.user, old_pin=PRINCIPAL_PIN)
    job = run(KIND_SCHOOL_SIGN, {"school_year": w.year.pk}, w.owner.user)
    assert job.state == JobState.DONE, job.message
    assert [len(t.digests) for t in sim.transactions[before:]] == [6, 6]
    draft = RecordDraft.objects.filter(enrolment__school_class=w.class4a).order_by("pk").first()
    assert draft.state == DraftState.PRINCIPAL_SIGNED
    # the school's seal stays on its own key (built-in CA here); with a TSA the record is B-LTA
    records_issue(school_year=w.year, by=w.owner.user, seal_signer=signer_open(identity_for(school=w.school), SEAL_PIN))
    issued = IssuedRecord.objects.order_by("pk").first()
    with default_storage.open(issued.pdf, "rb") as handle:
        data = handle.read()
    report = pdfsig(data, tmp_path)
    people = report[:3]  # then the document time stamp (B-LTA), which Poppler lists but cannot check
    assert [r["Signature Validation"] for r in people] == ["Signature is Valid."] * 3 and len(report) == 4
    assert [r["Signer Certificate Common Name"] for r in people] == [TEACHER, PRINCIPAL, w.school.name]
    assert "Total document signed" in report[-1]

    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(data)
    out = StringIO()
    call_command("verify", str(path), stdout=out)
    verdict = json.loads(out.getvalue())
    assert [s["signer_name"] for s in verdict["signatures"]] == [TEACHER, PRINCIPAL, w.school.name]
    assert [s["role"] for s in verdict["xml_signatures"]] == ["Giáo viên chủ nhiệm", "Hiệu trưởng", "Đóng dấu trường"]
    assert all(s["valid"] and s["trusted"] and s["changes_allowed"] for s in verdict["signatures"])
    assert all(s["intact"] and s["trusted"] for s in verdict["xml_signatures"])
    assert verdict["verdict"] != "altered"
    if shutil.which("xmlsec1"):  # the teacher's and the principal's XAdES signatures, by another implementation
        xml = tmp_path / "hoc-ba.xml"
        xml.write_bytes(pdf_xml_read(data))
        for signature_id in ("sig-gvcn", "sig-ht"):
            result = subprocess.run(["xmlsec1", "--verify", "--trusted-pem", sim.root_path,
                                     "--id-attr:Id", f"{NS}:record", "--id-attr:Id", f"{XADES}:SignedProperties",
                                     "--id-attr:Id", f"{DS}:Signature", "--node-id", signature_id, str(xml)],
                                    capture_output=True, text=True, timeout=60)
            assert result.returncode == 0 and "OK" in result.stderr, result.stderr


FAILURES = [("refuse", "bị từ chối trên ứng dụng"), ("expire", "Hết thời gian chờ xác nhận"),
            ("never", "Hết thời gian chờ xác nhận"), ("error", "không ký được")]


def test_refusal_timeout_and_error_leave_the_class_unsigned_and_a_rerun_completes_it(remote, settings):
    w, sim = remote, remote.sim
    settings.REMOTE_SIGN_TIMEOUT = 1  # the "never" case: the phone does not answer within our limit
    for outcome, words in FAILURES:
        sim.outcome = outcome
        job = sign_class(w)
        assert job.state == JobState.FAILED and words in job.message, (outcome, job.message)
        assert class_states(w) == [DraftState.RENDERED] * 3, outcome  # nothing half-signed
    sim.outcome = "confirm"
    job = sign_class(w)
    assert job.state == JobState.DONE, job.message
    drafts = RecordDraft.objects.filter(enrolment__school_class=w.class4a)
    assert [len(d.signers) for d in drafts] == [1, 1, 1]  # nothing signed twice
    again = sign_class(w)  # a third run finds nothing left to sign
    assert again.state == JobState.FAILED and "Không còn học bạ nào" in again.message
    assert [len(d.signers) for d in RecordDraft.objects.filter(enrolment__school_class=w.class4a)] == [1, 1, 1]


def test_a_refusal_after_a_committed_transaction_keeps_what_was_signed(remote, settings):
    """Batches of two records (four digests: each record's XML and PDF): the first transaction confirmed and
    committed, the second refused; the rerun signs only the record left."""
    w, sim = remote, remote.sim
    settings.REMOTE_SIGNING[sim.protocol]["max_hashes"] = 4
    calls = {"n": 0}
    real_find = sim._transaction

    def refuse_the_second(*args):
        calls["n"] += 1
        sim.outcome = "confirm" if calls["n"] <= 1 else "refuse"  # the first chunk's XML and PDFs, then refused
        return real_find(*args)

    sim._transaction = refuse_the_second
    try:
        job = sign_class(w)
    finally:
        sim._transaction = real_find
    assert job.state == JobState.FAILED and "bị từ chối" in job.message
    assert class_states(w) == [DraftState.RENDERED, DraftState.TEACHER_SIGNED, DraftState.TEACHER_SIGNED]
    sim.outcome = "confirm"
    before = len(sim.transactions)
    assert sign_class(w).state == JobState.DONE
    assert [len(t.digests) for t in sim.transactions[before:]] == [2]
    assert [len(d.signers) for d in RecordDraft.objects.filter(enrolment__school_class=w.class4a)] == [1, 1, 1]


def test_a_class_larger_than_a_transaction_goes_in_batches_of_the_maximum(remote, settings):
    w, sim = remote, remote.sim
    settings.REMOTE_SIGNING[sim.protocol]["max_hashes"] = 2
    before = len(sim.transactions)
    job = sign_class(w)
    assert job.state == JobState.DONE, job.message
    # two digests a record (its XML's and its PDF's): one record a transaction
    assert [len(t.digests) for t in sim.transactions[before:]] == [2, 2, 2]
    assert class_states(w) == [DraftState.TEACHER_SIGNED] * 3


def test_an_account_in_another_name_or_untrusted_is_refused(remote, settings):
    w, sim = remote, remote.sim
    credential = remote_credentials(service=sim.protocol, user_id=PRINCIPAL_ID)[0]
    with pytest.raises(SigningSetupError, match="mang tên"):
        remote_account_link(staff=w.english, service=sim.protocol, user_id=PRINCIPAL_ID,
                            credential_id=credential.id, by=w.english.user, old_pin=ENGLISH_PIN)
    settings.HOCBASO_TRUST_ROOTS = []
    settings.TRUST_BUILTIN_CA = False
    with pytest.raises(SigningSetupError, match="gốc tin cậy"):
        remote_account_link(staff=w.owner, service=sim.protocol, user_id=PRINCIPAL_ID,
                            credential_id=credential.id, by=w.owner.user, old_pin=PRINCIPAL_PIN)


def test_secrets_never_in_logs_or_pages(remote, caplog, client):
    w, sim = remote, remote.sim
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "requests", "hocbaso", "django", "urllib"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    sim.outcome = "refuse"
    failed = sign_class(w)
    sim.outcome = "confirm"
    done = sign_class(w)
    assert done.state == JobState.DONE and failed.state == JobState.FAILED
    assert any("transaction" in r.getMessage() for r in caplog.records)  # the remote signer did log
    client.force_login(w.member.user)
    pages = [client.get(reverse("portal:job", args=[job.pk])).content.decode() for job in (failed, done)]
    pages += [client.get(reverse("portal:api_job", args=[job.pk])).content.decode() for job in (failed, done)]
    secrets = [sim.secret, *sim.tokens]
    assert secrets[0]
    rows = [json.dumps([j.message, j.error, j.result, j.args]) for j in Job.objects.all()]
    for secret in secrets:
        assert secret not in caplog.text
        assert all(secret not in page for page in pages)
        assert all(secret not in row for row in rows)


def test_the_account_page_links_and_the_class_page_asks_no_pin(sim, school, settings, client):
    w = school
    config = sim.config()
    settings.REMOTE_SIGNING = {sim.protocol: {"url": config.url, "client_id": config.client_id,
                                              "secret": config.secret, "profile_id": config.profile_id,
                                              "max_hashes": None}}
    settings.HOCBASO_TRUST_ROOTS = [sim.root_path]
    client.force_login(w.member.user)
    url = reverse("portal:remote_account")
    listed = client.post(url, {"service": sim.protocol, "user_id": TEACHER_ID})
    assert listed.status_code == 200 and TEACHER in listed.content.decode()
    credential = remote_credentials(service=sim.protocol, user_id=TEACHER_ID)[0]
    linked = client.post(url, {"service": sim.protocol, "user_id": TEACHER_ID, "choice": credential.id,
                               "old_pin": TEACHER_PIN})
    assert linked.status_code == 302
    page = client.get(url).content.decode()
    assert 'id="remote-linked"' in page and sim.secret not in page
    sign_page = client.get(reverse("portal:class_sign", args=[w.class4a.pk])).content.decode()
    assert "Không cần mã PIN" in sign_page


def test_cancelling_the_job_while_it_waits_leaves_the_class_unsigned(remote, monkeypatch):
    w, sim = remote, remote.sim
    sim.outcome = "never"
    say = Progress.say

    def cancel_on_the_second_poll(self, text):
        self.polls = getattr(self, "polls", 0) + 1
        if self.polls == 2:
            Job.objects.filter(pk=self.job.pk).update(cancel_requested=True)
        return say(self, text)

    monkeypatch.setattr(Progress, "say", cancel_on_the_second_poll)
    job = sign_class(w)
    assert job.state == JobState.CANCELLED
    assert class_states(w) == [DraftState.RENDERED] * 3
