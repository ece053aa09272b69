"""The demo's background jobs: ``./dev.sh start`` serves as soon as the demo school's finished year 2025-2026 is
issued and its open year 2026-2027 is there; on the server's worker thread, one job then builds the demo
province's other schools (for the offices' dashboards: no records rendered) and another signs and issues the
earlier years' records (the A track of 2022-2023 to 2024-2025, under the names of then), their progress on the
jobs' pages."""

from django.contrib.auth import get_user_model

from hocbaso.demo.builder import LOADER
from hocbaso.demo.lifecycle import demo_issue, earlier_unissued
from hocbaso.demo.neighbours import province_build, school_codes
from hocbaso.jobs.registry import job_handler

KIND_EARLIER_ISSUE = "demo.issue_earlier"
KIND_PROVINCE_BUILD = "demo.province_build"


@job_handler(KIND_PROVINCE_BUILD)
def build_province(job, progress):
    """Build what is missing of the demo province's other schools (idempotent: one school per transaction, a
    school that has its classes is left as it is)."""
    loader = get_user_model().objects.get(username=LOADER)
    progress.total(len(school_codes()))
    schools = province_build(loader, each=lambda message: progress.step(1, message))
    return {"schools": schools}


@job_handler(KIND_EARLIER_ISSUE)
def issue_earlier(job, progress):
    """Issue what is left of the earlier years (idempotent: a resumed job goes on where it stopped)."""
    progress.total(earlier_unissued())
    issued = demo_issue(earlier=True, finished=False, step=progress.step)
    return {"issued": issued}
