"""A certificate is shown as its holder (name · title · organisation), never its raw RFC 4514 subject."""

from django.urls import reverse

from hocbaso.signing.models import SigningIdentity, subject_words
from hocbaso.testing.wording import english_on_page


def test_subject_words():
    assert subject_words("UID=067217001234,CN=Lê Thị Hoa,title=Giáo viên chủ nhiệm,O=Trường Tiểu học A,C=VN") == (
        "Lê Thị Hoa · Giáo viên chủ nhiệm · Trường Tiểu học A")
    assert subject_words("not a name") == "not a name"


def test_the_certificate_page_names_the_holder_not_the_subject(client, school):
    identity = SigningIdentity.objects.get(staff=school.member, active=True)
    assert "CN=" in identity.subject
    client.force_login(school.member.user)
    answer = client.get(reverse("portal:certificate"))
    text = answer.content.decode()
    assert answer.status_code == 200 and identity.holder in text and "CN=" not in text
    assert english_on_page(answer) == []
