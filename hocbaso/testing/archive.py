"""The work behind a year's registry (evaluations, results, locks, drafts, sign-offs, class packages), for the
archive tests to compare the installation archived with the one restored (also run in a child ``hocbaso shell``)."""

import hashlib

from django.core.files.storage import default_storage

from hocbaso.assessment.models import (Award, DataLock, Exemption, SubjectEvaluation, SupplementaryEvaluation,
                                      TraitEvaluation, YearResult)
from hocbaso.records.models import ClassPackage, RecordDraft
from hocbaso.signing.models import SubjectSignoff


def work_projection(school_code: str, year: str) -> dict:
    """The year's work behind the registry by natural keys, to compare two installations (run in both)."""
    where = {"enrolment__school_class__school_year__school__code": school_code,
             "enrolment__school_class__school_year__name": year}
    klass = {"school_class__school_year__school__code": school_code, "school_class__school_year__name": year}

    def who(e):
        return e.enrolment.pupil.identity_number or e.enrolment.pupil.full_name

    def digest(name):
        with default_storage.open(name, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    return {
        "subjects": sorted([who(e), e.period, e.subject, e.rating, e.score, e.comment, e.revision,
                            e.updated_by.username if e.updated_by else None]
                           for e in SubjectEvaluation.objects.filter(**where).select_related("enrolment__pupil",
                                                                                            "updated_by")),
        "traits": sorted([who(e), e.period, e.kind, e.code, e.rating, e.comment, e.revision]
                         for e in TraitEvaluation.objects.filter(**where).select_related("enrolment__pupil")),
        "results": sorted([who(r), r.outcome, r.award, r.homeroom_comment, r.completed_grade, r.revision,
                           r.assessed_at.isoformat() if r.assessed_at else None]
                          for r in YearResult.objects.filter(**where).select_related("enrolment__pupil")),
        "supplementary": sorted([who(r), r.evaluated_on.isoformat(), r.entries, r.decision, r.revision,
                                 r.confirmed_by.username if r.confirmed_by else None]
                                for r in SupplementaryEvaluation.objects.filter(**where).select_related(
                                    "enrolment__pupil", "confirmed_by")),
        "awards": sorted([who(r), r.kind, r.title, r.level, r.awarded_on.isoformat(), r.reason, r.created_at.isoformat()]
                         for r in Award.objects.filter(**where).select_related("enrolment__pupil")),
        "exemptions": sorted([who(r), r.subject, r.basis] for r in Exemption.objects.filter(**where).select_related(
            "enrolment__pupil")),
        "locks": sorted([lock.school_class.name if lock.school_class_id else "", lock.locked_at.isoformat()]
                        for lock in DataLock.objects.filter(school_year__school__code=school_code,
                                                            school_year__name=year)),
        "drafts": sorted([d.record_id, d.version, d.state, d.sha256, d.issued.record_id if d.issued_id else None,
                          d.created_at.isoformat(), digest(d.pdf) == d.sha256]
                         for d in RecordDraft.objects.filter(**where).select_related("issued")),
        "signoffs": sorted([s.school_class.name, s.subject, s.teacher.full_name, s.payload_sha256, s.current,
                            s.signed_at.isoformat(), digest(s.pdf) == s.pdf_sha256, s.identity.certificate_pem]
                           for s in SubjectSignoff.objects.filter(**klass).select_related("identity", "teacher",
                                                                                          "school_class")),
        "packages": sorted([p.school_class.name, p.sha256, p.records, p.created_at.isoformat(),
                            digest(p.file) == p.sha256]
                           for p in ClassPackage.objects.filter(**klass).select_related("school_class")),
    }
