"""Machine profiles: built-ins load and round-trip, user files inherit, every mistake is named."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

from plotter.machines import ENV_VAR, Machine, ProfileError, list_machines, load_machine
from plotter.motion import MotionSettings

BUILTINS = ["arm", "axidraw", "grbl-servo", "grbl-z", "marlin"]

MINIMAL = """
name = "tiny"
[bed]
width_mm = 100
height_mm = 80
[motion]
draw_feed_mm_min = 1000
travel_feed_mm_min = 2000
accel_mm_s2 = 300
[pen]
up_lines = ["M5"]
down_lines = ["M3 S40"]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_loads_and_round_trips_through_toml(name, tmp_path):
    machine = load_machine(name)
    assert machine.name == name and Path(machine.source).stem == name
    again = load_machine(write(tmp_path, "copy.toml", machine.to_toml()))
    assert again == machine
    assert Machine.from_table(tomllib.loads(machine.to_toml()), "text") == machine


def test_list_machines_offers_every_builtin_with_a_description():
    machines = list_machines()
    assert [m.name for m in machines] == BUILTINS
    assert all(m.description for m in machines)


def test_protocol_sections_are_filled_in_or_absent():
    servo, axidraw, arm = load_machine("grbl-servo"), load_machine("axidraw"), load_machine("arm")
    assert servo.gcode.max_line_chars == 80 and servo.gcode.streaming == "character-counting"
    assert load_machine("marlin").gcode.streaming == "send-response"
    assert axidraw.gcode is None and axidraw.tool_change is None and axidraw.ebb.speed_pendown_pct == 25
    assert (axidraw.bed.width_mm, axidraw.bed.height_mm) == (300, 218)
    assert servo.arm is None and arm.arm.link1_mm == 160 and arm.kinematics == "arm"


def test_motion_settings_come_from_the_profile():
    settings = load_machine("grbl-servo").motion_settings()
    # the machine's origin (bottom-left of a 200 mm tall bed) is where the pen starts and parks
    assert settings == MotionSettings(3000.0, 6000.0, 500.0, 0.01, 0.2, 0.2, start_xy_mm=(0.0, 200.0),
                                      end_xy_mm=(0.0, 200.0))


def test_the_minimal_profile_gets_grbl_defaults(tmp_path):
    machine = load_machine(write(tmp_path, "tiny.toml", MINIMAL))
    assert machine.bed.origin == "bottom-left" and machine.gcode.decimals == 3
    assert machine.tool_change.pause_lines == ("M0",)
    assert machine.motion.junction_deviation_mm == 0.01


BAD_PROFILES = [
    ("misspelt key", MINIMAL.replace("accel_mm_s2", "accel_mm_s"), r"unknown key 'motion.accel_mm_s' \(did you mean"),
    ("unknown section", MINIMAL + "[pens]\nup = 1\n", r"unknown key 'pens'"),
    ("unknown top key", 'colour = "red"\n' + MINIMAL, r"unknown key 'colour'"),
    (
        "wrong type",
        MINIMAL.replace("width_mm = 100", 'width_mm = "100mm"'),
        r"bed.width_mm = \"100mm\": expected a finite",
    ),
    (
        "bool for number",
        MINIMAL.replace("width_mm = 100", "width_mm = true"),
        r"bed.width_mm = true: expected a finite",
    ),
    ("missing key", MINIMAL.replace("height_mm = 80", ""), r"missing required key 'bed.height_mm'"),
    ("missing name", MINIMAL.replace('name = "tiny"', ""), r"missing required key 'name'"),
    ("missing section", MINIMAL.split("[motion]")[0], r"missing required key 'motion'"),
    ("not a table", MINIMAL.replace("[bed]\nwidth_mm = 100\nheight_mm = 80", "bed = 5"), r"bed: expected a table"),
    ("negative", MINIMAL.replace("accel_mm_s2 = 300", "accel_mm_s2 = -3"), r"motion.accel_mm_s2 = -3: expected a pos"),
    ("bad choice", MINIMAL + '[gcode]\ncomment_style = "hash"\n', r"gcode.comment_style = \"hash\": expected one of"),
    ("list item type", MINIMAL.replace('["M5"]', '["M5", 3]'), r"pen.up_lines\[1\] = 3: expected a string"),
    ("realtime byte", MINIMAL.replace('["M5"]', '["M5 ?"]'), r"pen.up_lines = .*without '\?'"),
    ("newline in line", MINIMAL.replace('["M5"]', '["M5\\nM3"]'), r"pen.up_lines = .*printable ASCII"),
    (
        "long line",
        MINIMAL.replace('["M5"]', '["M5 ' + "X1" * 60 + '"]'),
        r"pen.up_lines: line .* longer than gcode.max_line_chars = 80",
    ),
    ("no pen lines", MINIMAL.replace('up_lines = ["M5"]', ""), r"needs pen.up_lines and pen.down_lines"),
    ("ebb on gcode", MINIMAL + "[ebb]\naccel_pct = 5\n", r"\[ebb\] does not apply to protocol = 'gcode'"),
    ("arm w/o kinematics", MINIMAL + "[arm]\nlink1_mm = 5\n", r"\[arm\] needs kinematics = \"arm\""),
    (
        "arm w/o links",
        'kinematics = "arm"\n' + MINIMAL + "[arm]\nlink1_mm = 5\n",
        r"missing required key 'arm.link2_mm'",
    ),
    ("bad name", MINIMAL.replace('"tiny"', '"my plotter!"'), r"name = \"my plotter!\": expected a name"),
    ("bad toml", MINIMAL + "[bed\n", r"not valid TOML"),
    ("pair length", MINIMAL.replace("height_mm = 80", "height_mm = 80\npark_xy_mm = [1]"), r"bed.park_xy_mm = \[1\]"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_PROFILES, ids=[c for c, _, _ in BAD_PROFILES])
def test_a_bad_profile_is_refused_naming_file_and_key(case, text, message, tmp_path):
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ProfileError, match=message) as caught:
        load_machine(path)
    assert str(caught.value).startswith(str(path))


