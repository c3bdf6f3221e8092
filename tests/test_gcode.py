"""Plan → G-code: golden programs, stroke markers, bed placement, soft limits, fit, numbers, hostile names.

The golden programs live in ``tests/fixtures/gcode/``. After an intended change of the output,
regenerate them with ``PLOTTER_UPDATE_GOLDEN=1 pytest tests/test_gcode.py`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plotter import Pen, Plan
from plotter.gcode import format_moves, sanitize_comment, to_program, write_program
from plotter.kinematics import TwoLinkArm, _distance_to_segment
from plotter.machines import MachineError, load_machine, to_machine_xy
from plotter.machines.placement import to_plan_xy

GOLDEN = Path(__file__).parent / "fixtures" / "gcode"
GRBL_MACHINES = ["grbl-servo", "grbl-z", "arm"]
MOVE = re.compile(r"^G[01] ([XYZABC])(-?\d+(?:\.\d+)?) ([XYZABC])(-?\d+(?:\.\d+)?)(?: F(\d+(?:\.\d+)?))?$")
HOSTILE_NAMES = [
    "x)\nM3 S1000\n(",
    "; G0 X999",
    "(M5)",
    "pen\r\nG0 X-50",
    "é crayon rouge ✏️ 红笔",
    "stop?!~ $H %",
    "n" * 500,
    "\x00\x18\x85",
]


def tiny_plan() -> Plan:
    builder = Plan.builder("a5", {"generator": "test"})
    builder.add([(10, 10), (40, 10), (40, 30)], pen=Pen("black"))
    builder.add([(20.5, 20.25)], pen="black")
    builder.add_closed([(50, 50), (60, 50), (60, 60)], pen=Pen("red ink", "#cc0000"))
    return builder.build()


def plan_of(*paths, page="a5", pen="black") -> Plan:
    builder = Plan.builder(page)
    for path in paths:
        builder.add(path, pen=pen)
    return builder.build()


def moves(program) -> list[tuple[int, re.Match]]:
    return [(i, m) for i, line in enumerate(program.lines) if (m := MOVE.match(line))]


@pytest.mark.parametrize("name", ["grbl-servo", "grbl-z", "marlin"])
def test_tiny_plan_matches_the_golden_program(name):
    program = to_program(tiny_plan(), load_machine(name))
    golden = GOLDEN / f"tiny-{name}.gcode"
    if os.environ.get("PLOTTER_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        write_program(program, golden)
    assert golden.read_bytes() == program.text().encode("ascii")


@pytest.mark.parametrize("name", ["grbl-servo", "grbl-z", "marlin", "arm"])
def test_stroke_markers_map_every_drawing_line_to_its_stroke(name):
    machine = load_machine(name)
    program = to_program(tiny_plan(), machine)
    owners = np.array(program.stroke_of_line)
    assert len(owners) == len(program.lines) and program.stroke_count == 3
    for k in range(3):
        (where,) = np.nonzero(owners == k)
        assert np.all(np.diff(where) == 1)  # one contiguous block per stroke
        block = program.lines[where[0] : where[-1] + 1]
        assert block[0] in (f"(stroke {k})", f"; stroke {k}")
        assert block[1].startswith("G0 " if machine.gcode.travel_with_g0 else "G1 ")
        assert block[2 : 2 + len(machine.pen.down_lines)] == machine.pen.down_lines
        assert machine.pen.up_lines[0] in block[-1 - len(machine.pen.up_lines) :]
        pen_lines = {*machine.pen.up_lines, *machine.pen.down_lines}
        assert all(line in pen_lines or line.startswith(("G1 ", "G4 ")) for line in block[2:])
    # outside the strokes nothing draws: the pen never goes down there
    outside = [line for line, owner in zip(program.lines, owners, strict=True) if owner == -1]
    assert machine.pen.down_lines[-1] not in outside


def test_pen_change_parks_and_pauses_only_between_pens():
    program = to_program(tiny_plan(), load_machine("grbl-servo"))
    text = program.lines
    assert text.count("M0") == 1
    pause = text.index("M0")
    assert text[pause - 1] == "(change pen 2 of 2: red ink)" and text[pause - 2] == "G0 X0.000 Y0.000"
    assert text[6] == "(pen 1 of 2: black)"
    assert program.stroke_of_line[pause] == program.stroke_of_line[pause - 1] == -1
    assert text[-1] == "G0 X0.000 Y0.000"


def test_empty_layers_and_empty_plans_make_no_pen_change():
    plan = Plan((100.0, 100.0))
    program = to_program(plan, load_machine("grbl-servo"))
    assert program.stroke_count == 0 and set(program.stroke_of_line) == {-1}
    assert "M0" not in program.lines and "M3 S30" not in program.lines


@pytest.mark.parametrize(
    ("origin", "x_direction", "y_direction", "expected"),
    [
        ("top-left", "right", "down", [[10, 20], [300, 200]]),
        ("top-left", "right", "up", [[10, -20], [300, -200]]),
        ("bottom-left", "right", "up", [[10, 180], [300, 0]]),
        ("bottom-right", "left", "up", [[290, 180], [0, 0]]),
        ("top-right", "left", "down", [[290, 20], [0, 200]]),
        ("center", "right", "up", [[-140, 80], [150, -100]]),
    ],
)
def test_plan_maps_onto_the_bed_by_its_origin_and_axes(origin, x_direction, y_direction, expected):
    bed = dataclasses.replace(
        load_machine("grbl-servo").bed, origin=origin, x_direction=x_direction, y_direction=y_direction
    )
    np.testing.assert_allclose(to_machine_xy(np.array([[10.0, 20.0], [300.0, 200.0]]), bed), expected)


@given(st.lists(st.tuples(st.floats(0, 300), st.floats(0, 200)), min_size=1, max_size=20))
def test_machine_coordinates_map_back_to_the_plan(points):
    for origin in ("top-left", "bottom-left", "top-right", "bottom-right", "center"):
        bed = dataclasses.replace(load_machine("grbl-servo").bed, origin=origin, x_direction="left")
        np.testing.assert_allclose(to_plan_xy(to_machine_xy(np.array(points), bed), bed), points, atol=1e-9)


def test_placement_depends_on_the_bed_not_on_the_drawing_bounds():
    """vpype-gcode's invert_y mirrored about the drawing, so adding a stroke moved the others."""
    machine = load_machine("grbl-servo")
    alone = to_program(plan_of([(10, 10), (20, 10)]), machine)
    with_more = to_program(plan_of([(10, 10), (20, 10)], [(100, 150), (120, 190)]), machine)
    first = [line for line in alone.lines if line.startswith("G0 X1")]
    assert first == ["G0 X10.000 Y190.000"] and first[0] in with_more.lines


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ([(10, 10), (312.3, 10)], r"by 12\.3 mm on the right;"),
        ([(-2, 10), (50, 10)], r"by 2 mm on the left;"),
        ([(10, -0.5), (10, 205)], r"by 0\.5 mm at the top, 5 mm at the bottom;"),
    ],
)
def test_a_plan_off_the_bed_is_refused_with_the_overflow(path, message):
    with pytest.raises(MachineError, match=r"plan exceeds the bed of grbl-servo \(300 x 200 mm\) " + message):
        to_program(plan_of(path, page="a3"), load_machine("grbl-servo"))


