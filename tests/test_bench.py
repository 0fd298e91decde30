"""The benchmarks run end to end at a tiny scale (figures are printed, not asserted)."""

import pytest
from django.conf import settings

from bench import BENCHMARKS
from bench import __main__ as runner


def test_list_names_every_benchmark(capsys):
    assert runner.main(["--list"]) == 0
    listed = {line.split(":")[0] for line in capsys.readouterr().out.splitlines()}
    assert listed == set(BENCHMARKS) >= {"search", "calendar"}


@pytest.mark.parametrize(
    "name",
    ["search", "calendar", "dispatch", "departure", "availability", "enrolment", "contacts"],
)
def test_benchmark_builds_and_reports_figures(db, name):
    import importlib

    module = importlib.import_module(BENCHMARKS[name][0])
    scale = 3 if name == "availability" else 300  # practitioners there, rows elsewhere
    assert module.build(scale) is True
    assert module.build(scale) is False  # reused at the same scale
    figures = module.run(scale)
    assert figures
    for figure, value in figures.items():
        assert figure.replace("_", "").isalnum()
        assert str(value) != ""
    if name == "dispatch":
        # The fake Twilio is gone: later tests must not be left sending to it.
        assert settings.MESSAGING_PROVIDER == "database"
        assert figures["messages"] > 0
        assert figures["statuses"] == {"queued": figures["messages"]}
        # A tiny run is dominated by the per-batch queries; 10,000 give about 3 a message.
        assert float(figures["queries_per_message"]) < 8
    elif name == "availability":
        assert int(figures["queries"]) <= 8
        assert figures["days_with_free_times"] > 0
    elif name == "enrolment":
        # Every matching patient enrolled, and the first step queued each one's email.
        assert figures["enrolled"] == figures["patients"] > 0
        assert figures["messages_queued"] == figures["first_step_runs"] == figures["enrolled"]
        assert figures["enrolments_completed"] == figures["enrolled"]
    elif name == "contacts":
        assert figures["communications"] == 300
        assert figures["records"] > 0
        assert float(figures["ratio"]) > 0
    elif name == "departure":
        assert figures["actions_total"] > 0
        assert float(figures["ratio"]) > 0
    else:
        key = "queries_per_search" if name == "search" else "calendar_queries"
        assert int(figures[key]) <= 5
