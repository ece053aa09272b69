"""Evaluations per pupil × year × period (TT27 Điều 6–7) and the year's result (Điều 9).

The database itself refuses what TT27 forbids outright: a score outside 0–10, a rating
outside its scale, a subject the grade does not have, a score where the grade and period
have no periodic test (Điều 7.1.b). A score with decimals is refused by ``ScoreField``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from hocbaso.directory.models import Enrolment
from hocbaso.tt27 import catalogue

PERIOD_CHOICES = list(catalogue.PERIODS.items())
SUBJECT_RATING_CHOICES = list(catalogue.SUBJECT_RATINGS.items())
TRAIT_RATING_CHOICES = list(catalogue.TRAIT_RATINGS.items())
OUTCOME_CHOICES = list(catalogue.OUTCOMES.items())
AWARD_CHOICES = list(catalogue.AWARDS.items())
AWARD_KIND_CHOICES = list(catalogue.AWARD_KINDS.items())
DECISION_CHOICES = list(catalogue.DECISIONS.items())
DISABILITY_SETTING_CHOICES = list(catalogue.DISABILITY_SETTINGS.items())


class ScoreField(models.PositiveSmallIntegerField):
    """A periodic test score: a whole number (TT27 Điều 7.1.d). 7.5 is refused, never truncated."""

    default_error_messages = {"not_whole": "Điểm kiểm tra định kì phải là số nguyên từ 0 đến 10, không có phần thập phân."}

    def to_python(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ValidationError(self.error_messages["not_whole"], code="not_whole")
        if isinstance(value, (float, Decimal)):
            if value != int(value):
                raise ValidationError(self.error_messages["not_whole"], code="not_whole")
            return int(value)
        if isinstance(value, str):
            text = value.strip().replace(",", ".")
            try:
                number = Decimal(text)
            except ArithmeticError:
                raise ValidationError(self.error_messages["not_whole"], code="not_whole") from None
            return self.to_python(number)
        return super().to_python(value)

    def get_prep_value(self, value):
        return self.to_python(value)


def _subject_grade_condition() -> Q:
    """(grade, subject) pairs the programme allows (Chương trình GDPT 2018)."""
    condition = Q(pk__isnull=True)  # false for every stored row
    for grade in range(1, 6):
        condition |= Q(grade=grade, subject__in=list(catalogue.grade_subjects(grade)))
    return condition


def _score_allowed_condition() -> Q:
    """A score may be stored only where the grade and period have a periodic test (Điều 7.1.b)."""
    condition = Q(score__isnull=True)
    for grade in range(1, 6):
        for period in catalogue.PERIODS:
            scored = list(catalogue.scored_subjects(grade, period))
            if scored:
                condition |= Q(grade=grade, period=period, subject__in=scored)
    return condition


class Evaluation(models.Model):
    """Shared columns: who changed the row last, when, and a revision for conflict detection."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT)
    period = models.CharField("thời điểm", max_length=10, choices=PERIOD_CHOICES)
    comment = models.TextField("nhận xét", blank=True)
    revision = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SubjectEvaluation(Evaluation):
    """Môn học và hoạt động giáo dục: rating T/H/C, periodic test score, comment."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="subject_evaluations")
    grade = models.PositiveSmallIntegerField(editable=False, help_text="Copied from the class; checked by the database.")
    subject = models.CharField("môn học", max_length=30, choices=list(catalogue.SUBJECTS.items()))
    rating = models.CharField("mức đạt được", max_length=1, choices=SUBJECT_RATING_CHOICES, null=True, blank=True)
    score = ScoreField("điểm KTĐK", null=True, blank=True)

    class Meta:
        verbose_name = "đánh giá môn học"
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "period", "subject"], name="subject_eval_unique"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=10),
                                   name="subject_eval_score_0_10"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__in=list(catalogue.SUBJECT_RATINGS)),
                                   name="subject_eval_rating_scale"),
            models.CheckConstraint(condition=_subject_grade_condition(), name="subject_eval_subject_in_grade"),
            models.CheckConstraint(condition=_score_allowed_condition(), name="subject_eval_score_where_tested"),
        ]

    def __str__(self):
        return f"{self.enrolment.pupil} — {self.get_subject_display()} — {self.get_period_display()}"

    def save(self, *args, **kwargs):
        self.grade = self.enrolment.school_class.grade
        super().save(*args, **kwargs)


class TraitKind(models.TextChoices):
    QUALITY = "quality", "Phẩm chất"
    COMPETENCE = "competence", "Năng lực"


class TraitEvaluation(Evaluation):
    """Phẩm chất chủ yếu and năng lực cốt lõi: rating T/Đ/C and comment (Điều 7.2)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="trait_evaluations")
    kind = models.CharField(max_length=10, choices=TraitKind.choices)
    code = models.CharField(max_length=30)
    rating = models.CharField("mức đạt được", max_length=1, choices=TRAIT_RATING_CHOICES, null=True, blank=True)

    class Meta:
        verbose_name = "đánh giá phẩm chất, năng lực"
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "period", "kind", "code"], name="trait_eval_unique"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__in=list(catalogue.TRAIT_RATINGS)),
                                   name="trait_eval_rating_scale"),
            models.CheckConstraint(
                condition=(Q(kind="quality", code__in=list(catalogue.QUALITIES))
                           | Q(kind="competence", code__in=list(catalogue.COMPETENCES))),
                name="trait_eval_known_code"),
        ]

    def __str__(self):
        return f"{self.enrolment.pupil} — {self.code} — {self.get_period_display()}"

    @property
    def name(self) -> str:
        table = catalogue.QUALITIES if self.kind == TraitKind.QUALITY else catalogue.COMPETENCES
        return table.get(self.code, self.code)


