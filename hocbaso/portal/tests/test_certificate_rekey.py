"""Replacing a signing certificate (issue 17, finding 3): a password alone (after a principal's reset, say) must
not mint a certificate in someone's name. The old PIN, or the principal's approval with their own PIN when the old
one is lost; the old certificate revoked; both logged; the holder told."""

from django.urls import reverse

from hocbaso.audit.models import AuditEntry
from hocbaso.signing.models import RekeyApproval, SigningIdentity
from hocbaso.signing.services import identity_for, signer_open
from hocbaso.testing.people import PASSWORD, PRINCIPAL_PIN, TEACHER_PIN

NEW_PIN = "246802"


def replace(client, **extra):
    return client.post(reverse("portal:certificate"), {"holder": "self", "self-pin": NEW_PIN, "self-pin2": NEW_PIN,
                                                        "self-replace": "on", **extra})


def test_a_password_alone_cannot_replace_a_certificate(client, school):
    """Before: with the teacher's password anyone minted a new certificate under a PIN of their choosing."""
    old = identity_for(staff=school.member)
    client.force_login(school.member.user)
    page = replace(client).content.decode()
    assert "mã PIN cũ" in page
    assert SigningIdentity.objects.get(staff=school.member, active=True) == old
    assert not AuditEntry.objects.filter(action="signing.identity.revoke").exists()
    wrong = replace(client, **{"self-old_pin": "999999"}).content.decode()
    assert "Mã PIN" in wrong and identity_for(staff=school.member) == old
    old.refresh_from_db()
    assert old.failed_pins == 1  # the old PIN is counted like any PIN


def test_the_old_pin_replaces_it_and_revokes_the_old_one_logged_and_told(client, school):
    old = identity_for(staff=school.member)
    client.force_login(school.member.user)
    assert replace(client, **{"self-old_pin": TEACHER_PIN}).status_code == 302
    new = identity_for(staff=school.member)
    old.refresh_from_db()
    assert new != old and not old.active and old.revoked_at and old.revoked_by == school.member.user
    signer_open(new, NEW_PIN).close()
    revoke = AuditEntry.objects.get(action="signing.identity.revoke", target_id=str(old.pk))
    assert revoke.actor == school.member.user and revoke.after["authority"] == "old_pin"
    assert AuditEntry.objects.get(action="signing.identity", target_id=str(new.pk)).after["authority"] == "old_pin"
    client.post(reverse("portal:logout"))
    home = client.post(reverse("portal:login"), {"username": school.member.user.username, "password": PASSWORD},
                       follow=True).content.decode()
    assert "Chứng thư số của bạn đã bị thu hồi và thay mới" in home  # told at the next sign-in


def test_a_lost_pin_needs_the_principals_approval_with_their_own_pin_once(client, school):
    old = identity_for(staff=school.member)
    client.force_login(school.owner.user)
    url = reverse("portal:staff_passwords")
    wrong = client.post(url, {"staff": school.member.pk, "action": "rekey", "pin": "000000"}).content.decode()
    assert "Mã PIN" in wrong and not RekeyApproval.objects.exists()
    done = client.post(url, {"staff": school.member.pk, "action": "rekey", "pin": PRINCIPAL_PIN}).content.decode()
    assert 'id="rekey-approved"' in done
    assert AuditEntry.objects.get(action="signing.rekey_approve").actor == school.owner.user
    client.force_login(school.member.user)
    assert 'id="rekey-approval"' in client.get(reverse("portal:certificate")).content.decode()
    assert replace(client).status_code == 302  # no old PIN: the approval
    new = identity_for(staff=school.member)
    old.refresh_from_db()
    assert new != old and old.revoked_at is not None
    revoke = AuditEntry.objects.get(action="signing.identity.revoke", target_id=str(old.pk))
    assert revoke.after["authority"] == "principal_approval" and revoke.after["approved_by"] == "hieutruong"
    assert "mã PIN cũ" in replace(client).content.decode()  # the approval was for one replacement
    assert identity_for(staff=school.member) == new
