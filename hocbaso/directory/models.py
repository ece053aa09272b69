"""The school directory: offices, schools, years, classes, staff, pupils and enrolments.

Since 1/7/2025 (two levels of local government, Nghị quyết 202/2025/QH15): tỉnh (province, whose Sở GD&ĐT
guides and reports) → xã / phường (commune or ward, whose UBND manages the public primary schools; Nghị định
142/2025/NĐ-CP) → trường (school). A school's place is dated (``SchoolPlacement``): it can move to another
commune or province, and each record names what was in force on its date. The district (huyện, with its
Phòng GD&ĐT) survives only as a historical attribute of placements before 1/7/2025.
"""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

# The hierarchy's models live in ``places`` (one theme); importing them here registers them with the app and
# lets the rest of the code import every directory model from this one module.
from hocbaso.directory.places import (COMMUNE_PREFIXES, EARLIEST_PLACEMENT, TWO_LEVEL_GOVERNMENT_FROM,  # noqa: F401
                                      Commune, District, Province, SchoolPlacement, as_in_sentence,
                                      commune_code_validator, province_code_validator, without_unit)
from hocbaso.tt27 import catalogue

SCHOOL_YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")

identity_number_validator = RegexValidator(
    r"^\d{12}$", "Mã định danh cá nhân phải gồm đúng 12 chữ số.", code="identity_number")
school_code_validator = RegexValidator(
    r"^\d{8}$", "Mã trường (mã Bộ GD&ĐT) phải gồm đúng 8 chữ số.", code="school_code")

# Characters that make markup or code in HTML, typst, JSON or a spreadsheet formula, which no person's name
# needs. Names are escaped wherever they are shown, but an issued record keeps its name for ever, so a name
# carrying markup is refused at the door (apostrophes and hyphens stay allowed: H'Hen Niê, Ka-Mi).
NAME_MARKUP = frozenset('<>&"`{}[]\\=;|$#@*_^~')


def name_problem(value: str) -> str | None:
    """The Vietnamese refusal of a person's name carrying markup or control characters, else None."""
    bad = sorted({ch for ch in str(value or "") if ch in NAME_MARKUP or unicodedata.category(ch)[0] == "C"})
    if not bad:
        return None
    shown = " ".join(repr(ch)[1:-1] if unicodedata.category(ch)[0] == "C" else ch for ch in bad)
    return f"Họ tên không được chứa ký tự {shown}: chỉ dùng chữ cái, dấu cách, dấu gạch nối, dấu nháy đơn và dấu chấm."


def person_name_validator(value: str) -> None:
    problem = name_problem(value)
    if problem:
        raise ValidationError(problem, code="person_name")



def validate_school_year(value: str) -> None:
    match = SCHOOL_YEAR_RE.match(value or "")
    if not match or int(match[2]) != int(match[1]) + 1:
        raise ValidationError("Năm học phải có dạng YYYY-YYYY với hai năm liên tiếp, ví dụ 2024-2025.",
                              code="school_year")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


class Gender(models.TextChoices):
    MALE = "male", "Nam"
    FEMALE = "female", "Nữ"


class School(models.Model):
    """A primary school; ``code`` is its Ministry code, an opaque identifier (it does not change when the school
    moves). Where it stands in the hierarchy is in ``placements``."""

    code = models.CharField("mã trường", max_length=8, unique=True, validators=[school_code_validator])
    name = models.CharField("tên trường", max_length=200)
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)

    class Meta:
        verbose_name = "trường"
        ordering = ["name"]

    def __str__(self):
        return self.name


class SchoolYear(models.Model):
    """A school's năm học, with its lock date (ngày chốt dữ liệu)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="years")
    name = models.CharField("năm học", max_length=9, validators=[validate_school_year])
    start_date = models.DateField("ngày bắt đầu")
    end_date = models.DateField("ngày kết thúc")
    lock_date = models.DateField("ngày chốt dữ liệu", null=True, blank=True)

    class Meta:
        verbose_name = "năm học"
        ordering = ["school", "-name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="school_year_unique"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="school_year_dates"),
        ]

    def __str__(self):
        return f"{self.name} ({self.school})"

    @property
    def start_year(self) -> int:
        return int(self.name[:4])


class Term(models.Model):
    """Học kì I or II of a school year."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField("học kì", choices=[(1, "Học kì I"), (2, "Học kì II")])
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        verbose_name = "học kì"
        ordering = ["school_year", "number"]
        constraints = [models.UniqueConstraint(fields=["school_year", "number"], name="term_unique")]

    def __str__(self):
        return f"{self.get_number_display()} {self.school_year.name}"


