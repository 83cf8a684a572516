"""A stop signal waits while a finished report is written and recorded (signals_held)."""

import os
import signal

import pytest

from readiness_analysis.build.interrupt import BuildInterrupted, signals_held, stop_on_signals


def test_a_signal_in_a_held_block_stops_the_build_when_the_block_is_done():
    steps = []
    with stop_on_signals(), pytest.raises(BuildInterrupted) as stopped:
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            steps.append("page written")
            steps.append("result recorded")
        steps.append("next report")  # never reached
    assert steps == ["page written", "result recorded"]
    assert stopped.value.exit_code == 143


def test_a_held_signal_is_not_lost_when_the_block_fails():
    with stop_on_signals(), pytest.raises(BuildInterrupted) as stopped, signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        raise OSError("disk full")
    assert isinstance(stopped.value.__context__, OSError)


def test_without_a_signal_a_held_block_runs_as_usual_and_leaves_nothing_pending():
    with stop_on_signals():
        with signals_held():
            pass
        with pytest.raises(BuildInterrupted):  # an unheld signal stops at once, as before
            os.kill(os.getpid(), signal.SIGINT)


def test_outside_a_build_a_held_block_changes_nothing():
    with signals_held():
        value = 1
    assert value == 1
