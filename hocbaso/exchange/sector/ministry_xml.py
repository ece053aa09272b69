"""Our record mapped to a second schema, in one place: the shape of the sector database (CSDL ngành) record,
``thongtinsohocbasotieuhoc``, with the catalogue's field names (docs/sector-export.md). The day a province hands
us the Ministry's own XML schema for học bạ số, this module (its table ``MAPPING``) is what changes.

``MAPPING``: each leaf of the ``hocbaso.record`` format (a dotted path; ``[]`` marks a list's items) to the
target's path and, where the value changes form, a conversion. ``NOT_CARRIED``: the leaves the target has no
field for, each with why. ``test_ministry_xml`` fails when a leaf of the format is in neither (a key added to the
format must be mapped, or said not carried, here).
"""

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from hocbaso.tt27 import catalogue
from hocbaso.tt27.record_format import TERM_PERIODS

NS = "urn:hocbaso:sector:hocbaso-tieuhoc:1"  # ours: the target's namespace is not published
ROOT = "thongtinsohocbasotieuhoc"
GENDER_CODES = {"male": 1, "female": 2}


def _flag(value):
    return None if value is None else int(bool(value))


@dataclass(frozen=True)
class To:
    path: str
    convert: Callable | None = None


def _lists(prefix: str, target: str) -> dict[str, To]:
    """The three evaluation lists under ``prefix`` (``""``, ``periods.giua_hk1.``) mapped under ``target``."""
    return {
        f"{prefix}subjects[].code": To(f"{target}_dsbangdiem[].mamonhoc"),
        f"{prefix}subjects[].rating": To(f"{target}_dsbangdiem[].mucdatduoc"),
        f"{prefix}subjects[].score": To(f"{target}_dsbangdiem[].diemktdk"),
        f"{prefix}subjects[].comment": To(f"{target}_dsbangdiem[].nhanxet"),
        f"{prefix}qualities[].code": To(f"{target}_dsphamchat[].maphamchat"),
        f"{prefix}qualities[].rating": To(f"{target}_dsphamchat[].mucdatduoc"),
        f"{prefix}qualities[].comment": To(f"{target}_dsphamchat[].nhanxet"),
        f"{prefix}competences[].code": To(f"{target}_dsnangluc[].manangluc"),
        f"{prefix}competences[].rating": To(f"{target}_dsnangluc[].mucdatduoc"),
        f"{prefix}competences[].comment": To(f"{target}_dsnangluc[].nhanxet"),
    }


