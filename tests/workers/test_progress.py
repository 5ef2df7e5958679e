"""Job progress in Redis: what the pages poll, and a failure recorded with its error."""

from __future__ import annotations

from collections import Counter

import pytest

from campaigns.bulk import tally
from campaigns.enrollments import ALREADY_ENROLLED, ALREADY_FINISHED
from workers.progress import TTL_SECONDS, Progress, ProgressBoard, describe, progress_key


def test_a_job_reports_its_way_from_queued_to_finished_and_each_write_keeps_it_a_week(redis_client):
    board = ProgressBoard(redis_client)
    board.queued("job-1", {"name": "show.csv"})
    assert board.read("job-1") == Progress("queued", context={"name": "show.csv"})
    board.running("job-1", total=400)
    board.advance("job-1", 100, {"read": 10})
    halfway = board.read("job-1")
    assert (halfway.state, halfway.percent, halfway.counts, halfway.context) == ("running", 25, {"read": 10}, {"name": "show.csv"})
    board.advance("job-1", 400, {"read": 40})
    assert board.read("job-1").percent == 99  # all bytes read is not done until the job says so
    board.finished("job-1", {"read": 40}, {"reasons": {"x": 1}})
    done = board.read("job-1")
    assert (done.state, done.percent, done.summary, done.ended) == ("finished", 100, {"reasons": {"x": 1}}, True)
    assert TTL_SECONDS - 5 < redis_client.ttl(progress_key("job-1")) <= TTL_SECONDS
    assert board.read("never-queued") is None


def test_a_raising_job_is_marked_failed_with_its_error_and_the_error_still_raises(redis_client):
    board = ProgressBoard(redis_client)
    board.queued("job-2", {})
    with pytest.raises(ValueError), board.tracking("job-2"):
        raise ValueError("bad header\nmore detail")
    failed = board.read("job-2")
    assert (failed.state, failed.error) == ("failed", "ValueError: bad header")
    board.requeued("job-2")  # retried from the queue page
    assert (board.read("job-2").state, board.read("job-2").error) == ("queued", None)
    board.requeued("unknown")
    assert board.read("unknown") is None  # jobs that report no progress get none
    assert describe(KeyError()) == "KeyError"


def test_a_bulk_outcome_is_told_as_enrolled_skipped_and_refused():
    outcome = Counter({"enrolled": 5, ALREADY_ENROLLED: 2, ALREADY_FINISHED: 1, "The address is suppressed (hard bounce)": 3})
    assert tally(outcome) == {"enrolled": 5, "skipped": 3, "refused": 3}
    assert tally(Counter()) == {"enrolled": 0, "skipped": 0, "refused": 0}