def test_a_page_larger_than_the_bed_is_fine_when_the_drawing_fits():
    program = to_program(plan_of([(0, 0), (300, 200)], page="a3"), load_machine("grbl-servo"))
    assert "G1 X300.000 Y0.000 F3000" in program.lines


def test_fit_scales_and_centres_the_drawing_onto_the_bed():
    plan = plan_of([(0, 0), (400, 0), (400, 100)], page="a2")
    program = to_program(plan, load_machine("grbl-servo"), fit=True)
    xy = np.array([[float(m[2]), float(m[4])] for _, m in moves(program) if m[1] == "X"])
    drawn = xy[:-1]  # the last move parks
    np.testing.assert_allclose(drawn.min(axis=0), [10.0, 65.0])  # 10 mm margins, 280 x 70 centred
    np.testing.assert_allclose(drawn.max(axis=0), [290.0, 135.0])


@pytest.mark.parametrize("decimals", [0, 1, 3, 5])
def test_numbers_have_fixed_decimals_no_exponent_no_negative_zero(decimals):
    machine = load_machine("grbl-z")
    machine = dataclasses.replace(machine, gcode=dataclasses.replace(machine.gcode, decimals=decimals))
    plan = plan_of([(1e-9, 2e-7), (1 / 3, 2 / 3), (419.99999999, 296.5), (1e-12, 1e-12)], page="a3-landscape")
    program = to_program(plan, machine)
    number = r"\d+" + (rf"\.\d{{{decimals}}}" if decimals else "")
    lines = [line for line in program.lines if line.startswith(("G0 X", "G1 X"))]
    assert len(lines) == 5  # travel, three draws, park
    for line in lines:
        match = MOVE.match(line)
        assert match, line
        for value in (match[2], match[4]):
            assert re.fullmatch(number, value.removeprefix("-")) and not re.fullmatch(r"-0(\.0*)?", value)
    assert lines[0] == f"G0 X{0:.{decimals}f} Y{0:.{decimals}f}"