class Role(models.TextChoices):
    PRINCIPAL = "principal", "Hiệu trưởng"
    VICE_PRINCIPAL = "vice_principal", "Phó hiệu trưởng"
    HOMEROOM_TEACHER = "homeroom_teacher", "Giáo viên chủ nhiệm"
    SUBJECT_TEACHER = "subject_teacher", "Giáo viên bộ môn"
    CLERK = "clerk", "Văn thư"
    COMMUNE_OFFICER = "commune_officer", "Cán bộ UBND xã/phường"
    PROVINCE_OFFICER = "province_officer", "Cán bộ Sở GD&ĐT"


SCHOOL_ROLES = {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER, Role.CLERK}


class Staff(models.Model):
    """A person who works for a school, a commune office (UBND xã/phường) or a province office (Sở GD&ĐT); may
    have a login. ``district`` is historical: a former Phòng GD&ĐT officer keeps it, seeing nothing, until
    given a commune or a province."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="staff")
    full_name = models.CharField("họ và tên", max_length=120)
    gender = models.CharField("giới tính", max_length=6, choices=Gender.choices, blank=True)
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    title = models.CharField("chức vụ", max_length=120, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    email = models.EmailField(blank=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    district = models.ForeignKey(District, on_delete=models.PROTECT, null=True, blank=True, related_name="staff",
                                 verbose_name="Phòng GD&ĐT cũ")

    class Meta:
        verbose_name = "cán bộ, giáo viên"
        ordering = ["full_name"]
        constraints = [
            # A person belongs to exactly one organisation: a school, a commune office or a province office;
            # or, a former district officer not yet given one, to none (and sees nothing).
            models.CheckConstraint(
                condition=(Q(school__isnull=False, commune__isnull=True, province__isnull=True)
                           | Q(school__isnull=True, commune__isnull=False, province__isnull=True)
                           | Q(school__isnull=True, commune__isnull=True, province__isnull=False)
                           | Q(school__isnull=True, commune__isnull=True, province__isnull=True,
                               district__isnull=False)),
                name="staff_one_organisation"),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.full_name = nfc(self.full_name).strip()
        super().save(*args, **kwargs)

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_set.all()}


class StaffRole(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="role_set")
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "vai trò"
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="staff_role_unique")]

    def __str__(self):
        return f"{self.staff}: {self.get_role_display()}"


class ClassKind(models.TextChoices):
    REGULAR = "regular", "Lớp thường (kể cả hòa nhập)"
    DISABILITY = "disability", "Lớp dành cho học sinh khuyết tật"


class SchoolClass(models.Model):
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="classes")
    grade = models.PositiveSmallIntegerField("khối", choices=[(g, f"Lớp {g}") for g in range(1, 6)])
    name = models.CharField("tên lớp", max_length=20)
    kind = models.CharField("loại lớp", max_length=12, choices=ClassKind.choices, default=ClassKind.REGULAR)
    homeroom_teacher = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="homeroom_classes")

    class Meta:
        verbose_name = "lớp"
        ordering = ["school_year", "grade", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="class_name_unique"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=5), name="class_grade_1_5"),
        ]

    def __str__(self):
        return f"Lớp {self.name} ({self.school_year.name})"

    @property
    def school(self) -> School:
        return self.school_year.school


class TeachingAssignment(models.Model):
    """Phân công giảng dạy: a teacher teaches a subject to a class for the class's year."""

    teacher = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="assignments")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="assignments")
    subject = models.CharField("môn học", max_length=30, choices=list(catalogue.SUBJECTS.items()))

    class Meta:
        verbose_name = "phân công giảng dạy"
        constraints = [models.UniqueConstraint(fields=["school_class", "subject"], name="assignment_unique")]

    def __str__(self):
        return f"{self.teacher} — {self.get_subject_display()} — {self.school_class.name}"

    def clean(self):
        if self.subject not in catalogue.grade_subjects(self.school_class.grade):
            raise ValidationError({"subject": f"Lớp {self.school_class.grade} không có môn "
                                              f"{catalogue.SUBJECTS.get(self.subject, self.subject)}."})