class YearResult(models.Model):
    """The year-end page's other parts: homeroom comment, health, absences, award nomination,
    and the outcome computed by the TT27 engine (Điều 9, 11, 13)."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="year_result")
    homeroom_comment = models.TextField("nhận xét của giáo viên chủ nhiệm", blank=True)
    height_cm = models.PositiveSmallIntegerField("chiều cao (cm)", null=True, blank=True)
    weight_kg = models.DecimalField("cân nặng (kg)", max_digits=4, decimal_places=1, null=True, blank=True)
    days_absent_excused = models.PositiveSmallIntegerField("nghỉ có phép", null=True, blank=True)
    days_absent_unexcused = models.PositiveSmallIntegerField("nghỉ không phép", null=True, blank=True)
    nominated_tieu_bieu = models.BooleanField(
        "đề nghị khen Học sinh Tiêu biểu", default=False,
        help_text="Điều 13: the class's nomination; the award is never automatic.")
    plan_outcome = models.CharField(
        "kết quả theo kế hoạch giáo dục cá nhân", max_length=4, choices=OUTCOME_CHOICES, null=True, blank=True,
        help_text="Điều 8: the teacher's judgement for a pupil on an individual education plan.")
    outcome = models.CharField("kết quả giáo dục", max_length=4, choices=OUTCOME_CHOICES, null=True, blank=True)
    award = models.CharField("khen thưởng", max_length=30, choices=AWARD_CHOICES, null=True, blank=True)
    completed_grade = models.BooleanField("hoàn thành chương trình lớp học", null=True, blank=True)
    completed_primary = models.BooleanField("hoàn thành chương trình tiểu học", null=True, blank=True)
    disability_setting = models.CharField(
        "lớp, trường dành cho người khuyết tật", max_length=10, choices=DISABILITY_SETTING_CHOICES, null=True,
        blank=True, help_text="Điều 8.3: the pupil studies in a class or a school for pupils with disabilities.")
    errors = models.JSONField("lỗi kiểm tra TT27", default=list, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "kết quả năm học"
        constraints = [
            models.CheckConstraint(condition=Q(height_cm__isnull=True) | Q(height_cm__gte=50, height_cm__lte=220),
                                   name="year_result_height_plausible"),
            models.CheckConstraint(condition=Q(weight_kg__isnull=True) | Q(weight_kg__gt=5, weight_kg__lt=150),
                                   name="year_result_weight_plausible"),
        ]

    def __str__(self):
        return f"{self.enrolment} — {self.outcome or 'chưa tính'}"


class SupplementaryEvaluation(models.Model):
    """Điều 11.2–11.3: the summer's supplementary evaluation of a pupil who had not completed the grade (the
    entries evaluated again, as the record's lists hold them), the principal's confirmation, and the principal's
    decision (promote or repeat the grade) when the pupil still has not completed it."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="supplementary")
    evaluated_on = models.DateField("ngày đánh giá bổ sung")
    entries = models.JSONField("kết quả đánh giá bổ sung", default=dict, blank=True,
                               help_text='{"subjects": [...], "qualities": [...], "competences": [...]}, as in the record.')
    confirmed_at = models.DateTimeField("hiệu trưởng xác nhận lúc", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    decision = models.CharField("quyết định của hiệu trưởng", max_length=10, choices=DECISION_CHOICES, null=True,
                                blank=True)
    decided_on = models.DateField("ngày quyết định", null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "đánh giá bổ sung"
        constraints = [
            models.CheckConstraint(condition=Q(decision__isnull=True) | Q(decided_on__isnull=False),
                                   name="supplementary_decision_has_date"),
        ]

    def __str__(self):
        return f"{self.enrolment} — đánh giá bổ sung {self.evaluated_on}"


class Award(models.Model):
    """An award besides the year-end title (Điều 13.1.b: for an exceptional achievement, by the principal; 13.2:
    by a higher level on the school's proposal), entered by the principal."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="awards")
    kind = models.CharField("loại khen thưởng", max_length=10, choices=AWARD_KIND_CHOICES)
    title = models.CharField("hình thức khen thưởng", max_length=200)
    level = models.CharField("cấp khen thưởng", max_length=200)
    awarded_on = models.DateField("ngày khen thưởng")
    reason = models.TextField("lí do khen thưởng")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "khen thưởng"
        ordering = ["awarded_on", "pk"]

    def __str__(self):
        return f"{self.enrolment} — {self.title}"


class Exemption(models.Model):
    """A compulsory subject a pupil on an individual education plan is exempted from, with its basis (Điều 8)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="exemptions")
    subject = models.CharField("môn học được miễn", max_length=30, choices=list(catalogue.SUBJECTS.items()))
    basis = models.TextField("căn cứ miễn (kế hoạch giáo dục cá nhân)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "miễn môn học"
        constraints = [models.UniqueConstraint(fields=["enrolment", "subject"], name="exemption_unique")]

    def __str__(self):
        return f"{self.enrolment} — miễn {self.get_subject_display()}"


class DataLock(models.Model):
    """Chốt dữ liệu: a class (or, with no class, the whole school year) is locked.

    After it, evaluations change only through a correction the principal approves.
    ``locked_by`` is null for the automatic lock at the year's lock date (ngày chốt dữ liệu).
    """

    school_year = models.ForeignKey("directory.SchoolYear", on_delete=models.PROTECT, related_name="locks")
    school_class = models.ForeignKey("directory.SchoolClass", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="locks")
    locked_at = models.DateTimeField()
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    automatic = models.BooleanField(default=False)

    class Meta:
        verbose_name = "chốt dữ liệu"
        constraints = [
            models.UniqueConstraint(fields=["school_year", "school_class"], name="lock_class_unique"),
            models.UniqueConstraint(fields=["school_year"], condition=Q(school_class__isnull=True),
                                    name="lock_school_unique"),
        ]

    def __str__(self):
        scope = self.school_class.name if self.school_class_id else "toàn trường"
        return f"Chốt dữ liệu {scope} {self.school_year.name}"
