"""Texts the public pages show from data rather than from their templates: the roles stored with each signature,
the record's wording (``documents.view``: gender, completion statements) and the lookup log's kinds. Marked here
so that ``makemessages`` finds them; the templates translate the values with ``{% translate value %}``. The
catalogue's names (subjects, ratings, outcomes, awards) are in the portal's catalogue (``portal.catalogue_i18n``).
"""

from django.utils.translation import gettext_noop

NAMES = [
    gettext_noop("Giáo viên chủ nhiệm"), gettext_noop("Hiệu trưởng"), gettext_noop("Giáo viên bộ môn"),
    gettext_noop("Nam"), gettext_noop("Nữ"),
    gettext_noop("Hoàn thành chương trình lớp 1"), gettext_noop("Chưa hoàn thành chương trình lớp 1"),
    gettext_noop("Hoàn thành chương trình lớp 2"), gettext_noop("Chưa hoàn thành chương trình lớp 2"),
    gettext_noop("Hoàn thành chương trình lớp 3"), gettext_noop("Chưa hoàn thành chương trình lớp 3"),
    gettext_noop("Hoàn thành chương trình lớp 4"), gettext_noop("Chưa hoàn thành chương trình lớp 4"),
    gettext_noop("Hoàn thành chương trình lớp 5"), gettext_noop("Chưa hoàn thành chương trình lớp 5"),
    gettext_noop("Hoàn thành chương trình tiểu học"), gettext_noop("Chưa hoàn thành chương trình tiểu học"),
    gettext_noop("Xem tình trạng"), gettext_noop("Xem toàn văn / tải PDF"), gettext_noop("Kiểm tra tệp"),
]
