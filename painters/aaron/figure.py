"""People: an articulated core figure in a pose, then embodied by an outline around it.

Knowledge is declarative, as in *How to Draw Three People in a Botanical Garden* (Cohen,
1988): :data:`BONES` says how long each part is (fractions of standing height) and how
much flesh it carries, :data:`POSES` gives each pose's joint-angle ranges. A pose is drawn
inside its ranges (articulation), the joints follow by forward kinematics (the core
figure), and each part is embodied by an outline walked at a distance from its bones that
shrinks where the core has more joints nearby (hands, feet, neck: more detail, closer line).

Angles are degrees from straight down; positive is forward (profile) or outward (front view).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity

from .forms import Part, Thing, outline_of, place
from .rules import Rule, RuleSet, Trace, always

#: Part lengths, fractions of standing height (about 7.5 heads).
BONES = {"torso": 0.30, "neck": 0.035, "head": 0.064, "upper_arm": 0.165, "forearm": 0.145, "hand": 0.045,
         "thigh": 0.245, "shin": 0.235, "foot": 0.07, "shoulder": 0.1, "hip": 0.062}
#: Flesh around each bone: how far the embodying line runs from the core before detail pulls it in.
FLESH = {"upper_arm": 0.033, "forearm": 0.027, "hand": 0.024, "thigh": 0.05, "shin": 0.036, "foot": 0.021,
         "neck": 0.026}


@dataclass(frozen=True)
class Pose:
    """Joint-angle ranges (degrees) of one pose, and whether it is seen from the side."""

    profile: bool
    lean: tuple[float, float]
    hips: tuple[tuple[float, float], tuple[float, float]]  # near, far (front view: right, left)
    knees: tuple[tuple[float, float], tuple[float, float]]  # bend, shin swings back by this
    shoulders: tuple[tuple[float, float], tuple[float, float]]
    elbows: tuple[tuple[float, float], tuple[float, float]]  # bend, forearm swings forward by this
    seated: bool = False


POSES = {
    "standing": Pose(False, (0, 0), ((2, 7), (2, 7)), ((0, 3), (0, 3)), ((6, 18), (6, 18)), ((0, 20), (0, 20))),
    "walking": Pose(True, (2, 6), ((14, 24), (-20, -10)), ((0, 8), (8, 24)), ((-30, -12), (12, 30)),
                    ((5, 25), (15, 40))),
    "sitting": Pose(True, (-14, -4), ((100, 118), (92, 108)), ((110, 130), (100, 122)), ((20, 45), (30, 55)),
                    ((10, 40), (10, 40)), seated=True),
    "arms raised": Pose(False, (0, 0), ((4, 10), (4, 10)), ((0, 4), (0, 4)), ((130, 165), (130, 165)),
                        ((-10, 15), (-10, 15))),
}


def _direction(angle_deg: float, side: float) -> np.ndarray:
    a = math.radians(angle_deg)
    return np.array([side * math.sin(a), math.cos(a)])


def core_figure(pose: Pose, rng: np.random.Generator, facing: float) -> dict[str, np.ndarray]:
    """Joint positions (height 1, pelvis at the origin, y down) of one articulation of ``pose``."""
    pick = lambda span: rng.uniform(*span)  # noqa: E731 - one draw inside a declared range
    lean = math.radians(pick(pose.lean))
    up = np.array([facing * math.sin(lean), -math.cos(lean)])
    across = np.array([-up[1], up[0]]) * facing
    joints = {"pelvis": np.zeros(2)}
    joints["chest"] = joints["pelvis"] + BONES["torso"] * up
    joints["neck_top"] = joints["chest"] + BONES["neck"] * up
    joints["head"] = joints["neck_top"] + BONES["head"] * 0.95 * up
    limbs = (("near", 1.0, 0), ("far", -1.0, 1)) if pose.profile else (("right", 1.0, 0), ("left", -1.0, 1))
    for name, sign, k in limbs:
        side = facing if pose.profile else sign
        if pose.profile:
            shoulder = joints["chest"] - 0.01 * across + 0.02 * -up
            hip = joints["pelvis"]
        else:
            shoulder = joints["chest"] + np.array([sign * BONES["shoulder"], 0.02])
            hip = joints["pelvis"] + np.array([sign * BONES["hip"], 0.0])
        arm = pick(pose.shoulders[k])
        elbow = shoulder + BONES["upper_arm"] * _direction(arm, side)
        forearm = arm + pick(pose.elbows[k])
        wrist = elbow + BONES["forearm"] * _direction(forearm, side)
        leg = pick(pose.hips[k])
        knee = hip + BONES["thigh"] * _direction(leg, side)
        shin = leg - pick(pose.knees[k])
        ankle = knee + BONES["shin"] * _direction(shin, side)
        toe = ankle + (np.array([side * BONES["foot"], 0.012]) if pose.profile
                       else np.array([sign * 0.3 * BONES["foot"], 0.02]))
        joints |= {f"{name}_shoulder": shoulder, f"{name}_elbow": elbow, f"{name}_wrist": wrist,
                   f"{name}_hand": wrist + BONES["hand"] * 0.6 * _direction(forearm, side),
                   f"{name}_hip": hip, f"{name}_knee": knee, f"{name}_ankle": ankle, f"{name}_toe": toe}
    return joints


def detail(joints: dict[str, np.ndarray], a: str, b: str) -> float:
    """Embodiment distance factor for the bone a–b: more joints nearby, closer line."""
    middle = (joints[a] + joints[b]) / 2
    crowd = sum(np.hypot(*(p - middle)) < 0.09 for p in joints.values())
    return float(np.clip(1.15 - 0.07 * crowd, 0.75, 1.1))


def _limb(joints: dict[str, np.ndarray], chain: list[tuple[str, str, str]]) -> shapely.Geometry:
    pieces = [shapely.LineString([joints[a], joints[b]]).buffer(FLESH[flesh] * detail(joints, a, b), quad_segs=6)
              for a, b, flesh in chain]
    return shapely.union_all(pieces)


def _torso(joints: dict[str, np.ndarray], pose: Pose, facing: float, skirt: bool) -> list[tuple[str, shapely.Geometry]]:
    chest, pelvis = joints["chest"], joints["pelvis"]
    up = (chest - pelvis) / np.hypot(*(chest - pelvis))
    across = np.array([-up[1], up[0]]) * -facing  # toward the front (profile) or the figure's right
    if pose.profile:  # (forward, up) from the pelvis: chest, back, buttock, crotch, belly
        outline = [(0.045, 0.3), (0.062, 0.23), (0.048, 0.12), (0.055, 0.02), (0.04, -0.035), (-0.03, -0.045),
                   (-0.07, 0.0), (-0.045, 0.1), (-0.06, 0.21), (-0.045, 0.3)]
        hem = [(0.05, 0.1), (0.085, -0.26), (-0.11, -0.26), (-0.06, 0.1)]
    else:  # shoulders, chest, waist, hips, crotch
        outline = [(0.105, 0.3), (0.1, 0.22), (0.077, 0.13), (0.092, 0.03), (0.07, -0.045), (0.0, -0.055),
                   (-0.07, -0.045), (-0.092, 0.03), (-0.077, 0.13), (-0.1, 0.22), (-0.105, 0.3), (0.0, 0.315)]
        hem = [(0.07, 0.1), (0.14, -0.26), (-0.14, -0.26), (-0.07, 0.1)]

    def shape(points: list[tuple[float, float]]) -> shapely.Geometry:
        xy = [pelvis + across * a + up * b for a, b in points]
        return shapely.Polygon(xy).buffer(0.015, quad_segs=4).buffer(-0.008, quad_segs=4)

    parts = [("torso", shape(outline))]
    return [("skirt", shape(hem))] + parts if skirt else parts


def _seat(joints: dict[str, np.ndarray], facing: float) -> shapely.Geometry:
    """A sitting figure sits on something: a block of stone under its thighs, on the ground by its feet."""
    pelvis, knee = joints["pelvis"], (joints["near_knee"] + joints["far_knee"]) / 2
    ground = max(joints["near_toe"][1], joints["far_toe"][1], joints["near_ankle"][1], joints["far_ankle"][1]) + 0.01
    back = pelvis[0] - facing * 0.09
    front = pelvis[0] + 0.55 * (knee[0] - pelvis[0])
    top = pelvis[1] + FLESH["thigh"]
    block = shapely.box(min(back, front), top, max(back, front), ground).buffer(0.025, quad_segs=4)
    return block.intersection(shapely.box(-1, -2, 1, ground))


def _head(joints: dict[str, np.ndarray], facing: float, profile: bool,
          hair: str) -> tuple[list[tuple[str, shapely.Geometry]], list[tuple[str, shapely.Geometry]]]:
    """The head (with hair on top, nearer) and long hair falling behind it (drawn after)."""
    centre = joints["head"]

    def oval(at: np.ndarray, grow: float) -> shapely.Geometry:
        return affinity.scale(shapely.Point(at).buffer(BONES["head"] * grow, quad_segs=12), 0.85, 1.05)

    head = oval(centre, 1.0)
    if profile:
        nose = shapely.Point(centre + np.array([facing * 0.053, 0.004])).buffer(0.011, quad_segs=4)
        head = head.union(nose)
    if hair == "bald":
        return [("head", head)], []
    face = oval(centre + np.array([facing * 0.03 if profile else 0.0, 0.03]), 1.0)
    cap = oval(centre, 1.1).difference(face)
    if hair == "bun":
        bun = shapely.Point(centre + np.array([-facing * 0.05 if profile else 0.0, -0.072])).buffer(0.03)
        cap = cap.union(bun)
    front = [("hair", cap.buffer(-0.008).buffer(0.008)), ("head", head)]
    if hair != "long":
        return front, []
    x, y = centre
    width = (min(x, x - facing * 0.075), max(x, x - facing * 0.075)) if profile else (x - 0.075, x + 0.075)
    fall = shapely.box(width[0], y, width[1], y + 0.15).buffer(0.02).union(oval(centre, 1.12))
    return front, [("long hair", fall.difference(head).buffer(-0.006).buffer(0.006))]


def body(pose: Pose, joints: dict[str, np.ndarray], facing: float, hair: str,
         skirt: bool) -> list[tuple[str, shapely.Geometry, str]]:
    """The figure's closed forms, nearest first, each with its colour material."""
    arm = [("{0}_shoulder", "{0}_elbow", "upper_arm"), ("{0}_elbow", "{0}_wrist", "forearm"),
           ("{0}_wrist", "{0}_hand", "hand")]
    leg = [("{0}_hip", "{0}_knee", "thigh"), ("{0}_knee", "{0}_ankle", "shin"), ("{0}_ankle", "{0}_toe", "foot")]

    def limb(side: str, chain: list[tuple[str, str, str]]) -> shapely.Geometry:
        return _limb(joints, [(a.format(side), b.format(side), f) for a, b, f in chain])

    neck = shapely.LineString([joints["chest"], joints["neck_top"]]).buffer(FLESH["neck"], quad_segs=4)
    top, behind = _head(joints, facing, pose.profile, hair)
    head = [(n, g, "skin" if n == "head" else "hair") for n, g in top]
    hair_behind = [(n, g, "hair") for n, g in behind]
    torso = [(n, g, "legs" if n == "skirt" else "clothes") for n, g in _torso(joints, pose, facing, skirt)]
    if pose.profile:
        near = [("near arm", limb("near", arm), "clothes")] + head + hair_behind + torso
        seat = [("seat", _seat(joints, facing), "rock")] if pose.seated else []
        return near + [("near leg", limb("near", leg), "legs"), ("neck", neck, "skin"),
                       ("far leg", limb("far", leg), "legs"), ("far arm", limb("far", arm), "clothes")] + seat
    arms = [("right arm", limb("right", arm), "clothes"), ("left arm", limb("left", arm), "clothes")]
    legs = [("right leg", limb("right", leg), "legs"), ("left leg", limb("left", leg), "legs")]
    return head + arms + hair_behind + torso + [("neck", neck, "skin")] + legs


