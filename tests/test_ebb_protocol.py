"""EBB commands and replies, and the send-response streamer against canned replies: no board, no sleeps."""

from __future__ import annotations

import pytest
import serial

from hardware import ebb_protocol as ebb
from hardware.ebb_streamer import EbbStreamer
from hardware.grbl_protocol import DeviceError
from hardware.streamer import Acked, RecoveryFailed


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("OK", ebb.Ok()),
        ("  OK ", ebb.Ok()),
        ("!8 Err: Unknown command 'XX'", ebb.Fault(8, "Unknown command 'XX'")),
        ("!0 Err: <axis1> step rate > 25K steps/second.", ebb.Fault(0, "<axis1> step rate > 25K steps/second.")),
        ("!bad", ebb.Fault(None, "bad")),
        ("QM,0,0,0,0", ebb.Data("QM,0,0,0,0")),
        ("EBBv13_and_above EB Firmware Version 2.7.0", ebb.Data("EBBv13_and_above EB Firmware Version 2.7.0")),
    ],
)
def test_reply_lines_parse_by_their_first_characters(line, reply):
    assert ebb.parse_reply(line) == reply


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("QM,0,0,0,0", ebb.MotionStatus(False, False, False, False)),
        ("QM,1,1,0,1", ebb.MotionStatus(True, True, False, True)),
        ("QM,1,0,0", ebb.MotionStatus(True, False, False, False)),  # firmware < 2.4.4: no FIFO flag
    ],
)
def test_qm_replies_give_the_motion_flags(text, status):
    assert ebb.parse_motion(text) == status
    assert status.busy == ("1" in text.split(",")[1:])


@pytest.mark.parametrize("text", ["OK", "QM,1", "QM,a,0,0,0", "QS,0,0,0,0"])
def test_anything_else_is_not_a_qm_reply(text):
    with pytest.raises(ValueError, match="not a QM reply"):
        ebb.parse_motion(text)


def test_replies_split_on_either_line_ending_and_keep_the_unfinished_rest():
    assert ebb.split_lines(b"1\n\rOK\r\nQM,0,0,0,0\n\rO") == (["1", "OK", "QM,0,0,0,0"], b"O")
    assert ebb.split_lines(b"OK") == ([], b"OK")


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("SM,25,19,-19", ebb.Command("SM", (25, 19, -19))),
        ("sp,1,130", ebb.Command("SP", (1, 130))),
        ("EM,1,1", ebb.Command("EM", (1, 1))),
        ("V", ebb.Command("V", ())),
        ("QM", ebb.Command("QM", ())),
        ("HM,4000", ebb.Command("HM", (4000,))),
    ],
)
def test_commands_parse_into_names_and_integers(text, command):
    assert ebb.parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("XX,1", 8, "Unknown command 'XX,1'"),
        ("G1 X5", 8, "Unknown command"),
        ("SM,25,19", 1, "SM takes 3 parameters, got 2"),
        ("SP", 1, "SP takes 1 to 3 parameters, got 0"),
        ("SM,25,1.5,0", 2, "'1.5' is not an integer"),
        ("SC,4,", 2, "'' is not an integer"),
    ],
)
def test_malformed_commands_are_refused_with_the_boards_codes(text, code, message):
    with pytest.raises(ebb.CommandError, match=message) as caught:
        ebb.parse_command(text)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("command", "seconds"),
    [("SM,25,1,1", 0.025), ("SP,1,130", 0.13), ("SP,0", 0.0), ("HM,4000", 0.0), ("QM", 0.0)],
)
def test_commands_say_how_long_they_keep_the_fifo(command, seconds):
    assert ebb.command_seconds(command) == seconds


def test_formatters_spell_commands_as_the_board_reads_them():
    assert [ebb.sm(25, 19, -19), ebb.sp(True, 130), ebb.sp(False), ebb.em(1, 1), ebb.sc(4, 20641), ebb.hm(4000)] == [
        "SM,25,19,-19", "SP,1,130", "SP,0", "EM,1,1", "SC,4,20641", "HM,4000"]
    assert ebb.encode("QM") == b"QM\r"


