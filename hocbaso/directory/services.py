"""Writes to the hierarchy: provinces, communes, a school's dated placement (province → commune → school), and
who works for a commune or province office."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from hocbaso.audit.services import log_action
from hocbaso.directory.models import (TWO_LEVEL_GOVERNMENT_FROM, Commune, District, Province, Role, School,
                                      SchoolPlacement, Staff, StaffRole, as_in_sentence)


def _bare(name: str) -> str:
    name = " ".join(name.lower().split())
    for kind in ("tỉnh ", "thành phố "):
        if name.startswith(kind):
            return name[len(kind):]
    return name


def province_ensure(*, code: str, name: str, by) -> Province:
    """The province of ``code``, created (and logged) if new; an existing one must bear the same name (with or
    without "Tỉnh"): a province row is never renamed, the records and placements before still name it."""
    province = Province.objects.filter(code=code).first()
    if province is not None:
        if _bare(province.name) != _bare(name):
            raise ValidationError(f"Mã tỉnh {code} là {province.name} trong hệ thống, không phải {name}.",
                                  code="province_name")
        return province
    province = Province(code=code, name=" ".join(name.split()))
    province.full_clean()
    province.save()
    log_action("directory.province_create", actor=by, target_type="province", target_id=province.code,
               after={"code": province.code, "name": province.name})
    return province


def commune_ensure(*, province: Province, code: str, name: str, authority_name: str = "", by) -> Commune:
    """The commune of ``code``, created (and logged) if new; an existing one keeps its names."""
    commune = Commune.objects.filter(code=code).first()
    if commune is not None:
        if commune.province_id != province.pk:
            raise ValidationError(f"Mã xã/phường {code} đã thuộc {commune.province.name}, không thuộc {province.name}.",
                                  code="commune_province")
        return commune
    commune = Commune(province=province, code=code, name=as_in_sentence(name), authority_name=authority_name)
    commune.full_clean(exclude=["authority_name"])
    commune.save()
    log_action("directory.commune_create", actor=by, target_type="commune", target_id=commune.code,
               after={"code": commune.code, "name": commune.name, "province": province.code,
                      "authority_name": commune.authority_name})
    return commune


def school_place(*, school: School, since: dt.date, by, commune: Commune | None = None,
                 province: Province | None = None, district: District | None = None,
                 commune_name: str = "") -> SchoolPlacement:
    """Place ``school`` from ``since`` on: in ``commune`` (its province with it), or, before 1/7/2025 only, in a
    ``district`` of a ``province`` with the commune's name as then written. Placements already in force before
    ``since`` stay as they are, so what was issued under them keeps its names; one already dated ``since`` is
    refused."""
    if commune is not None:
        province = commune.province
    elif since >= TWO_LEVEL_GOVERNMENT_FROM:
        raise ValidationError("Từ 01/07/2025 trường phải thuộc một xã/phường.", code="placement_commune")
    if province is None:
        raise ValidationError("Cần tỉnh của trường.", code="placement_province")
    if district is not None and since >= TWO_LEVEL_GOVERNMENT_FROM:
        raise ValidationError("Từ 01/07/2025 không còn cấp huyện.", code="placement_district")
    with transaction.atomic():
        if SchoolPlacement.objects.filter(school=school, since=since).exists():
            raise ValidationError(f"Trường {school.code} đã có nơi trực thuộc từ ngày {since:%d/%m/%Y}.",
                                  code="placement_exists")
        placement = SchoolPlacement.objects.create(school=school, since=since, province=province, commune=commune,
                                                   district=district, commune_name=commune_name)
        log_action("directory.school_place", actor=by, target_type="school", target_id=school.code,
                   school_code=school.code,
                   after={"since": since.isoformat(), "province": province.code,
                          "commune": commune.code if commune else None,
                          "district": district.code if district else None, "commune_name": commune_name})
    return placement


def office_assign(*, staff: Staff, by, commune: Commune | None = None, province: Province | None = None) -> Staff:
    """Make ``staff`` an officer of a commune office (UBND xã/phường: its schools) or of a province office (Sở
    GD&ĐT: its province's schools), reading and changing nothing else. How a former Phòng GD&ĐT officer (kept
    with their district and no office by migration 0003) is given one; their old district stays as history."""
    if (commune is None) == (province is None):
        raise ValidationError("Cần đúng một trong hai: xã/phường hoặc tỉnh.", code="office_one")
    if staff.school_id is not None:
        raise ValidationError(f"{staff.full_name} là cán bộ của trường {staff.school.code}, không phải cán bộ "
                              "UBND xã/phường hay Sở GD&ĐT.", code="office_school_staff")
    role = Role.COMMUNE_OFFICER if commune is not None else Role.PROVINCE_OFFICER
    before = {"commune": staff.commune.code if staff.commune_id else None,
              "province": staff.province.code if staff.province_id else None, "roles": sorted(staff.roles)}
    with transaction.atomic():
        staff.commune, staff.province = commune, province
        staff.save(update_fields=["commune", "province"])
        StaffRole.objects.filter(staff=staff, role__in=[Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER]).exclude(
            role=role).delete()
        StaffRole.objects.get_or_create(staff=staff, role=role)
        log_action("directory.office_assign", actor=by, target_type="staff", target_id=staff.pk, before=before,
                   after={"commune": commune.code if commune else None, "province": province.code if province else None,
                          "roles": [role]})
    return staff
