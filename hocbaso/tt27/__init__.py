"""The TT27 rules engine: Thông tư 27/2020/TT-BGDĐT (evaluation of primary pupils) as pure Python.

No Django here, not even indirectly: the rules can be read against the regulation article by
article and tested without a database. See docs/tt27-rules.md for every rule and error code.

- ``catalogue``: subjects per grade, qualities, competences, periods, scales, periodic tests, years covered.
- ``assess(record)`` / ``assess_json(text)`` -> ``Assessment``: validate a ``hocbaso.record/N`` document (version 1 and 2 read)
  and compute its outcome, award and completion.
- ``compute_outcome``, ``completion``, ``award_for``: the rules of Điều 9.2, 11 and 13 on their own.
"""

from hocbaso.tt27 import catalogue
from hocbaso.tt27.assessment import Assessment, UnreadableRecord, assess, assess_json
from hocbaso.tt27.errors import CODES, RuleError
from hocbaso.tt27.record_format import FORMAT
from hocbaso.tt27.results import award_for, completion, compute_outcome

__all__ = ["CODES", "FORMAT", "Assessment", "RuleError", "UnreadableRecord", "assess", "assess_json", "award_for",
           "catalogue", "completion", "compute_outcome"]
