"""The demo's background job: ``./dev.sh start`` serves as soon as the finished year 2025-2026 is issued and the
open year 2026-2027 is there, and this job signs and issues the earlier years' records (the A track of
2022-2023 to 2024-2025, under the names of then) on the server's worker thread, its progress on the job's page."""

from hocbaso.demo.lifecycle import demo_issue, earlier_unissued
from hocbaso.jobs.registry import job_handler

KIND_EARLIER_ISSUE = "demo.issue_earlier"


@job_handler(KIND_EARLIER_ISSUE)
def issue_earlier(job, progress):
    """Issue what is left of the earlier years (idempotent: a resumed job goes on where it stopped)."""
    progress.total(earlier_unissued())
    issued = demo_issue(earlier=True, finished=False, step=progress.step)
    return {"issued": issued}
