"""The catalogue's Vietnamese names, marked for translation so the English screens can name them.

``hocbaso.tt27`` stays free of Django; the portal translates its names at display time with
``gettext(name)``. Printed documents (PDF, Excel, the học bạ) always keep the Vietnamese names.
A test checks that this list covers the catalogue.
"""

from django.utils.translation import gettext_noop

NAMES = [
    # Periods
    gettext_noop("Giữa học kì I"), gettext_noop("Cuối học kì I"), gettext_noop("Giữa học kì II"),
    gettext_noop("Cuối năm học"),
    # Ratings, outcomes, awards
    gettext_noop("Hoàn thành tốt"), gettext_noop("Hoàn thành"), gettext_noop("Chưa hoàn thành"), gettext_noop("Tốt"),
    gettext_noop("Đạt"), gettext_noop("Cần cố gắng"),
    gettext_noop("Hoàn thành xuất sắc"), gettext_noop("Học sinh Xuất sắc"),
    gettext_noop("Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"),
    # Decisions and awards of Điều 11 and 13 (format version 2)
    gettext_noop("Được lên lớp"), gettext_noop("Ở lại lớp"), gettext_noop("Khen thưởng đột xuất"),
    gettext_noop("Khen thưởng của cấp trên"),
    # Subjects
    gettext_noop("Tiếng Việt"), gettext_noop("Toán"), gettext_noop("Ngoại ngữ 1"), gettext_noop("Đạo đức"),
    gettext_noop("Tự nhiên và Xã hội"), gettext_noop("Lịch sử và Địa lí"),
    gettext_noop("Khoa học"), gettext_noop("Tin học và Công nghệ (Tin học)"),
    gettext_noop("Tin học và Công nghệ (Công nghệ)"),
    gettext_noop("Giáo dục thể chất"), gettext_noop("Nghệ thuật (Âm nhạc)"), gettext_noop("Nghệ thuật (Mĩ thuật)"),
    gettext_noop("Hoạt động trải nghiệm"),
    gettext_noop("Tiếng dân tộc thiểu số"),
    # Qualities and competences
    gettext_noop("Yêu nước"), gettext_noop("Nhân ái"), gettext_noop("Chăm chỉ"), gettext_noop("Trung thực"),
    gettext_noop("Trách nhiệm"),
    gettext_noop("Tự chủ và tự học"), gettext_noop("Giao tiếp và hợp tác"),
    gettext_noop("Giải quyết vấn đề và sáng tạo"), gettext_noop("Ngôn ngữ"),
    gettext_noop("Tính toán"), gettext_noop("Công nghệ"), gettext_noop("Tin học"), gettext_noop("Thẩm mĩ"),
    gettext_noop("Thể chất"),
]