class CannedPort:
    """A port that answers each command with canned bytes, on a clock that moves only while reading."""

    def __init__(self, answers: dict[str, list[bytes]], default: bytes = b"OK\r\n") -> None:
        self.answers = {key: list(value) for key, value in answers.items()}
        self.default = default
        self.timeout: float | None = 0.1
        self.now = 0.0
        self.sent: list[str] = []
        self.unplugged_after: int | None = None
        self._out = bytearray()

    def clock(self) -> float:
        return self.now

    def write(self, data: bytes) -> int:
        if self.unplugged_after is not None and len(self.sent) >= self.unplugged_after:
            raise serial.SerialException("device disconnected")
        command = data.decode().rstrip("\r")
        self.sent.append(command)
        queue = self.answers.get(command.partition(",")[0]) or self.answers.get(command)
        self._out += queue.pop(0) if queue else self.default
        return len(data)

    @property
    def in_waiting(self) -> int:
        return len(self._out)

    def read(self, size: int = 1) -> bytes:
        if not self._out:
            self.now += self.timeout or 0.0
        out = bytes(self._out[:size])
        del self._out[:size]
        return out


def test_queries_return_their_data_line_and_commands_none():
    port = CannedPort({"QP": [b"1\r\nOK\r\n"], "V": [b"EBBv13_and_above EB Firmware Version 2.7.0\r\n"]})
    streamer = EbbStreamer(port)
    assert streamer.connect().endswith("2.7.0")
    assert streamer.command("QP") == "1"
    assert streamer.command("SM,25,10,10") is None


def test_line_noise_before_the_ok_is_skipped():
    port = CannedPort({"SM": [b"\x00garbage\r\n\n\rOK\r\n"]})
    events = []
    EbbStreamer(port, on_event=events.append).command("SM,25,10,10")
    assert ebb.Data("\x00garbage") in events and ebb.Ok() in events


def test_stream_waits_at_qm_until_idle_and_tags_every_command():
    port = CannedPort({"V": [b"V 2.7.0\r\n"], "QM": [b"QM,1,1,1,1\n\r", b"QM,1,0,1,0\n\r", b"QM,0,0,0,0\n\r"]})
    events = []
    summary = EbbStreamer(port, on_event=events.append).stream([("SP,0,100", "a"), ("SM,25,1,1", "b"), ("QM", "c")])
    assert port.sent == ["V", "SP,0,100", "SM,25,1,1", "QM", "QM", "QM"]
    assert [(e.index, e.tag) for e in events if isinstance(e, Acked)] == [(0, "a"), (1, "b"), (2, "c")]
    assert summary.lines == 3 and summary.max_in_flight == len("SM,25,1,1\r")  # send-response: one command in flight


def test_a_refused_command_raises_with_the_boards_message_and_lifts_the_pen():
    port = CannedPort({"V": [b"V 2.7.0\r\n"], "SM": [b"!0 Err: <axis1> step rate > 25K steps/second.\r\n"]})
    with pytest.raises(DeviceError, match=r"refused 'SM,1,99999,0': !0 <axis1> step rate > 25K .*at command 2"):
        EbbStreamer(port).stream([("SP,0", None), ("SM,1,99999,0", None), ("SP,1", None)])
    assert port.sent[-1] == "SP,1" and port.sent.count("SP,1") == 1


def test_a_reply_that_never_comes_times_out_on_the_port_clock_and_says_so():
    port = CannedPort({"V": [b"V 2.7.0\r\n"], "SM": [b""]})
    events = []
    with pytest.raises(DeviceError, match=r"no reply from the EBB to 'SM,25,3,3' in time"):
        EbbStreamer(port, reply_timeout_s=2.0, on_event=events.append).stream([("SM,25,3,3", None)])
    assert 2.0 <= port.now < 3.0 and port.sent[-1] == "SP,1"


def test_a_board_that_never_answers_is_not_taken_for_an_ebb():
    with pytest.raises(DeviceError, match="no EiBotBoard answer .* is it an AxiDraw"):
        EbbStreamer(CannedPort({}, default=b""), reply_timeout_s=1.0).connect()


def test_a_vanished_port_is_a_lost_connection_and_nothing_more_is_sent():
    port = CannedPort({"V": [b"V 2.7.0\r\n"]})
    port.unplugged_after = 2
    events = []
    with pytest.raises(DeviceError, match="lost connection to the EBB"):
        EbbStreamer(port, on_event=events.append).stream([("SM,25,1,1", None)] * 5)
    assert len(port.sent) == 2 and not any(isinstance(e, RecoveryFailed) for e in events)


def test_failing_to_lift_the_pen_is_reported_not_raised_over_the_first_error():
    port = CannedPort({"V": [b"V 2.7.0\r\n"], "SM": [b"!8 Err: nope\r\n"], "SP": [b"!8 Err: no pen\r\n"]})
    events = []
    with pytest.raises(DeviceError, match="nope"):
        EbbStreamer(port, on_event=events.append).stream([("SM,25,1,1", None)])
    assert [e.reason for e in events if isinstance(e, RecoveryFailed)] == ["the EBB refused 'SP,1': !8 no pen"]