def test_arm_profile_checks_its_axes_and_travel(tmp_path):
    arm = load_machine("arm").to_toml()
    same_axes = arm.replace('elbow_axis = "Y"', 'elbow_axis = "X"')
    with pytest.raises(ProfileError, match="shoulder_axis and arm.elbow_axis are both 'X'"):
        load_machine(write(tmp_path, "a.toml", same_axes))
    with pytest.raises(ProfileError, match="travel_with_g0 must be true"):
        load_machine(write(tmp_path, "b.toml", arm.replace("travel_with_g0 = true", "travel_with_g0 = false")))
    with pytest.raises(ProfileError, match=r"arm.elbow_limits_deg = \[10.0, 5.0\]: expected \[lo, hi\]"):
        load_machine(write(tmp_path, "c.toml", arm.replace("[-160.0, 160.0]", "[10.0, 5.0]")))


def test_unknown_machine_lists_the_available_ones():
    with pytest.raises(ProfileError, match=r"unknown machine 'grbl-sevro'; available: arm, axidraw, grbl-servo"):
        load_machine("grbl-sevro")


def test_a_missing_profile_file_is_named():
    with pytest.raises(ProfileError, match=r"no machine profile file '.*nowhere.toml'"):
        load_machine("/nowhere/nowhere.toml")


def test_a_user_profile_inherits_from_its_base_and_overrides_keys(tmp_path):
    path = write(
        tmp_path,
        "slow.toml",
        """
        base = "grbl-servo"
        name = "slow"
        [motion]
        draw_feed_mm_min = 1200
        [pen]
        down_lines = ["M3 S45"]
        """,
    )
    machine, base = load_machine(path), load_machine("grbl-servo")
    assert machine.name == "slow" and machine.motion.draw_feed_mm_min == 1200.0
    assert machine.motion.travel_feed_mm_min == base.motion.travel_feed_mm_min
    assert machine.pen.down_lines == ("M3 S45",) and machine.pen.up_lines == base.pen.up_lines
    assert machine.bed == base.bed and machine.gcode == base.gcode


def test_a_mistake_in_an_inheriting_profile_names_the_file_and_base(tmp_path):
    path = write(tmp_path, "slow.toml", 'base = "grbl-servo"\nname = "slow"\n[motion]\ndraw_feed = 1200\n')
    with pytest.raises(ProfileError, match=r"slow.toml \(base grbl-servo\): unknown key 'motion.draw_feed'"):
        load_machine(path)


def test_search_path_and_environment_folders_are_searched_before_builtins(tmp_path, monkeypatch):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    mine.mkdir(), theirs.mkdir()
    # a user's grbl-servo shadows the built-in yet may inherit from it
    write(mine, "grbl-servo.toml", 'base = "grbl-servo"\nname = "grbl-servo"\n[bed]\nwidth_mm = 250\n')
    write(theirs, "desk.toml", MINIMAL.replace('"tiny"', '"desk"'))
    monkeypatch.setenv(ENV_VAR, str(theirs))
    assert load_machine("grbl-servo", search_path=[mine]).bed.width_mm == 250.0
    assert load_machine("grbl-servo").bed.width_mm == 300.0
    assert load_machine("desk").bed.width_mm == 100.0
    assert [m.name for m in list_machines(mine)] == sorted([*BUILTINS, "desk"])
    assert next(m for m in list_machines(mine) if m.name == "grbl-servo").bed.width_mm == 250.0


def test_an_inheritance_cycle_is_an_error(tmp_path):
    write(tmp_path, "a.toml", 'base = "b"\n' + MINIMAL)
    write(tmp_path, "b.toml", 'base = "a"\n' + MINIMAL)
    with pytest.raises(ProfileError, match="unknown machine 'a'"):
        load_machine("a", search_path=tmp_path)


def test_a_z_pen_profile_plans_its_pen_as_z_moves_and_a_servo_pen_as_dwells():
    """G1 Z0 F500 / G0 Z5 on grbl-z: 5 mm each way at the Z axis's rate and acceleration ($112, $122)."""
    z = load_machine("grbl-z").motion_settings()
    assert (z.pen_z_mm, z.pen_down_z_feed_mm_min, z.pen_up_z_feed_mm_min, z.z_accel_mm_s2) == (5, 500, 1000, 200)
    servo = load_machine("grbl-servo").motion_settings()
    assert servo.pen_z_mm == 0
    assert servo.pen_up_delay_s == pytest.approx(0.2)  # a servo pen has only its dwell
