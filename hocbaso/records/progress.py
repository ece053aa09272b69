"""Where the record's lifecycle stands: each class's stage and counts, the school's totals, the jobs' kinds.

Each pupil-year stands at one stage; a class stands at the stage of its least advanced pupil:

    entering → complete → locked → teacher_signed → principal_signed → issued

``entering``/``complete``: before the lock, whether every year-end rating is entered (subjects, qualities and
competences of the pupils still studying). ``locked``: the class is locked (a record rendered but not yet signed
counts here). Then the record draft's state, and ``issued`` once the pupil's current record is in the registry
with no newer version on its way (an approved correction after issuance puts the pupil back to ``locked``).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation
from hocbaso.assessment.selectors import locks_for_classes
from hocbaso.directory.models import EnrolmentStatus, SchoolClass, SchoolYear
from hocbaso.jobs.models import Job
from hocbaso.jobs.selectors import ACTIVE
from hocbaso.records.models import (OPEN_STATES, CorrectionRequest, CorrectionStatus, DraftState, IssuedRecord,
                                    RecordDraft)
from hocbaso.records.selectors import subjects_needing_signoff
from hocbaso.signing.models import SubjectSignoff
from hocbaso.tt27 import catalogue

STAGES = {
    "entering": _("Đang nhập"),
    "complete": _("Đã nhập đủ"),
    "locked": _("Đã chốt"),
    "teacher_signed": _("GVCN đã ký"),
    "principal_signed": _("Hiệu trưởng đã ký"),
    "issued": _("Đã phát hành"),
}
ORDER = list(STAGES)
DRAFT_STAGE = {DraftState.RENDERED: "locked", DraftState.TEACHER_SIGNED: "teacher_signed",
               DraftState.PRINCIPAL_SIGNED: "principal_signed"}
TRAITS_PER_PUPIL = len(catalogue.QUALITIES) + len(catalogue.COMPETENCES)

# Job kinds (handlers in hocbaso.records.tasks) and the target each acts on. The "portal." prefix stays: job
# rows already in the database carry these kinds.
KIND_LOCK_CLASS, KIND_LOCK_YEAR = "portal.lock_class", "portal.lock_year"
KIND_LOCK_DUE = "records.lock_due"  # the automatic lock at each year's lock date (celery beat, no user)
KIND_ARCHIVE_RENEW = "records.archive_renew"  # archive time stamps renewed before their TSA expires (beat, no user)
KIND_ORPHANS_SWEEP = "records.orphans_sweep"  # files killed batches left behind (celery beat, no user)
KIND_CLASS_SIGN, KIND_SCHOOL_SIGN, KIND_ISSUE = "portal.class_sign", "portal.school_sign", "portal.issue"


@dataclass
class ClassState:
    school_class: SchoolClass
    pupils: int = 0  # every enrolment (the lifecycle signs each pupil-year of the class)
    studying: int = 0
    entered: int = 0  # year-end ratings entered (subjects + qualities + competences) of the pupils studying
    needed: int = 0
    locked: bool = False
    signoffs: list = field(default_factory=list)  # [{"subject", "name", "teacher", "done"}]
    drafts: dict = field(default_factory=dict)  # DraftState -> count (open drafts)
    issued: int = 0
    stages: dict = field(default_factory=dict)  # stage -> pupils
    stage: str = "entering"
    active_job: Job | None = None

    @property
    def complete(self) -> bool:
        return self.needed > 0 and self.entered >= self.needed

    @property
    def stage_name(self):
        return STAGES[self.stage]

    @property
    def stage_index(self) -> int:
        return ORDER.index(self.stage)

    @property
    def signoffs_done(self) -> int:
        return sum(1 for s in self.signoffs if s["done"])

    @property
    def stage_rows(self) -> list[tuple]:
        return [(code, STAGES[code], self.stages.get(code, 0)) for code in ORDER]


def class_states(school_year: SchoolYear, classes=None) -> list[ClassState]:
    """Each class's state (see the module's text), in a fixed number of queries plus two per class for the
    subject sign-offs."""
    classes = list(classes if classes is not None else
                   SchoolClass.objects.filter(school_year=school_year).select_related("homeroom_teacher")
                   .order_by("grade", "name"))
    ids = [c.pk for c in classes]
    locks = locks_for_classes(ids)
    states = {c.pk: ClassState(school_class=c, locked=c.pk in locks) for c in classes}
    enrolment_class = {}
    for klass in classes:
        state = states[klass.pk]
        for enrolment in klass.enrolments.all():
            enrolment_class[enrolment.pk] = klass.pk
            state.pupils += 1
            if enrolment.status == EnrolmentStatus.STUDYING:
                state.studying += 1
                state.needed += len(enrolment.subjects()) + TRAITS_PER_PUPIL
    studying = Q(enrolment__school_class_id__in=ids, enrolment__status=EnrolmentStatus.STUDYING,
                 period=catalogue.YEAR_END, rating__isnull=False)
    for model in (SubjectEvaluation, TraitEvaluation):
        for row in model.objects.filter(studying).values("enrolment__school_class_id").annotate(n=Count("id")):
            states[row["enrolment__school_class_id"]].entered += row["n"]
    open_drafts = dict(RecordDraft.objects.filter(enrolment__school_class_id__in=ids, state__in=OPEN_STATES)
                       .values_list("enrolment_id", "state"))
    issued = set(IssuedRecord.objects.filter(enrolment__school_class_id__in=ids, superseded_by__isnull=True,
                                             withdrawal__isnull=True).values_list("enrolment_id", flat=True))
    for enrolment_id, class_id in enrolment_class.items():
        state = states[class_id]
        if enrolment_id in issued:
            state.issued += 1
        draft_state = open_drafts.get(enrolment_id)
        if draft_state:
            state.drafts[draft_state] = state.drafts.get(draft_state, 0) + 1
            stage = DRAFT_STAGE[draft_state]
        elif enrolment_id in issued:
            stage = "issued"
        elif state.locked:
            stage = "locked"
        else:
            stage = "complete" if state.complete else "entering"
        state.stages[stage] = state.stages.get(stage, 0) + 1
    signed = set(SubjectSignoff.objects.filter(school_class_id__in=ids, current=True)
                 .values_list("school_class_id", "subject"))
    jobs = {}
    for job in Job.objects.filter(state__in=ACTIVE, kind__in=[KIND_LOCK_CLASS, KIND_CLASS_SIGN]).order_by("created_at"):
        jobs[(job.args or {}).get("class_id")] = job
    for klass in classes:
        state = states[klass.pk]
        state.signoffs = [{"subject": code, "name": catalogue.SUBJECTS.get(code, code), "teacher": teacher,
                           "done": (klass.pk, code) in signed}
                          for code, teacher in subjects_needing_signoff(klass).items()]
        if state.stages:
            state.stage = min(state.stages, key=ORDER.index)
        else:
            state.stage = "locked" if state.locked else "entering"
        state.active_job = jobs.get(klass.pk)
    return [states[c.pk] for c in classes]

def school_totals(states: list[ClassState]) -> dict:
    stages = {code: sum(s.stages.get(code, 0) for s in states) for code in ORDER}
    drafts = {code: sum(s.drafts.get(code, 0) for s in states) for code in DraftState.values}
    return {"classes": len(states), "pupils": sum(s.pupils for s in states),
            "complete": sum(1 for s in states if s.complete), "locked": sum(1 for s in states if s.locked),
            "issued": sum(s.issued for s in states), "stages": stages,
            "stage_rows": [(code, STAGES[code], stages[code]) for code in ORDER],
            "teacher_signed": drafts[DraftState.TEACHER_SIGNED],
            "principal_signed": drafts[DraftState.PRINCIPAL_SIGNED], "rendered": drafts[DraftState.RENDERED]}



def pending_corrections(school_year: SchoolYear):
    return (CorrectionRequest.objects.filter(enrolment__school_class__school_year=school_year,
                                             status=CorrectionStatus.PENDING)
            .select_related("enrolment__pupil", "enrolment__school_class", "requested_by__staff")
            .order_by("requested_at"))


def drafts_count(school_year: SchoolYear, state: str) -> int:
    return RecordDraft.objects.filter(enrolment__school_class__school_year=school_year, state=state).count()
