"""GRBL output lines → events, checked against replies observed from GRBL 1.1h (grbl.md §5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.grbl_protocol import (
    ALARM_MEANINGS,
    ERROR_MEANINGS,
    Alarm,
    Banner,
    DeviceError,
    Error,
    Feedback,
    Message,
    Ok,
    Setting,
    Status,
    StatusParser,
    Unknown,
    parse_line,
)
from plotter.errors import PlotterError

GOLDEN = [
    ("ok", Ok()),
    ("ok\r", Ok()),
    ("error:22", Error(22, "undefined feed rate")),
    ("error:9", Error(9, "G-code locked (alarm or jog)")),
    ("error:99", Error(99, "unknown error")),
    ("ALARM:2", Alarm(2, "soft limit: target beyond machine travel")),
    ("ALARM:3", Alarm(3, "reset during motion, position lost")),
    ("Grbl 1.1h ['$' for help]", Banner("1.1h")),
    ("[MSG:Reset to continue]", Message("Reset to continue")),
    ("[MSG:'$H'|'$X' to unlock]", Message("'$H'|'$X' to unlock")),
    ("[GC:G0 G54 G17 G21 G90 G94 M5 M9 T0 F0 S0]", Feedback("GC", "G0 G54 G17 G21 G90 G94 M5 M9 T0 F0 S0")),
    ("[VER:1.1h.20190830:]", Feedback("VER", "1.1h.20190830:")),
    ("[OPT:V,15,128]", Feedback("OPT", "V,15,128")),
    ("[G54:0.000,0.000,0.000]", Feedback("G54", "0.000,0.000,0.000")),
    ("$11=0.010", Setting("$11", "0.010")),
    ("$N0=", Setting("$N0", "")),
    ("Grbl", Unknown("Grbl")),
    ("\x00\xff garbage", Unknown("\x00\xff garbage")),
    ("error:x", Unknown("error:x")),
    ("<Idle|MPos:a,b>", Unknown("<Idle|MPos:a,b>")),
]


@pytest.mark.parametrize(("line", "event"), GOLDEN)
def test_parse_line_routes_each_reply_by_prefix(line, event):
    assert parse_line(line) == event


STATUS_GOLDEN = [
    (
        "<Idle|MPos:0.000,0.000,0.000|FS:0,0|WCO:0.000,0.000,0.000>",
        Status("Idle", (0.0, 0.0, 0.0), None, wco=(0.0, 0.0, 0.0), feed=0.0, spindle=0.0),
    ),
    (
        "<Run|MPos:10.284,10.000,0.000|FS:168,1000|Ov:100,100,100|A:S>",
        Status("Run", (10.284, 10.0, 0.0), None, feed=168.0, spindle=1000.0, overrides=(100, 100, 100),
               accessories="S"),
    ),
    (
        "<Hold:0|MPos:18.632,9.316,-1.000|FS:0,0>",
        Status("Hold:0", (18.632, 9.316, -1.0), None, feed=0.0, spindle=0.0),
    ),
    (
        "<Idle|WPos:1.000,2.000,3.000|Bf:15,128|Ln:7|F:500|Pn:XZ>",
        Status("Idle", None, (1.0, 2.0, 3.0), buffer=(15, 128), line_number=7, feed=500.0, pins="XZ"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("line", "status"), STATUS_GOLDEN)
def test_status_reports_parse_every_field(line, status):
    assert parse_line(line) == status


def test_status_state_splits_into_name_and_substate():
    status = parse_line("<Hold:1|MPos:0,0,0|FS:0,0>")
    assert (status.name, status.substate) == ("Hold", "1")


def test_status_parser_caches_wco_to_derive_the_missing_position():
    parser = StatusParser()
    assert parser.parse("<Idle|WPos:5.000,0.000,0.000|FS:0,0>").mpos is None  # no WCO seen yet
    first = parser.parse("<Idle|MPos:0.000,0.000,0.000|FS:0,0|WCO:-5.000,0.000,0.000>")
    later = parser.parse("<Run|MPos:1.000,2.000,0.000|FS:100,0>")
    work = parser.parse("<Run|WPos:6.000,2.000,0.000|FS:100,0>")
    assert first.wpos == (5.0, 0.0, 0.0)
    assert later.wco == (-5.0, 0.0, 0.0) and later.wpos == (6.0, 2.0, 0.0)
    assert work.mpos == (1.0, 2.0, 0.0)


def test_status_parser_keeps_the_last_overrides():
    parser = StatusParser()
    parser.parse("<Idle|MPos:0,0,0|FS:0,0|Ov:120,100,100>")
    assert parser.parse("<Idle|MPos:0,0,0|FS:0,0>").overrides == (120, 100, 100)


def test_code_tables_cover_grbl_1_1():
    assert sorted(ERROR_MEANINGS) == [*range(1, 18), *range(20, 39)]
    assert sorted(ALARM_MEANINGS) == list(range(1, 11))


def test_device_error_is_a_plotter_error():
    assert issubclass(DeviceError, PlotterError)


@given(st.text(max_size=60))
def test_parse_line_never_raises_on_noise(text):
    parse_line(text)
    StatusParser().parse("<" + text + ">")
