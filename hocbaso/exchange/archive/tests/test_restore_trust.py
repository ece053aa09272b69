"""Finding 2 of the hardening review: ``hocbaso restore`` trusted any archive consistent with its own hash list.
A crafted archive made the existing teacher a principal, and planted a registry row whose PDF had a broken
signature, which the public check then called authentic. Restore now accepts only archives sealed by this
installation (or a certificate the operator names), checks every registry PDF's signatures, never changes an
existing account's roles, and reports what it refused."""

import hashlib
import io
import json

import pytest

from hocbaso.directory.models import Role, SchoolYear, Staff
from hocbaso.exchange.archive.format import ArchiveRefused
from hocbaso.exchange.archive.restore import archive_restore
from hocbaso.exchange.archive.write import archive_build
from hocbaso.records.models import IssuedRecord
from hocbaso.signing.seals import installation_seal
from hocbaso.testing.exchange import flip_in_signed_pdf, members, rezip
from hocbaso.testing.lifecycle import sign_and_issue


@pytest.fixture
def files(school, tmp_path):
    sign_and_issue(school)
    out = tmp_path / "luu-tru.zip"
    archive_build(school_year=school.year, out=out, by=school.owner.user)
    return members(out.read_bytes())


def crafted(files: dict, *, seal: bool, **changes) -> bytes:
    """The archive with ``changes`` (member -> bytes, or None to drop it), its manifest's hashes recomputed so
    that it is consistent with itself; sealed again by this installation when ``seal``, else with its old seal."""
    files = dict(files)
    for name, data in changes.items():
        if data is None:
            files.pop(name, None)
        else:
            files[name] = data
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = [{"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                         for p, d in sorted(files.items()) if p not in ("manifest.json", "manifest.seal.json")]
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    if seal:
        files["manifest.seal.json"] = json.dumps(installation_seal(files["manifest.json"])).encode()
    return rezip(files)


def another_year_making_the_teacher_principal(files: dict) -> dict:
    """A year this installation does not have, with no registry, where the existing teacher gvcn4a is principal."""
    directory = json.loads(files["directory.json"])
    directory["school_year"]["name"] = "2023-2024"
    for s in directory["staff"]:
        if s["user"] == "gvcn4a":
            s["roles"] = sorted({*s["roles"], Role.PRINCIPAL.value})
    registry = {"issued": [], "corrections": []}
    changes = {name: None for name in files if name.startswith(("pdfs/", "records/", "files/"))}
    return {**changes, "directory.json": json.dumps(directory).encode(), "registry.json": json.dumps(registry).encode(),
            "work.json": b"{}"}


def test_a_self_consistent_archive_without_the_installations_seal_is_refused(files, school):
    changes = another_year_making_the_teacher_principal(files)
    with pytest.raises(ArchiveRefused, match="Niêm phong của bản lưu trữ: chữ ký niêm phong không khớp"):
        archive_restore(io.BytesIO(crafted(files, seal=False, **changes)))
    with pytest.raises(ArchiveRefused, match="không có niêm phong"):
        archive_restore(io.BytesIO(crafted(files, seal=False, **changes, **{"manifest.seal.json": None})))
    assert not SchoolYear.objects.filter(name="2023-2024").exists()
    assert Role.PRINCIPAL not in Staff.objects.get(user__username="gvcn4a").roles


def test_restore_never_changes_an_existing_accounts_roles_and_says_so(files, school):
    """Even an archive this installation sealed (an insider's edit re-sealed) cannot raise a role."""
    report = archive_restore(io.BytesIO(crafted(files, seal=True, **another_year_making_the_teacher_principal(files))))
    assert SchoolYear.objects.filter(school=school.school, name="2023-2024").exists()
    assert Staff.objects.get(user__username="gvcn4a").roles == {Role.HOMEROOM_TEACHER.value}
    assert any("principal" in line and "gvcn4a" in line for line in report.refused)


def test_an_existing_account_without_a_staff_row_here_is_not_linked(files, school):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("ketoan.ngoai", password="x")
    changes = another_year_making_the_teacher_principal(files)
    directory = json.loads(changes["directory.json"])
    directory["users"].append({"username": "ketoan.ngoai", "first_name": "", "last_name": "", "email": "",
                               "is_active": True})
    directory["staff"][0] = {**directory["staff"][0], "user": "ketoan.ngoai", "roles": [Role.PRINCIPAL.value]}
    changes["directory.json"] = json.dumps(directory).encode()
    report = archive_restore(io.BytesIO(crafted(files, seal=True, **changes)))
    assert not Staff.objects.filter(user__username="ketoan.ngoai").exists()
    assert any("ketoan.ngoai" in line for line in report.refused)


def test_a_registry_pdf_with_a_broken_signature_is_refused(files, school):
    """The planted row: a year this installation does not have, one record whose PDF hashes to the registry's
    SHA-256 but whose signature does not hold (the old restore accepted it and the public check called it
    authentic and current)."""
    original = json.loads(files["registry.json"])["issued"][0]
    broken = flip_in_signed_pdf(files[f"pdfs/{original['record_id']}.pdf"])
    row = {**original, "record_id": original["record_id"] + "X", "lookup_code": original["lookup_code"][:-1] + "Z",
           "sha256": hashlib.sha256(broken).hexdigest(), "pdf": original["pdf"].replace(".pdf", "-x.pdf")}
    directory = json.loads(files["directory.json"])
    directory["school_year"]["name"] = "2023-2024"
    changes = {name: None for name in files if name.startswith(("pdfs/", "records/", "files/"))}
    changes.update({f"pdfs/{row['record_id']}.pdf": broken,
                    f"records/{row['record_id']}.json": files[f"records/{original['record_id']}.json"],
                    "registry.json": json.dumps({"issued": [row], "corrections": []}).encode(),
                    "directory.json": json.dumps(directory).encode(), "work.json": b"{}"})
    with pytest.raises(ArchiveRefused) as refused:
        archive_restore(io.BytesIO(crafted(files, seal=True, **changes)))
    assert any(p.startswith(f"Học bạ {row['record_id']}: chữ ký số không hợp lệ") for p in refused.value.problems)
    assert not SchoolYear.objects.filter(name="2023-2024").exists()
    assert not IssuedRecord.objects.filter(record_id=row["record_id"]).exists()


def test_audit_entries_keyed_by_another_installation_are_not_reported_as_broken(files, school, settings):
    archive = crafted(files, seal=True, **another_year_making_the_teacher_principal(files))
    settings.AUDIT_KEY = "the key of the installation that restores"
    report = archive_restore(io.BytesIO(archive))
    assert report.audit_entries and report.audit_foreign_key and report.audit_broken == []
