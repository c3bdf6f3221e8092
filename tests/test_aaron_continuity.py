"""Lines drawn the way a draughtsman keeps the pen down: each one starts where the pen already is."""

from __future__ import annotations

import numpy as np
import shapely

from painters.aaron.abstract import _spring, _zigzag
from painters.aaron.composition import _foot, ground
from painters.aaron.forms import Part, Thing
from painters.aaron.moves import join_touching
from painters.aaron.plant import SPECIES, foliage, grow, plan_plant, split_at
from painters.aaron.rock import plan_rock
from painters.aaron.rules import Trace
from painters.aaron.space import Stage


def test_a_leaf_outline_starts_and_ends_where_it_grows_from_its_twig():
    rng = np.random.default_rng(4)
    species = SPECIES["leafy"]
    segments = grow(species, rng)
    thing = Thing(1, "plant", (10.0, 10.0, 40.0, 60.0), 60.0)
    plan_plant(thing, np.random.default_rng(4), Trace(), "leafy")
    twig_ends = {tuple(p.guide[k].round(9)) for p in thing.parts if p.name == "twig" for k in (0, -1)}
    leaves = [p for p in thing.parts if p.name.startswith("leaf")]
    assert leaves and all(tuple(p.guide[0].round(9)) in twig_ends for p in leaves)  # twig → leaf → twig
    assert all((p.guide[0] == p.guide[-1]).all() for p in leaves)
    tips = [s[1] for s in segments if s[4] == species.depth]
    grown = foliage(species, segments, np.random.default_rng(1))
    assert all(any(np.allclose(at, tip) for _, _, at in grown) for tip in tips)  # every twig ends in a leaf


def test_a_twig_is_cut_only_at_the_leaves_on_it():
    start, end = np.array([0.0, 0.0]), np.array([0.0, -10.0])
    pieces = split_at(start, end, [np.array([0.0, -3.0]), np.array([0.0, -7.0]), np.array([5.0, -5.0]), end])
    assert [p.tolist() for p in pieces] == [[[0, 0], [0, -3]], [[0, -3], [0, -7]], [[0, -7], [0, -10]]]


def test_a_rock_crack_goes_on_from_where_its_outline_starts_and_shading_is_one_zigzag():
    for seed in range(6):
        thing = Thing(1, "rock", (20.0, 40.0, 60.0, 62.0), 62.0)
        plan_rock(thing, np.random.default_rng(seed), Trace())
        rock, crack = thing.parts[0], thing.parts[1]
        assert (rock.name, crack.name) == ("rock", "crack")
        assert np.array_equal(crack.guide[0], rock.guide[0])  # one stroke: outline, then crack inward
        assert shapely.Polygon(rock.guide).contains(shapely.Point(crack.guide[2]))  # it heads inward
        assert [p.name for p in thing.parts].count("shade") == 1


def test_a_shadow_is_cast_from_the_foot_away_from_one_light_for_the_whole_picture():
    things = []
    for k, x in enumerate((20.0, 110.0)):
        thing = Thing(k + 1, "rock", (x, 100.0, x + 40.0, 120.0), 120.0)
        plan_rock(thing, np.random.default_rng(2), Trace())
        things.append(thing)
    sides = set()
    for seed in range(8):
        ground_thing = ground(Stage((10.0, 10.0, 200.0, 280.0), 60.0), things, np.random.default_rng(seed), 3, Trace())
        shadows = [p for p in ground_thing.parts if p.name == "shadow"]
        assert len(shadows) == 2
        assert all(np.array_equal(s.guide[0], _foot(t)) for s, t in zip(shadows, things, strict=True))
        falls = {int(np.sign(s.guide[-1][0] - s.guide[0][0])) for s in shadows}
        assert len(falls) == 1  # one light: every shadow falls the same way
        sides |= falls
    assert sides == {-1, 1}  # the light's side is the picture's choice


def test_a_grass_tuft_is_one_zigzag_of_blades_each_starting_where_the_last_ended():
    thing = Thing(1, "plant", (10.0, 10.0, 40.0, 40.0), 40.0)
    plan_plant(thing, np.random.default_rng(3), Trace(), "grass")
    blades = [p.guide for p in thing.parts if p.name == "blade"]
    assert len(blades) >= 8 and len(blades) % 2 == 0
    assert all(np.array_equal(a[-1], b[0]) for a, b in zip(blades[:-1], blades[1:], strict=True))  # pen stays down
    feet = np.array([blades[0][0]] + [b[-1] for b in blades[1::2]])
    tips = np.array([b[-1] for b in blades[::2]])
    assert (tips[:, 1] < feet[:-1, 1].min() - 10).all()  # up to a point, back down to the ground
    assert (np.diff(feet[:, 0]) > 0).all()  # feet step along the ground: no line drawn twice


def test_strokes_that_touch_in_drawing_order_are_joined_unless_the_pen_would_turn_back():
    a = np.array([[0.0, 0.0], [5.0, 0.0]])
    on = np.array([[5.1, 0.0], [5.1, 5.0]])  # within the pen width, at a right angle
    back = np.array([[5.0, 0.0], [0.0, 0.01]])  # straight back over the same line
    far = np.array([[8.0, 0.0], [9.0, 0.0]])
    assert [len(p) for p in join_touching([a, on, far], 0.3)] == [4, 2]
    assert len(join_touching([a, back], 0.3)) == 2
    ring = np.array([[5.0, 0.0], [7.0, 2.0], [5.0, 4.0], [3.0, 2.0], [5.0, 0.0]])
    (joined,) = join_touching([a, ring], 0.3)
    assert joined.tolist() == a.tolist() + ring[1:].tolist()  # the shared point drawn once
    steps = np.hypot(*np.diff(joined, axis=0).T)
    assert steps.min() >= 0.05


def test_stripes_are_drawn_back_and_forth_and_lift_only_across_a_wide_gap():
    stripes = [np.array([[0.0, y], [10.0, y]]) for y in (0.0, 2.0, 4.0)] + [np.array([[0.0, 30.0], [10.0, 30.0]])]
    runs = _zigzag(stripes, longest=5.0)
    assert len(runs) == 2 and len(runs[0]) == 6
    assert runs[0][2].tolist() == [10.0, 2.0]  # the second stripe starts where the first ended


def test_an_open_form_springs_from_the_nearest_form_placed_before_it():
    ring = np.array([[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]])
    placed = [Thing(1, "form", (0.0, 0.0, 4.0, 4.0), 4.0, [Part("closed form", ring, True)])]
    line = np.array([[30.0, 30.0], [20.0, 10.0], [6.0, 5.0]])
    sprung = _spring(line, placed)
    assert sprung[0].tolist() == [4.0, 4.0] and sprung[-1].tolist() == [30.0, 30.0]
    far = line + 200.0
    assert np.array_equal(_spring(far, placed), far)  # too far to reach: it stands alone