MAPPING: dict[str, To] = {
    "format": To("dinhdangnguon"),
    "school_year": To("namhoc"),
    "grade": To("makhoi"),
    "class_name": To("tenlop"),
    "school.code": To("matruong"),
    "school.name": To("tentruong"),
    "school.authority": To("coquanquanly"),
    "school.commune": To("diadanhphathanh"),
    "school.district": To("quanhuyen"),
    "school.province": To("tinhthanhpho"),
    "pupil.identity_number": To("madinhdanh"),
    "pupil.full_name": To("hovaten"),
    "pupil.gender": To("gioitinh", lambda v: GENDER_CODES.get(v, 0)),
    "pupil.birth_date": To("ngaysinh"),
    "pupil.ethnicity": To("dantoc"),
    "pupil.nationality": To("quoctich"),
    "pupil.birthplace": To("noisinh"),
    "pupil.hometown": To("quequan"),
    "pupil.address": To("noiohiennay"),
    "pupil.father_name": To("hotencha"),
    "pupil.mother_name": To("hotenme"),
    "pupil.guardian_name": To("hotennguoigiamho"),
    "pupil.registry_number": To("sodangbo"),
    "pupil.lifelong_learning_code": To("mahosohoctapsuotdoi"),
    **_lists("", ""),
    **{key: value for period in TERM_PERIODS for key, value in _lists(f"periods.{period}.", f"_{period}.").items()},
    "individual_plan": To("danhgiatheokhgdcanhan", _flag),
    "exempted_subjects[].code": To("_dsmienhoc[].mamonhoc"),
    "exempted_subjects[].basis": To("_dsmienhoc[].cancu"),
    "disability_class": To("lopkhuyettat"),
    "height_cm": To("chieucao"),
    "weight_kg": To("cannang"),
    "days_absent.excused": To("songaynghicophep"),
    "days_absent.unexcused": To("songaynghikhongphep"),
    "outcome": To("ketquagiaoduc"),
    "award": To("khenthuong"),
    "awards[].kind": To("_dskhenthuong[].loai"),
    "awards[].title": To("_dskhenthuong[].hinhthuc"),
    "awards[].level": To("_dskhenthuong[].capkhen"),
    "awards[].date": To("_dskhenthuong[].ngay"),
    "awards[].reason": To("_dskhenthuong[].lydo"),
    "supplementary_evaluation.date": To("_danhgiabosung.ngay"),
    **_lists("supplementary_evaluation.", "_danhgiabosung."),
    "supplementary_evaluation.completed": To("_danhgiabosung.dahthanh", _flag),
    "completed_grade": To("dahthanhctrinhlophoc", _flag),
    "completed_primary": To("dahthanhctrinhtieuhoc", _flag),
    "principal_decision.decision": To("duoclenlop", lambda v: {"promote": 1, "repeat": 0}.get(v)),
    "principal_decision.date": To("ngayquyetdinhlenlop"),
    "homeroom_comment": To("nhanxetgvcn"),
    "homeroom_teacher": To("giaovienchunhiem"),
    "principal": To("hieutruong"),
    "issuance.record_id": To("madinhdanhhocba"),
    "issuance.effective_date": To("ngayhieuluc"),
    "issuance.version": To("phienban"),
    "issuance.supersedes": To("thaythe"),
    "issuance.issued_at": To("thoidiemphathanh"),
}

NOT_CARRIED: dict[str, str] = {
    "issuance.lookup_code": "the lookup code is a secret of the family's (with the second factor); the sector "
                            "database identifies the record by madinhdanhhocba",
}


def _get(value, parts: list[str]):
    """Every (indices, value) at ``parts`` under ``value``; ``[]`` walks a list's items."""
    if not parts:
        yield (), value
        return
    head, rest = parts[0], parts[1:]
    if value is None:
        return
    if head.endswith("[]"):
        items = value.get(head[:-2]) if isinstance(value, dict) else None
        for index, item in enumerate(items or []):
            for indices, found in _get(item, rest):
                yield (index, *indices), found
    elif isinstance(value, dict) and head in value:
        yield from _get(value[head], rest)


def _put(target: dict, parts: list[str], indices: tuple, value) -> None:
    for part in parts[:-1]:
        if part.endswith("[]"):
            items = target.setdefault(part[:-2], [])
            index, indices = indices[0], indices[1:]
            while len(items) <= index:
                items.append({})
            target = items[index]
        else:
            target = target.setdefault(part, {})
    target[parts[-1]] = value


def record_to_sector(record: dict) -> dict:
    """The record in the sector database's shape (names of ``MAPPING``; absent keys stay absent)."""
    out: dict = {}
    for source, to in MAPPING.items():
        for indices, value in _get(record, source.split(".")):
            if value is not None and to.convert:
                value = to.convert(value)
            _put(out, to.path.split("."), indices, value)
    for item in out.get("_dsbangdiem", []):
        item["tenmonhoc"] = catalogue.SUBJECTS.get(item.get("mamonhoc"), "")
    return out


def _element(parent, name: str, value) -> None:
    if isinstance(value, list):
        holder = etree.SubElement(parent, f"{{{NS}}}{name}")
        for item in value:
            _element(holder, "muc", item)
        return
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    if isinstance(value, dict):
        for key, item in value.items():
            _element(element, key, item)
    elif value is None:
        element.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")
    else:
        element.text = "true" if value is True else "false" if value is False else str(value)


def record_to_sector_xml(record: dict) -> bytes:
    """The record as an XML document in the sector database's shape."""
    root = etree.Element(f"{{{NS}}}{ROOT}", nsmap={None: NS})
    for key, value in record_to_sector(record).items():
        _element(root, key, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
