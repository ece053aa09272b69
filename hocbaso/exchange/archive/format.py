"""The year-end archive's format (docs/exchange.md, "Year-end archive"): its member names, the fields it keeps
of each row, how values are written and read back, and the refusal of an archive that cannot be restored."""

from __future__ import annotations

import datetime as dt
import json

FORMAT = "hocbaso.archive/1"
MANIFEST = "manifest.json"
SEAL = "manifest.seal.json"  # the installation's seal on manifest.json's bytes (signing.seals)
DIRECTORY = "directory.json"
REGISTRY = "registry.json"
AUDIT = "audit.json"
WORK = "work.json"  # evaluations, year results, locks, drafts, sign-offs, class packages, archive time stamp
# renewals (files under files/)
CA_ROOT = "pki/ca-root.pem"
VIETNAM = dt.timezone(dt.timedelta(hours=7))

PUPIL_FIELDS = ("identity_number", "sector_code", "full_name", "gender", "birth_date", "ethnicity", "nationality",
                "birthplace", "hometown", "address", "father_name", "mother_name", "guardian_name", "disability")
STAFF_FIELDS = ("full_name", "gender", "birth_date", "title", "phone", "email")
ENROLMENT_FIELDS = ("registry_number", "joined_on", "transferred_in", "status", "left_on", "individual_plan",
                    "optional_subjects")


class ArchiveRefused(Exception):
    """An archive that cannot be restored here; ``problems`` lists every reason, in Vietnamese."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def to_json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def to_iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    return value.isoformat()


def date_read(text):
    return dt.date.fromisoformat(text) if text else None


def datetime_read(text):
    return dt.datetime.fromisoformat(text) if text else None


def username_of(user) -> str | None:
    return user.get_username() if user is not None else None



WORK_COUNTS = ("subject_evaluations", "trait_evaluations", "year_results", "supplementary", "awards", "exemptions",
               "locks", "drafts", "signoffs", "class_packages", "renewals")
EVALUATION_FIELDS = ("period", "comment", "revision", "rating")
YEAR_RESULT_FIELDS = ("homeroom_comment", "height_cm", "weight_kg", "days_absent_excused", "days_absent_unexcused",
                      "nominated_tieu_bieu", "plan_outcome", "outcome", "award", "completed_grade",
                      "completed_primary", "disability_setting", "errors", "assessed_at", "revision")
# The pupil-year's cases of record format 2 (TT27 Điều 8, 11, 13); an archive written before them has none.
SUPPLEMENTARY_FIELDS = ("evaluated_on", "entries", "confirmed_at", "decision", "decided_on", "revision")
AWARD_FIELDS = ("kind", "title", "level", "awarded_on", "reason", "created_at")
EXEMPTION_FIELDS = ("subject", "basis", "created_at")
DRAFT_FIELDS = ("version", "record_id", "lookup_code", "effective_date", "record", "boxes", "state", "pdf", "sha256",
                "signers", "created_at", "teacher_signed_at", "principal_signed_at")

