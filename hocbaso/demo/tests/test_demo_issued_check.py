"""demo_issued_check: what ends ``demo_issue``. Records of the demo's classes left short of issuance are refused
with a Vietnamese message naming each class, how many records and in which state."""

import pytest

from hocbaso.demo.lifecycle import DemoIncomplete, demo_issued_check
from hocbaso.records.issuance import records_issue
from hocbaso.records.locks import data_lock
from hocbaso.records.signatures import class_sign, school_sign
from hocbaso.records.signatures import subject_signoff
from hocbaso.signing.services import identity_for, signer_open
from hocbaso.testing.lifecycle import lifecycle_school
from hocbaso.testing.people import ENGLISH_PIN, PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN


def test_demo_issued_check_names_the_classes_left_short_of_issuance(world):
    w = lifecycle_school(world)
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=signer_open(identity_for(staff=w.english), ENGLISH_PIN))
    class_sign(school_class=w.class4a, by=w.member.user, signer=signer_open(identity_for(staff=w.member), TEACHER_PIN))
    with pytest.raises(DemoIncomplete) as refused:
        demo_issued_check([w.class4b, w.class4a])
    assert str(refused.value) == ("Trường mẫu chưa phát hành hết học bạ: còn 3 học bạ chưa phát hành — lớp 4A: "
                                  "3 học bạ (GVCN đã ký, chờ hiệu trưởng ký). Hãy chạy lại lệnh hocbaso demo.")
    demo_issued_check([w.class4b])  # nothing of 4B is waiting

    school_sign(school_year=w.year, by=w.owner.user,
                signer=signer_open(identity_for(staff=w.owner), PRINCIPAL_PIN, seal=True))
    with pytest.raises(DemoIncomplete, match=r"lớp 4A: 3 học bạ \(Hiệu trưởng đã ký, chờ phát hành\)"):
        demo_issued_check([w.class4a])
    records_issue(school_year=w.year, by=w.owner.user, seal_signer=signer_open(identity_for(school=w.school), SEAL_PIN))
    demo_issued_check([w.class4a, w.class4b])  # every record issued: passes