# --- object plan: which pose, which clothes and hair -----------------------------------------
def _choose(weights: dict[str, float]) -> Callable[[dict], str]:
    names, p = list(weights), np.array(list(weights.values()))
    return lambda facts: names[int(facts["rng"].choice(len(names), p=p / p.sum()))]


POSE_RULES = RuleSet("object plan", [
    Rule("a distant figure stands or walks", lambda f: f["scale"] < 0.6, _choose({"standing": 1, "walking": 2})),
    Rule("a wide box invites sitting", lambda f: f["aspect"] > 0.7, _choose({"sitting": 3, "walking": 1})),
    Rule("near figures take any pose", always,
         _choose({"walking": 3, "standing": 2, "arms raised": 1.5, "sitting": 1.2})),
])
DRESS_RULES = RuleSet("object plan", [
    Rule("sitting figures wear trousers", lambda f: f["pose"] == "sitting", lambda f: False),
    Rule("otherwise a skirt one time in three", always, lambda f: bool(f["rng"].random() < 1 / 3)),
])


def plan_figure(thing: Thing, rng: np.random.Generator, trace: Trace, scale: float,
                pose_name: str | None = None) -> None:
    """Fill ``thing.parts`` with a person in its box: pose (by rule unless given), clothes, hair,
    embodied outlines."""
    x0, y0, x1, y1 = thing.box
    facts = {"rng": rng, "scale": scale, "aspect": (x1 - x0) / (y1 - y0)}
    pose_name = pose_name or POSE_RULES.fire(facts, trace, thing.subject)
    skirt = DRESS_RULES.fire({**facts, "pose": pose_name}, trace, thing.subject)
    hair = ["short", "long", "bun", "bald"][int(rng.choice(4, p=[0.45, 0.3, 0.15, 0.1]))]
    facing = float(rng.choice([-1.0, 1.0]))
    pose = POSES[pose_name]
    trace.note(thing.subject, "object plan", f"{pose_name}, facing {'right' if facing > 0 else 'left'}, "
               f"{'skirt' if skirt else 'trousers'}, hair {hair}")
    joints = core_figure(pose, rng, facing)
    forms = body(pose, joints, facing, hair, skirt)
    xmin, ymin, xmax, ymax = shapely.union_all([g for _, g, _ in forms]).bounds
    size = min((x1 - x0) / (xmax - xmin), (y1 - y0) / (ymax - ymin))
    origin = ((x0 + x1) / 2 - size * (xmin + xmax) / 2, y1 - size * ymax)
    lookahead = float(np.clip(0.012 * size, 0.5, 2.0))
    thing.parts = [Part(name, place(outline_of(g), size, origin), True, lookahead, material)
                   for name, g, material in forms]
    trace.note(thing.subject, "lines", f"embody the core figure: {len(forms)} outlines, nearest first")
