"""Marlin's line protocol: framing, checksums, replies, and the simulated board's resend rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware import marlin_protocol as marlin
from hardware.marlin_sim import MarlinSim


def answers(sim: MarlinSim, *lines: str) -> list[str]:
    """What the board prints to ``lines`` sent one at a time, each once the last is done (send-response)."""
    sim.read()
    for line in lines:
        sim.feed((line + "\n").encode())
        sim.run_until_idle()
    return sim.read().decode().splitlines()


@given(st.integers(0, 10**6), st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
def test_a_framed_line_unframes_to_itself_with_a_good_checksum(number, command):
    command = command.replace("*", "").strip()
    line = marlin.unframe(marlin.frame(number, command))
    assert (line.number, line.command, line.checksum_ok) == (number, command, True)


def test_the_checksum_is_the_xor_of_the_bytes_before_the_star():
    xor = ord("N") ^ ord("3") ^ ord(" ") ^ ord("M") ^ ord("1") ^ ord("0") ^ ord("5")
    assert marlin.frame(3, "M105") == f"N3 M105*{xor}"
    assert marlin.unframe("N3 M105*1").checksum_ok is False
    assert marlin.unframe("G1 X5").checksum_ok is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok", marlin.Ok("ok")),
        ("ok N12 P15 B3", marlin.Ok("ok N12 P15 B3")),
        ("Resend: 24", marlin.Resend(24)),
        ("rs N7", marlin.Resend(7)),
        ("echo:busy: processing", marlin.Busy("processing")),
        ("busy: paused for user", marlin.Busy("paused for user")),
        ("Error:checksum mismatch, Last Line: 23", marlin.Error("checksum mismatch, Last Line: 23")),
        ("start", marlin.Start()),
        ("X:10.00 Y:5.00 Z:0.00 E:0.00 Count X:800 Y:400 Z:0", marlin.Position(10.0, 5.0, 0.0)),
        ('echo:Unknown command: "G99"', marlin.Echo('Unknown command: "G99"')),
        ("\x8f\x02garbage", marlin.Other("\x8f\x02garbage")),
    ],
)
def test_replies_are_routed_by_prefix(text, expected):
    assert marlin.parse_reply(text) == expected


def test_transmission_errors_are_told_from_faults():
    assert marlin.Error("Line Number is not Last Line Number+1, Last Line: 4").transmission
    assert not marlin.Error("Printer halted. kill() called!").transmission
    assert marlin.Busy("paused for user").paused and not marlin.Busy("processing").paused


def test_the_board_boots_with_start_and_oks_each_command_once_run():
    sim = MarlinSim()
    assert sim.read().decode().splitlines()[0] == "start"
    assert answers(sim, "M110 N0", marlin.frame(1, "G1 X10 F600"), marlin.frame(2, "M400")) == ["ok"] * 3
    assert sim.now == pytest.approx(10 / 10 + 10 / 1000, rel=1e-6)  # 10 mm at 10 mm/s, 1000 mm/s² ramps


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (marlin.frame(2, "G1 X5 F600"), "Line Number is not Last Line Number+1"),
        ("N1 G1 X5 F600", "No Checksum with line number"),
        (marlin.frame(1, "G1 X5 F600")[:-1] + "0", "checksum mismatch"),
        ("G1 X5 F600*12", "No Line Number with checksum"),
    ],
)
def test_a_bad_line_is_refused_and_asked_for_again(line, error):
    sim = MarlinSim()
    assert answers(sim, "M110 N0", line) == ["ok", f"Error:{error}, Last Line: 0", "Resend: 1", "ok"]
    assert sim.position[0] == 0 and sim.resends == 1


def test_m110_renumbers_and_unknown_commands_are_echoed_then_oked():
    sim = MarlinSim()
    assert answers(sim, "M110 N41", marlin.frame(42, "G99")) == ["ok", 'echo:Unknown command: "G99"', "ok"]
    assert sim.last_line == 42


def test_m114_reports_the_position_and_m280_moves_the_pen_at_once():
    sim = MarlinSim()
    replies = answers(sim, "G1 X12.5 Y7 F3000", "M400", "M114", "M280 P0 S30")
    assert replies[2].startswith("X:12.50 Y:7.00 Z:0.00")
    sim.feed(b"G1 X20 F600\nM280 P0 S90\n")  # no M400 between: the pen lifts before the move is done
    sim.run_until_idle()
    assert len(sim.traces) == 1 and sim.traces[0][-1][0] < 13


def test_a_blocking_command_sends_keep_alives_every_two_seconds():
    sim = MarlinSim()
    replies = answers(sim, "G4 S5")
    assert replies == ["echo:busy: processing", "echo:busy: processing", "ok"]


def test_lines_past_the_four_command_queue_are_lost():
    sim = MarlinSim()
    sim.feed(b"G4 S1\n" * 7)
    assert sim.lost_lines == 3  # four in the queue, the one running among them
