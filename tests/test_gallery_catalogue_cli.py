"""``plotter gallery list``, ``gallery show N`` and ``plotter redraw N``: tables, fields, byte-for-byte redraws."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from plotter import Pen
from plotter.cli.gallery_catalogue import gallery_list, gallery_show, redraw, took
from plotter.errors import PlotterError
from plotter.gallery.catalogue import Catalogue, Piece
from plotter.gallery.pieces import PieceSpec, choose_piece, make_piece, piece_title, write_piece

PENS = (Pen("black", "#1b1b1b", 0.3),)


@click.group()
def cli() -> None:
    """The commands as the lead wires them, for the tests."""


for command in (gallery_list, gallery_show, redraw):
    cli.add_command(command)


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    """Two pieces: no. 1 done after 12 min 5 s, no. 2 still drawing."""
    folder = tmp_path_factory.mktemp("gallery")
    times = iter(["2025-05-01T10:00:00+00:00", "2025-05-01T10:12:05+00:00", "2025-05-01T11:00:00+00:00"])
    with Catalogue.open(folder, clock=lambda: next(times)) as catalogue:
        for number in (1, 2):
            chosen = choose_piece(number, "aaron", page="a6", pens=PENS, today="2025-05-01")
            spec = PieceSpec(chosen.painter, chosen.seed, {**chosen.params,
                                                           "paint": {**chosen.params["paint"], "objects": 3}})
            svg, png, _ = write_piece(spec, number, folder, plan=make_piece(spec, number))
            catalogue.begin(number, spec, piece_title(spec), svg, png, svg.parent / "plot.plotjob")
            if number == 1:
                catalogue.finish(1)
    return folder


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args))


def test_list_shows_one_row_per_piece_newest_first(gallery):
    result = run("list", "--gallery", str(gallery))
    assert result.exit_code == 0, result.output
    header, second, first = result.output.splitlines()
    assert header.split() == ["no.", "title", "painter", "seed", "status", "started", "(UTC)", "took"]
    assert second.split() == ["2", "Figures", "in", "a", "garden", "aaron", "2", "drawing", "2025-05-01", "11:00", "-"]
    assert first.split() == ["1", "A", "garden", "aaron", "1", "done", "2025-05-01", "10:00", "12m", "05s"]
    assert run("list", "--gallery", str(gallery), "--limit", "1").output.count("\n") == 2


def test_list_of_an_empty_catalogue_says_so(tmp_path):
    Catalogue.open(tmp_path).close()
    result = run("list", "--gallery", str(tmp_path))
    assert (result.exit_code, result.output) == (0, f"no pieces yet in {tmp_path}\n")


def test_show_prints_every_field_and_the_redraw_command(gallery):
    result = run("show", "1", "--gallery", str(gallery))
    assert result.exit_code == 0, result.output
    for line in ["number:   1", "title:    A garden", "status:   done", "seed:     1",
                 "started:  2025-05-01T10:00:00+00:00", "ended:    2025-05-01T10:12:05+00:00", "took:     12m 05s",
                 f"svg:      {gallery}/pieces/0001/piece.svg", f"journal:  {gallery}/pieces/0001/plot.plotjob",
                 '      "scene": "garden",', f"redraw:   plotter redraw 1 --gallery {gallery}"]:
        assert line in result.output.splitlines()


def test_redraw_reproduces_the_catalogued_svg_byte_for_byte(gallery, tmp_path):
    result = run("redraw", "1", "--gallery", str(gallery), "-o", str(tmp_path / "again.svg"))
    assert result.exit_code == 0, result.output
    assert "identical" in result.output
    assert (tmp_path / "again.svg").read_bytes() == (gallery / "pieces/0001/piece.svg").read_bytes()


def test_redraw_writes_next_to_the_piece_by_default(gallery):
    result = run("redraw", "2", "--gallery", str(gallery))
    assert result.exit_code == 0, result.output
    assert (gallery / "pieces/0002/redraw.svg").read_bytes() == (gallery / "pieces/0002/piece.svg").read_bytes()


@pytest.mark.parametrize(("tamper", "message"), [
    (lambda svg: svg.write_bytes(svg.read_bytes() + b"<!-- touched -->\n"), "DIFFERS from"),
    (lambda svg: svg.unlink(), "is missing, nothing to compare with"),
])
def test_redraw_exits_1_when_the_catalogued_svg_is_not_reproduced(tmp_path, tamper, message):
    spec = choose_piece(3, "aaron", page="a6", pens=PENS, today="2025-05-01")
    spec = PieceSpec(spec.painter, spec.seed, {**spec.params, "paint": {**spec.params["paint"], "objects": 2}})
    svg, png, _ = write_piece(spec, 3, tmp_path)
    with Catalogue.open(tmp_path) as catalogue:
        catalogue.begin(3, spec, piece_title(spec), svg, png, "j")
    tamper(svg)
    result = run("redraw", "3", "--gallery", str(tmp_path), "-o", str(tmp_path / "out.svg"))
    assert result.exit_code == 1
    assert message in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["list"], "no gallery catalogue in"),
    (["show", "7"], "no piece 7 .*numbered 1 to 2"),
    (["redraw", "7"], "no piece 7"),
])
def test_commands_refuse_a_missing_catalogue_or_piece(gallery, tmp_path, args, message):
    folder = gallery if args != ["list"] else tmp_path / "nowhere"
    result = run(*args, "--gallery", str(folder))
    assert isinstance(result.exception, PlotterError)
    assert re.search(message, str(result.exception))
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(("started", "ended", "shown"), [
    ("2025-05-01T10:00:00+00:00", None, "-"),
    ("2025-05-01T10:00:00+00:00", "2025-05-01T10:00:42+00:00", "42s"),
    ("2025-05-01T10:00:00+00:00", "2025-05-01T10:12:05+00:00", "12m 05s"),
    ("2025-05-01T23:00:00+00:00", "2025-05-02T02:07:00+00:00", "3h 07m"),
])
def test_took_reads_like_a_duration(started, ended, shown):
    piece = Piece(1, "t", "aaron", 1, {}, "0", "drawing" if ended is None else "done", started, ended, "a", "b", "c")
    assert took(piece) == shown
