"""The lifecycle screens' labels: the names of the background jobs' kinds and states (the stages' names are
``records.progress.STAGES``)."""

from django.utils.translation import gettext_lazy as _

from hocbaso.jobs.models import JobState
from hocbaso.records.progress import KIND_CLASS_SIGN, KIND_ISSUE, KIND_LOCK_CLASS, KIND_LOCK_YEAR, KIND_SCHOOL_SIGN

KIND_NAMES = {
    KIND_LOCK_CLASS: _("Chốt dữ liệu lớp"), KIND_LOCK_YEAR: _("Chốt dữ liệu toàn trường"),
    KIND_CLASS_SIGN: _("Ký học bạ cả lớp"), KIND_SCHOOL_SIGN: _("Hiệu trưởng ký học bạ toàn trường"),
    KIND_ISSUE: _("Phát hành học bạ"),
    # hocbaso.exchange.archive.tasks and copies.tasks: their progress shows on the same page
    "exchange.archive": _("Lưu trữ cuối năm"), "exchange.copy": _("Cấp bản sao học bạ"),
    # hocbaso.demo.tasks: ./dev.sh start issues the demo's earlier years in the background
    "demo.issue_earlier": _("Phát hành học bạ mẫu các năm học trước"),
}
JOB_STATES = {JobState.QUEUED: _("Đang chờ"), JobState.RUNNING: _("Đang chạy"), JobState.DONE: _("Hoàn tất"),
              JobState.FAILED: _("Lỗi"), JobState.CANCELLED: _("Đã hủy")}