def test_format_moves_never_writes_negative_zero_or_exponents():
    values = np.array([[-0.0, -1e-9], [-0.0004, 1e7], [2.5e-5, -123.4567]])
    assert format_moves(values, 3) == ["X0.000 Y0.000", "X0.000 Y10000000.000", "X0.000 Y-123.457"]
    assert format_moves(values[:1], 2, ("A", "B"), np.array([1499.96])) == ["A0.00 B0.00 F1500.0"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("machine", ["grbl-servo", "marlin"])
def test_hostile_layer_names_reach_the_program_only_as_safe_comments(name, machine):
    plan = Plan.builder("a5")
    plan.add([(10, 10), (20, 20)], pen=Pen("first"))
    plan.add([(30, 30), (40, 40)], pen=Pen(name))
    profile = load_machine(machine)
    program = to_program(plan.build(), profile)
    program.text().encode("ascii")  # nothing outside ASCII
    benign = Plan.builder("a5")
    benign.add([(10, 10), (20, 20)], pen=Pen("first"))
    benign.add([(30, 30), (40, 40)], pen=Pen("second"))
    expected = to_program(benign.build(), profile)

    def commands(p):
        return [line for line in p.lines if not line.startswith(("(", ";"))]

    assert commands(program) == commands(expected)
    for line in program.lines:
        assert "\n" not in line and "\r" not in line and len(line) <= profile.gcode.max_line_chars
        assert not set(line) & set("?!~$%*")
        if line.startswith("("):
            assert line.endswith(")") and not set(line[1:-1]) & set("();")
        elif line.startswith(";"):
            assert not set(line[1:]) & set("();")
        else:
            assert "(" not in line and ";" not in line


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("x)\nM3 S1000\n(", 60, "x_ M3 S1000 _"),
        ("; G0 X999", 60, "_ G0 X999"),
        ("Crème brûlée", 60, "Creme brulee"),
        ("红笔", 60, "__"),
        ("a" * 500, 10, "aaaaaaa..."),
        ("  tabs\tand\r\nnewlines  ", 60, "tabs and newlines"),
    ],
)
def test_sanitize_comment_table(text, limit, expected):
    assert sanitize_comment(text, limit) == expected


