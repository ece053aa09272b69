"""What the học bạ template (Phụ lục of TT27, with its HƯỚNG DẪN GHI HỌC BẠ) requires of an issued record,
format version 2 and later: a comment for every subject and activity, a comment on the qualities and on each
group of competences (the template has one comment cell for the five qualities, one for the general
competences and one for the specific ones), and the names of the homeroom teacher and the principal who sign.
"""

from hocbaso.tt27 import catalogue
from hocbaso.tt27.errors import RuleError
from hocbaso.tt27.wording import subject_name

_TRAIT_GROUPS = (
    ("qualities", catalogue.QUALITIES, "những phẩm chất chủ yếu"),
    ("competences", catalogue.COMPETENCES_GENERAL, "những năng lực chung"),
    ("competences", catalogue.COMPETENCES_SPECIFIC, "những năng lực đặc thù"),
)
_SIGNERS = (("homeroom_teacher", "giáo viên chủ nhiệm"), ("principal", "hiệu trưởng"))


def _blank(value) -> bool:
    return not isinstance(value, str) or not value.strip()


def check_issued(record: dict) -> list[RuleError]:
    """``comment_missing`` and ``signer_missing`` for an issued record (one carrying ``issuance``)."""
    if not isinstance(record.get("issuance"), dict):
        return []
    errors = []
    for index, entry in enumerate(record.get("subjects") or ()):
        if isinstance(entry, dict) and isinstance(entry.get("code"), str) and _blank(entry.get("comment")):
            errors.append(RuleError("comment_missing", f"subjects[{index}].comment",
                                    f"Học bạ đã phát hành phải có nhận xét {subject_name(entry['code'])} (Thông tư 27, "
                                    f"Điều 10; hướng dẫn ghi học bạ)."))
    for key, table, words in _TRAIT_GROUPS:
        entries = [entry for entry in record.get(key) or () if isinstance(entry, dict) and entry.get("code") in table]
        if entries and all(_blank(entry.get("comment")) for entry in entries):
            errors.append(RuleError("comment_missing", key,
                                    f"Học bạ đã phát hành phải có nhận xét về {words} (Thông tư 27, Điều 10; hướng "
                                    f"dẫn ghi học bạ)."))
    for key, words in _SIGNERS:
        if _blank(record.get(key)):
            errors.append(RuleError("signer_missing", key,
                                    f"Học bạ đã phát hành phải ghi họ tên {words} xác nhận (Thông tư 27, Điều 10; mẫu "
                                    f"học bạ)."))
    return errors
