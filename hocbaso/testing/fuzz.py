"""The fuzz suite's shared Hypothesis settings: bounded and derandomised, so that CI runs the same examples every
time in a few seconds per target; no example database is written into the checkout. A failure prints the
smallest input that fails, which becomes a regression test."""

from hypothesis import HealthCheck, settings

# Examples per target: enough to reach every branch of a reader's refusals, few enough for both CI databases.
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])
# Targets that run a view or a service with the database per example.
FUZZ_DB = settings(FUZZ, max_examples=40)
