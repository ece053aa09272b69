"""The entry grid's words, translated on the server so the page's script needs no catalogue of its own.

The validation messages say what TT27 asks, with the article, the way the service's messages do.
"""

from django.utils.translation import gettext as _

from hocbaso.directory.models import SchoolClass
from hocbaso.tt27 import catalogue


def grid_messages(school_class: SchoolClass, period: str, sheet: str) -> dict:
    subject = _(catalogue.SUBJECTS[sheet]) if sheet in catalogue.SUBJECTS else ""
    period_name = _(catalogue.PERIODS[period])
    period_lower = period_name[0].lower() + period_name[1:]
    return {
        "subject_words": {k: _(v) for k, v in catalogue.SUBJECT_RATINGS.items()},
        "trait_words": {k: _(v) for k, v in catalogue.TRAIT_RATINGS.items()},
        "outcome_words": {k: _(v) for k, v in catalogue.OUTCOMES.items()},
        "rating_subject": _("Mức đạt được của môn học là T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành) "
                            "— TT27 Điều 7.1.a."),
        "rating_subject_d": _("“Đ” (Đạt) là mức của phẩm chất, năng lực; môn học dùng T, H, C."),
        "rating_is_score": _("Đây là cột mức đạt được (T, H, C); điểm kiểm tra ghi ở cột Điểm KTĐK."),
        "rating_trait": _("Mức đạt được của phẩm chất, năng lực là T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng) "
                          "— TT27 Điều 7.2."),
        "rating_trait_h": _("“H” (Hoàn thành) là mức của môn học; phẩm chất, năng lực dùng T, Đ, C."),
        "score_no_test": _("Môn %(subject)s không có bài kiểm tra định kì vào thời điểm %(period)s ở lớp %(grade)s, "
                           "nên không ghi điểm (TT27 Điều 7.1.b).") % {
            "subject": subject, "period": period_lower, "grade": school_class.grade},
        "score_not_number": _("Điểm kiểm tra định kì là một số nguyên từ 0 đến 10."),
        "score_decimal": _("Điểm kiểm tra định kì là số nguyên, không có phần thập phân (TT27 Điều 7.1.d)."),
        "score_range": _("Điểm kiểm tra định kì từ 0 đến 10 (TT27 Điều 7.1.d)."),
        "whole_number": _("Hãy ghi một số nguyên."),
        "decimal_number": _("Hãy ghi một số, ví dụ 25,5."),
        "missing_rating": _("Chưa có mức đạt được."),
        "missing_score": _("Môn này có bài kiểm tra định kì lúc này: còn thiếu điểm (TT27 Điều 7.1.b)."),
        "score_zero": _("Điểm 0: TT27 cho phép, nhưng hiếm gặp. Hãy kiểm tra lại bài kiểm tra của học sinh."),
        "unsaved": _("Chưa lưu"), "saving": _("Đang lưu…"), "saved": _("Đã lưu"),
        "all_saved": _("Đã lưu tất cả"), "unsaved_wait": _("Có thay đổi sắp được lưu…"),
        "offline": _("Mất kết nối. Các thay đổi được giữ trong máy và sẽ tự gửi khi có mạng trở lại."),
        "auth_lost": _("Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại (mở trang đăng nhập ở thẻ khác); "
                       "các thay đổi chưa gửi vẫn được giữ trong máy."),
        "forbidden": _("Bạn không có quyền sửa trang này."),
        "server_error": _("Máy chủ đang gặp lỗi (%(status)s); sẽ thử gửi lại."),
        "readonly": _("Chỉ xem: bạn không sửa được trang này."),
        "refused": _("Máy chủ không nhận giá trị này."),
        "unsent_count": _("%(n)s thay đổi chưa gửi"),
        "error_count": _("%(n)s ô có lỗi"),
        "conflict_count": _("%(n)s ô bị sửa đồng thời"),
        "conflict": _("%(who)s vừa sửa ô này lúc %(at)s thành “%(theirs)s”; giá trị của bạn là “%(mine)s”."),
        "keep_mine": _("Giữ giá trị của tôi"), "take_theirs": _("Lấy giá trị mới"),
        "empty": _("(trống)"), "clear": _("Xóa"),
        "pick_phrase": _("Chọn lời nhận xét (F4)"), "pick_phrase_touch": _("Chọn lời nhận xét"),
        "own_phrases": _("Lời nhận xét của tôi"),
        "phrase_present": _("Câu này đã có trong lời nhận xét."),
        "phrase_delete": _("Xóa khỏi lời nhận xét của tôi"),
        "phrase_new": _("Thêm một lời nhận xét của tôi…"), "phrase_keep": _("Lưu lời nhận xét"),
        "needs_attention": _("Các ô hợp lệ đã được lưu; còn ô cần xem lại."),
        "revert": _("Hoàn tác (về “%(value)s”)"),
        "revert_title": _("Bỏ giá trị bị từ chối, trở về giá trị đã lưu trên máy chủ."),
        "undone": _("Đã hoàn tác %(n)s ô."), "redone": _("Đã làm lại %(n)s ô."),
        "write_next": _("Ghi ↓"),
        "not_followed": _("không học môn này"),
        "pasted": _("Đã dán %(n)s ô."),
        "paste_skipped": _("%(n)s ô nằm ngoài bảng hoặc ở học sinh không học môn này, đã bỏ qua."),
        "paste_invalid": _("%(n)s ô có giá trị không hợp lệ (xem ô tô đỏ)."),
        "restored": _("Đã khôi phục %(n)s thay đổi chưa gửi từ lần trước; đang gửi."),
        "storage_failed": _("Trình duyệt không cho lưu tạm trong máy: đừng đóng trang khi còn thay đổi chưa gửi."),
    }