class Pupil(models.Model):
    """A pupil with every identity field of the học bạ."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils",
                               help_text="The school the pupil currently attends.")
    identity_number = models.CharField("mã định danh cá nhân", max_length=12, unique=True, null=True,
                                       blank=True, validators=[identity_number_validator])
    sector_code = models.CharField("mã học sinh (CSDL ngành)", max_length=20, blank=True)
    full_name = models.CharField("họ và tên", max_length=120, validators=[person_name_validator])
    gender = models.CharField("giới tính", max_length=6, choices=Gender.choices)
    birth_date = models.DateField("ngày sinh")
    ethnicity = models.CharField("dân tộc", max_length=40, default="Kinh")
    nationality = models.CharField("quốc tịch", max_length=60, default="Việt Nam")
    birthplace = models.CharField("nơi sinh", max_length=300)
    hometown = models.CharField("quê quán", max_length=300, blank=True)
    address = models.CharField("nơi ở hiện nay", max_length=300, blank=True)
    father_name = models.CharField("họ tên cha", max_length=120, blank=True, validators=[person_name_validator])
    mother_name = models.CharField("họ tên mẹ", max_length=120, blank=True, validators=[person_name_validator])
    guardian_name = models.CharField("họ tên người giám hộ", max_length=120, blank=True,
                                     validators=[person_name_validator])
    disability = models.CharField("khuyết tật", max_length=200, blank=True,
                                  help_text="Empty when the pupil has no disability.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "học sinh"
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        for field in ("full_name", "ethnicity", "nationality", "birthplace", "hometown", "address",
                      "father_name", "mother_name", "guardian_name"):
            setattr(self, field, nfc(getattr(self, field)).strip())
        if self.identity_number == "":
            self.identity_number = None
        super().save(*args, **kwargs)


class EnrolmentStatus(models.TextChoices):
    STUDYING = "studying", "Đang học"
    TRANSFERRED_OUT = "transferred_out", "Đã chuyển đi"
    LEFT = "left", "Đã thôi học"


class Enrolment(models.Model):
    """A pupil in a class for a school year, with the school's registry number (số đăng bộ)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="enrolments")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="enrolments")
    registry_number = models.CharField("số đăng bộ", max_length=20)
    joined_on = models.DateField("ngày nhập học / chuyển đến")
    transferred_in = models.BooleanField("chuyển đến", default=False)
    status = models.CharField("tình trạng", max_length=16, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.STUDYING)
    left_on = models.DateField("ngày chuyển đi / thôi học", null=True, blank=True)
    individual_plan = models.BooleanField(
        "đánh giá theo kế hoạch giáo dục cá nhân", default=False,
        help_text="TT27 Điều 8: a pupil with a disability evaluated against an individual education plan.")
    optional_subjects = models.JSONField("môn tự chọn", default=list, blank=True)

    class Meta:
        verbose_name = "học sinh trong lớp"
        constraints = [
            models.UniqueConstraint(fields=["pupil", "school_class"], name="enrolment_unique"),
            models.CheckConstraint(condition=Q(status="studying") | Q(left_on__isnull=False),
                                   name="enrolment_left_has_date"),
        ]

    def __str__(self):
        return f"{self.pupil} — {self.school_class}"

    @property
    def grade(self) -> int:
        return self.school_class.grade

    def clean(self):
        allowed = set(catalogue.optional_subjects(self.school_class.grade))
        unknown = [code for code in self.optional_subjects or [] if code not in allowed]
        if unknown:
            names = ", ".join(catalogue.SUBJECTS.get(code, code) for code in unknown)
            raise ValidationError({"optional_subjects": f"Lớp {self.school_class.grade} không có môn tự chọn: {names}."})

    def subjects(self) -> tuple[str, ...]:
        """The subjects this pupil is evaluated in this year, in the học bạ's order."""
        chosen = set(self.optional_subjects or [])
        return tuple(code for code in catalogue.grade_subjects(self.school_class.grade)
                     if code in catalogue.compulsory_subjects(self.school_class.grade) or code in chosen)
