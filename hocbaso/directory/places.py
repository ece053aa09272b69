"""The hierarchy of places a school stands in: provinces, communes (and the historical districts), and each
school's dated placement among them.

Since 1/7/2025 (two levels of local government, Nghị quyết 202/2025/QH15): tỉnh (province, whose Sở GD&ĐT
guides and reports) → xã / phường / đặc khu (commune or ward, whose UBND manages the public primary schools;
Nghị định 142/2025/NĐ-CP) → trường. Codes are those of Quyết định 19/2025/QĐ-TTg. Before that date a district
(huyện, with its Phòng GD&ĐT) stood between province and school; it survives only in placements before it.
"""

import datetime as dt
import unicodedata

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

# Two levels of local government from this date: no district level, no Phòng GD&ĐT.
TWO_LEVEL_GOVERNMENT_FROM = dt.date(2025, 7, 1)

# The date of a placement that holds from before anything the installation knows (an installation's schools as
# they stood in their district before the placements existed).
EARLIEST_PLACEMENT = dt.date(1900, 1, 1)

province_code_validator = RegexValidator(
    r"^\d{2}$", "Mã tỉnh phải gồm đúng 2 chữ số (Quyết định 19/2025/QĐ-TTg).", code="province_code")
commune_code_validator = RegexValidator(
    r"^\d{5}$", "Mã xã/phường phải gồm đúng 5 chữ số (Quyết định 19/2025/QĐ-TTg).", code="commune_code")

# How a commune-level unit's name begins when written in a sentence ("xã Trường Xuân"); the place in a date
# line drops it ("Trường Xuân, ngày …").
COMMUNE_PREFIXES = ("xã ", "phường ", "thị trấn ", "đặc khu ")


def as_in_sentence(name: str) -> str:
    """A commune's name as written in a sentence, its kind in lower case: "Xã Trường Xuân" → "xã Trường Xuân"."""
    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    for prefix in COMMUNE_PREFIXES:
        if name.lower().startswith(prefix):
            return prefix + name[len(prefix):]
    return name


def without_unit(name: str) -> str:
    """"Trường Xuân" for "xã Trường Xuân" or "Xã Trường Xuân": the place as a date line writes it."""
    name = unicodedata.normalize("NFC", name or "").strip()
    for prefix in COMMUNE_PREFIXES:
        if name.lower().startswith(prefix):
            return name[len(prefix):]
    return name


class Province(models.Model):
    """Tỉnh / thành phố (its official two-digit code), whose Sở GD&ĐT guides and reports on its schools.

    A merged-away province (Đắk Nông, 67) stays as a row: its placements before the merger still name it."""

    code = models.CharField("mã tỉnh", max_length=4, unique=True, validators=[province_code_validator])
    name = models.CharField("tên tỉnh", max_length=120)

    class Meta:
        verbose_name = "tỉnh"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def office_name(self) -> str:
        return f"Sở Giáo dục và Đào tạo {self.name}"


class District(models.Model):
    """Quận / huyện: historical. Until 1/7/2025 its Phòng GD&ĐT managed the primary schools; it survives only in
    placements before that date (and so in the records issued then)."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts")
    code = models.CharField("mã huyện", max_length=6, unique=True)
    name = models.CharField("tên huyện", max_length=120)

    class Meta:
        verbose_name = "quận/huyện"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def office_name(self) -> str:
        return f"Phòng Giáo dục và Đào tạo {self.name}"

    @property
    def header_name(self) -> str:
        """The office as a record's header wrote it before 1/7/2025: "Phòng GD&ĐT Đắk Song"."""
        name = self.name
        for kind in ("Huyện ", "Quận ", "Thị xã ", "Thành phố "):
            if name.startswith(kind):
                name = name[len(kind):]
                break
        return f"Phòng GD&ĐT {name}"


class Commune(models.Model):
    """Xã / phường / đặc khu (official five-digit code), whose People's Committee (UBND cấp xã, advised by its
    Phòng Văn hóa – Xã hội) manages the public primary schools since 1/7/2025: the commune office."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    code = models.CharField("mã xã/phường", max_length=5, unique=True, validators=[commune_code_validator])
    name = models.CharField("tên xã/phường", max_length=120, help_text="Như được viết trong câu: xã Trường Xuân.")
    authority_name = models.CharField("cơ quan quản lý trường", max_length=160, blank=True,
                                      help_text="Mặc định: UBND và tên xã/phường, ví dụ UBND xã Trường Xuân.")

    class Meta:
        verbose_name = "xã/phường"
        ordering = ["province", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = unicodedata.normalize("NFC", self.name).strip()
        self.authority_name = unicodedata.normalize("NFC", self.authority_name).strip() or f"UBND {self.name}"
        super().save(*args, **kwargs)

    @property
    def place_name(self) -> str:
        return without_unit(self.name)


class SchoolPlacement(models.Model):
    """Where a school stands from ``since`` until its next placement: a commune of a province (from 1/7/2025),
    or, before, a district of a province (``district`` historical, ``commune_name`` as then written).

    Read through ``directory.selectors.school_places``; written by ``directory.services.school_place``."""

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="placements")
    since = models.DateField("từ ngày")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="placements")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="placements")
    district = models.ForeignKey(District, on_delete=models.PROTECT, null=True, blank=True, related_name="placements")
    commune_name = models.CharField("xã/phường (tên cũ)", max_length=120, blank=True)

    class Meta:
        verbose_name = "nơi trường trực thuộc"
        ordering = ["school", "since"]
        constraints = [
            models.UniqueConstraint(fields=["school", "since"], name="placement_one_per_day"),
            # A district exists only before the reform; from it on every placement names a commune.
            models.CheckConstraint(condition=Q(district__isnull=True) | Q(since__lt=TWO_LEVEL_GOVERNMENT_FROM),
                                   name="placement_district_before_reform"),
            models.CheckConstraint(condition=Q(commune__isnull=False) | Q(since__lt=TWO_LEVEL_GOVERNMENT_FROM),
                                   name="placement_commune_after_reform"),
        ]

    def __str__(self):
        return f"{self.school} từ {self.since:%d/%m/%Y}: {self.commune or self.district or self.province}"
