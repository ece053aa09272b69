"""Background jobs of the record's lifecycle: lock, sign a class, sign the school, issue.

Registered with ``hocbaso.jobs`` when the apps load (``JobsConfig.ready`` imports every app's ``tasks``), so the
web process, ``hocbaso worker`` and the worker thread of ``hocbaso serve`` all know them. Arguments are primary
keys; a signing job also carries its PIN sealed by ``hocbaso.signing.job_pins`` and removes it on start.
Each handler checks the rules again (``records.guards``: the user may have lost a role since queueing) and
reports progress on the job's row, so the progress page survives a reload. With a broker, the signing jobs whose
key is on a PKCS#11 token go to the token's worker queue (``_signer_queue``, ``_seal_queue``); beat queues the
automatic lock (``lock_due``) every hour, the orphan-file sweep (``orphans_sweep``) and the archive time stamps'
renewal (``archive_renew``) every day.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from hocbaso.assessment.selectors import locks_for_classes
from hocbaso.directory.models import SchoolClass, SchoolYear
from hocbaso.jobs.registry import job_handler
from hocbaso.jobs.selectors import job_creator
from hocbaso.records.drafts import enrolments_to_render
from hocbaso.records.guards import LifecycleRefused, class_sign_problems, require_principal
from hocbaso.records.issuance import records_issue
from hocbaso.records.locks import data_lock, data_lock_due
from hocbaso.records.models import DraftState, RecordDraft
from hocbaso.records.orphans import orphan_files_sweep
from hocbaso.records.renewal import archive_timestamps_renew
from hocbaso.records.progress import (KIND_ARCHIVE_RENEW, KIND_CLASS_SIGN, KIND_ISSUE, KIND_LOCK_CLASS, KIND_LOCK_DUE, KIND_LOCK_YEAR,
                                      KIND_ORPHANS_SWEEP, KIND_SCHOOL_SIGN, drafts_count)
from hocbaso.records.signatures import class_sign, school_sign
from hocbaso.signing.errors import SigningSetupError
from hocbaso.signing.job_pins import pin_take
from hocbaso.signing.models import IdentityKind
from hocbaso.signing.services import identity_for, remote_signer, signer_open


def _reporter(progress, message: str):
    """A ``progress(done, total)`` callback for the services that advances the job by the difference."""
    seen = [0]

    def report(done: int, total: int) -> None:
        if done > seen[0]:
            progress.step(done - seen[0], message.format(done=done, total=total))
            seen[0] = done
    return report


def _job_pin(job, *, target: str, staff) -> str | None:
    """The PIN sealed with a signing job, taken off its row at once; None when ``staff`` signs with a remote
    account (confirmed on the phone: no PIN). A job started again (its worker died) has no PIN any more and
    ``pin_take`` says how to continue."""
    pin = pin_take(job, target=target, required=False)
    if pin is None:
        try:
            remote = staff is not None and identity_for(staff=staff).kind == IdentityKind.REMOTE
        except SigningSetupError:
            remote = False
        if not remote:
            pin_take(job, target=target)  # raises PinUnavailable
    return pin


def _signer_for(progress, identity, *, pin: str | None, seal: bool = False):
    """The signer of ``identity`` for a signing job: a remote account (confirmed on the phone) needs no PIN and
    shows its wait on the job's page; any other opens with the job's PIN."""
    if identity.kind == IdentityKind.REMOTE:
        def waiting(count: int, app: str) -> None:
            progress.say(_("Đang chờ xác nhận trên ứng dụng %(app)s: %(n)s học bạ") % {"app": app, "n": count})

        return remote_signer(identity, seal=seal, waiting=waiting)
    return signer_open(identity, pin, seal=seal)


def _token_queue(**whose) -> str | None:
    """The PKCS#11 worker's queue when the signer's key (``identity_for(**whose)``) is on a token: only the machine
    the token is plugged into can sign with it. None (the default queue) otherwise, or when there is no signer
    (the handler says so on the job's page)."""
    try:
        return settings.PKCS11_QUEUE if identity_for(**whose).kind == IdentityKind.PKCS11 else None
    except SigningSetupError:
        return None


def _signer_queue(args: dict, by) -> str | None:
    """The queue of a job signing with the key of the user who queues it."""
    return _token_queue(staff=getattr(by, "staff", None)) if getattr(by, "staff", None) else None


def _seal_queue(args: dict, by) -> str | None:
    """The queue of a job signing with the school's seal (issuance)."""
    return _token_queue(school=SchoolYear.objects.select_related("school").get(pk=args["school_year"]).school)


def _lock(job, progress, classes: list[SchoolClass], school_year: SchoolYear, whole_year: bool) -> dict:
    """Lock (``data_lock`` computes the year results of each class not yet locked, so signing finds them)."""
    by = job_creator(job)
    require_principal(by, school_year.school)
    locked = locks_for_classes([c.pk for c in classes])
    progress.total(len([c for c in classes if c.pk not in locked]) + 1)

    def assessed(klass):
        progress.step(1, _("Đã tính kết quả cuối năm lớp %(name)s.") % {"name": klass.name})

    data_lock(school_year=school_year, school_class=None if whole_year else classes[0], by=by, assessed=assessed)
    progress.step(1, _("Đã chốt dữ liệu."))
    if whole_year:
        return {"summary": _("Đã chốt dữ liệu toàn trường (%(n)s lớp).") % {"n": len(classes)}}
    return {"summary": _("Đã chốt dữ liệu lớp %(name)s.") % {"name": classes[0].name}}


@job_handler(KIND_LOCK_CLASS)
def lock_class(job, progress):
    klass = SchoolClass.objects.select_related("school_year__school").get(pk=job.args["class_id"])
    return _lock(job, progress, [klass], klass.school_year, whole_year=False)


@job_handler(KIND_LOCK_YEAR)
def lock_year(job, progress):
    year = SchoolYear.objects.select_related("school").get(pk=job.args["school_year"])
    classes = list(year.classes.order_by("grade", "name"))
    return _lock(job, progress, classes, year, whole_year=True)


@job_handler(KIND_LOCK_DUE, every=3600)
def lock_due(job, progress):
    """Chốt dữ liệu tự động: every school year past its lock date (``hocbaso lock --due``), queued by beat."""
    locks = data_lock_due()
    return {"summary": _("Đã chốt tự động %(n)s năm học.") % {"n": len(locks)}, "done": len(locks)}


@job_handler(KIND_ORPHANS_SWEEP, every=86400)
def orphans_sweep(job, progress):
    """The files killed batches left in the storage (``records.orphans``), queued by beat."""
    removed = orphan_files_sweep()
    return {"summary": _("Đã xóa %(n)s tệp mồ côi.") % {"n": len(removed)}, "done": len(removed)}


@job_handler(KIND_ARCHIVE_RENEW, every=86400)
def archive_renew(job, progress):
    """Gia hạn dấu thời gian lưu trữ (``records.renewal``), queued by beat; ``hocbaso archive-renew`` for cron."""
    report = archive_timestamps_renew()
    if report.no_tsa:
        return {"summary": _("Chưa cấu hình máy chủ dấu thời gian (HOCBASO_TSA_URL): không gia hạn."), "done": 0}
    return {"summary": _("Đã gia hạn dấu thời gian lưu trữ của %(n)s học bạ; %(f)s lỗi.")
            % {"n": len(report.renewed), "f": len(report.failed)}, "done": len(report.renewed)}


@job_handler(KIND_CLASS_SIGN, queue=_signer_queue)
def sign_class(job, progress):
    """The homeroom teacher's one action: render the records not yet rendered, then sign them all."""
    klass = SchoolClass.objects.select_related("school_year__school").get(pk=job.args["class_id"])
    by = job_creator(job)
    pin = _job_pin(job, target=f"class:{klass.pk}", staff=getattr(by, "staff", None))
    problems = class_sign_problems(klass)
    if problems:
        raise LifecycleRefused(problems[0])
    signer = _signer_for(progress, identity_for(staff=by.staff), pin=pin)
    to_render = len(enrolments_to_render(klass.enrolments.all()))
    waiting = RecordDraft.objects.filter(enrolment__school_class=klass, state=DraftState.RENDERED).count()
    progress.total(to_render + waiting + to_render)
    report = class_sign(school_class=klass, by=by, signer=signer,
                        render_progress=_reporter(progress, _("Đã tạo bản PDF {done}/{total} học bạ.")),
                        progress=_reporter(progress, _("Đã ký {done}/{total} học bạ.")))
    return {"summary": _("Đã ký %(n)s học bạ của lớp %(name)s.") % {"n": report.done, "name": klass.name},
            "done": report.done}


def _principal_year_job(job, *, own_key: bool = False) -> tuple[SchoolYear, str | None, object]:
    """A school-wide signing job's year, its sealed PIN and the principal who queued it (refused when they no
    longer are the school's principal). ``own_key``: the principal's own identity signs (which may be a remote
    account, then no PIN); else the school's seal does."""
    year = SchoolYear.objects.select_related("school").get(pk=job.args["school_year"])
    by = job_creator(job)
    pin = _job_pin(job, target=f"year:{year.pk}", staff=getattr(by, "staff", None) if own_key else None)
    require_principal(by, year.school)
    return year, pin, by


@job_handler(KIND_SCHOOL_SIGN, queue=_signer_queue)
def sign_school(job, progress):
    """The principal's one action: sign (with the principal's seal appearance) every teacher-signed record."""
    year, pin, by = _principal_year_job(job, own_key=True)
    signer = _signer_for(progress, identity_for(staff=by.staff), pin=pin, seal=True)
    progress.total(drafts_count(year, DraftState.TEACHER_SIGNED))
    report = school_sign(school_year=year, by=by, signer=signer,
                         progress=_reporter(progress, _("Đã ký {done}/{total} học bạ.")))
    return {"summary": _("Hiệu trưởng đã ký %(n)s học bạ.") % {"n": report.done}, "done": report.done}


@job_handler(KIND_ISSUE, queue=_seal_queue)
def issue(job, progress):
    """Phát hành: the registry, then each class's package sealed with the school's seal."""
    year, pin, by = _principal_year_job(job)
    seal = signer_open(identity_for(school=year.school), pin)
    progress.total(drafts_count(year, DraftState.PRINCIPAL_SIGNED) + 1)  # the last step: the classes' packages
    report_records = _reporter(progress, _("Đã phát hành {done}/{total} học bạ."))

    def report(done, total):
        report_records(done, total)
        if done >= total:
            progress.step(0, _("Đang lập gói học bạ của các lớp và đóng dấu…"))

    result = records_issue(school_year=year, by=by, seal_signer=seal, progress=report)
    return {"summary": _("Đã phát hành %(n)s học bạ.") % {"n": result.done}, "done": result.done}