@pytest.mark.parametrize("name", GRBL_MACHINES)
def test_grbl_lines_stay_within_80_characters(name):
    machine = load_machine(name)
    plan = Plan.builder((machine.bed.width_mm, machine.bed.height_mm))
    plan.add([(0, 0), (machine.bed.width_mm, machine.bed.height_mm)], pen=Pen("n" * 500))
    plan.add([(1 / 3, 2 / 3), (machine.bed.width_mm / 2, 1e-3)], pen=Pen("ü" * 300))
    program = to_program(plan.build(), machine)
    assert max(len(line) for line in program.lines) <= 80


def test_an_ebb_machine_is_refused_with_a_clear_message():
    with pytest.raises(MachineError, match=r"'axidraw' speaks EBB .* not G-code"):
        to_program(tiny_plan(), load_machine("axidraw"))


def test_g1_travel_and_millisecond_dwells_follow_the_dialect():
    lines = to_program(tiny_plan(), load_machine("marlin")).lines
    assert "G1 X10.000 Y210.000 F6000" in lines and not any(line.startswith("G0") for line in lines)
    assert "G4 P150" in lines and lines[-1] == "M84"


def test_write_program_writes_exact_bytes_atomically(tmp_path):
    machine = load_machine("grbl-servo")
    machine = dataclasses.replace(machine, gcode=dataclasses.replace(machine.gcode, line_ending="crlf"))
    program = to_program(tiny_plan(), machine)
    target = tmp_path / "out.gcode"
    write_program(program, target)
    data = target.read_bytes()
    assert data.endswith(b"\r\n") and data.count(b"\r\n") == len(program.lines) and b"\r\r" not in data
    assert [p.name for p in tmp_path.iterdir()] == ["out.gcode"]


def arm_model(machine) -> TwoLinkArm:
    arm = machine.arm
    limits = (arm.shoulder_limits_deg, arm.elbow_limits_deg)
    return TwoLinkArm(arm.link1_mm, arm.link2_mm, arm.base_xy_mm, limits, arm.elbow)


def test_arm_program_draws_straight_lines_within_tolerance():
    machine = load_machine("arm")
    square = [(20, 20), (260, 20), (260, 160), (20, 160), (20, 20)]
    program = to_program(plan_of(square, page=(280, 180)), machine)
    model = arm_model(machine)
    joints = np.array([[float(m[2]), float(m[4])] for i, m in moves(program) if program.stroke_of_line[i] == 0])
    assert len(joints) > 10  # the travel and the draws of stroke 0, in order
    t = np.linspace(0, 1, 41)[None, :, None]
    tips = model.forward((joints[:-1, None, :] + t * np.diff(joints, axis=0)[:, None, :]).reshape(-1, 2))
    corners = to_machine_xy(np.array(square, dtype=float), machine.bed)
    deviation = np.min(
        [_distance_to_segment(tips, a, b) for a, b in zip(corners[:-1], corners[1:], strict=True)], axis=0
    )
    assert deviation.max() <= machine.arm.tolerance_mm + 0.01  # + what 3-decimal angles add at 320 mm reach
    feeds = [float(m[5]) for i, m in moves(program) if m[5] and program.stroke_of_line[i] == 0]
    assert len(feeds) == len(joints) - 1
    # the feed, in degrees per minute, makes each move last as long as its tip path at the draw feed
    minutes = np.hypot(*np.diff(joints, axis=0).T) / np.array(feeds)
    tip_mm = np.hypot(*np.diff(model.forward(joints), axis=0).T)
    np.testing.assert_allclose(tip_mm / minutes, machine.motion.draw_feed_mm_min, rtol=2e-3)


def test_arm_refuses_an_unreachable_point_with_its_plan_coordinates():
    machine = load_machine("arm")
    far = dataclasses.replace(machine, arm=dataclasses.replace(machine.arm, link1_mm=100.0, link2_mm=100.0))
    with pytest.raises(MachineError, match=r"stroke 0: plan point \(0.000, 0.000\) mm is out of reach of arm: too far"):
        to_program(plan_of([(0, 0), (10, 0)], page=(280, 180)), far)
