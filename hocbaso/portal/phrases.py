"""A teacher's own comment phrases (``TeacherPhrase``): added and deleted from the entry grid's picker, each change
logged. The school's bank is ``assessment.phrases``; the picker offers both (``selectors.grid_phrases``)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from hocbaso.audit.services import Action, log_actions
from hocbaso.portal.models import TeacherPhrase

PHRASE_MAX = 500
PHRASES_PER_SHEET = 100


def teacher_phrase_add(*, user, sheet: str, text: str) -> TeacherPhrase:
    """Keep ``text`` among ``user``'s phrases for ``sheet``; the same sentence twice is kept once."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError("Lời nhận xét đang trống.", code="phrase_empty")
    if len(text) > PHRASE_MAX:
        raise ValidationError(f"Lời nhận xét dài quá {PHRASE_MAX} kí tự.", code="phrase_long")
    with transaction.atomic():
        existing = TeacherPhrase.objects.filter(user=user, sheet=sheet, text=text).first()
        if existing is not None:
            return existing
        if TeacherPhrase.objects.filter(user=user, sheet=sheet).count() >= PHRASES_PER_SHEET:
            raise ValidationError(f"Mỗi trang nhập giữ tối đa {PHRASES_PER_SHEET} lời nhận xét riêng; hãy xóa bớt.",
                                  code="phrase_many")
        phrase = TeacherPhrase.objects.create(user=user, sheet=sheet, text=text)
        log_actions([Action("phrase.add", "teacher_phrase", str(phrase.pk), None,
                            {"sheet": sheet, "text": text})], actor=user)
    return phrase


def teacher_phrase_delete(*, user, phrase_id: int) -> None:
    """Delete one of ``user``'s own phrases (another's is refused)."""
    with transaction.atomic():
        phrase = TeacherPhrase.objects.select_for_update().filter(pk=phrase_id).first()
        if phrase is None or phrase.user_id != user.pk:
            raise PermissionDenied("Đây không phải lời nhận xét của bạn.")
        log_actions([Action("phrase.delete", "teacher_phrase", str(phrase.pk),
                            {"sheet": phrase.sheet, "text": phrase.text}, None)], actor=user)
        phrase.delete()
