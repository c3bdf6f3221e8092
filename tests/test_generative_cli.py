"""`plotter train` / `plotter generate`: torch stays out of plotter, errors are one clear line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from plotter.cli.train_generate import generate, train
from plotter.errors import PlotterError
from plotter.svg import read


def test_importing_plotter_and_its_cli_does_not_import_torch():
    code = ("import sys, plotter, plotter.cli, plotter.cli.train_generate, generative, generative.data, "
            "generative.sheet, generative.trace; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_generate_writes_a_sheet_with_the_redraw_command(tmp_path):
    pytest.importorskip("torch")
    from generative.sample import default_weights

    if not default_weights("vae").exists():
        pytest.skip("no shipped VAE weights")
    out = tmp_path / "a.svg"
    result = CliRunner().invoke(generate, ["vae", "--label", "A", "--count", "4", "--seed", "2", "--page", "a6",
                                           "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: " in result.output and "est. plot time" in result.output  # the one-line summary
    plan = read(out)
    assert plan.path_count >= 4
    xmin, ymin, xmax, ymax = plan.bounds()
    assert xmin >= 0 and ymin >= 0 and xmax <= 105 and ymax <= 148


def test_the_shipped_aaron_diffusion_draws_the_requested_kind_on_the_page(tmp_path):
    pytest.importorskip("torch")
    from generative.sample import default_weights

    if not default_weights("diffusion", "aaron").exists():
        pytest.skip("no shipped AARON diffusion weights")
    out = tmp_path / "plants.svg"
    result = CliRunner().invoke(generate, ["diffusion", "--data", "aaron", "--label", "plant", "--count", "2",
                                           "--page", "a6", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    plan = read(out)
    assert plan.path_count >= 2 and "--data aaron" in plan.metadata["command"]
    xmin, ymin, xmax, ymax = plan.bounds()
    assert xmin >= 0 and ymin >= 0 and xmax <= 105 and ymax <= 148


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        (generate, ["vae", "--label", "@", "-o", "x.svg"], "unknown label '@'; valid labels: 0 1 2"),
        (generate, ["vae", "--weights", "missing.pt", "-o", "x.svg"], "checkpoint 'missing.pt' does not exist"),
        (train, ["vae", "--data", "quickdraw", "--steps", "1", "--out", "run"], "unknown data set 'quickdraw'"),
        (generate, ["vae", "--data", "nowhere", "-o", "x.svg"], "no shipped vae weights for data set 'nowhere'"),
        (generate, ["diffusion", "--interpolate", "A", "B", "-o", "x.svg"],
         "diffusion has no latent code to walk between two drawings; models with one: vae, ae"),
        (generate, ["interpolate", "--from", "A", "-o", "x.svg"], "--from A --to B go with 'plotter generate interp"),
        (generate, ["vae", "--from", "A", "--to", "B", "-o", "x.svg"], "--from A --to B go with"),
        (generate, ["interpolate", "--from", "A", "--to", "B", "--models", "ae,diffusion", "-o", "x.svg"],
         "diffusion has no latent code"),
        (generate, ["interpolate", "--from", "A", "--to", "B", "--weights", "w.pt", "-o", "x.svg"],
         "give each model's checkpoint in --models"),
        (generate, ["interpolate", "--from", "A", "--to", "B", "--models", "ae", "--data", "nowhere", "-o", "x.svg"],
         "no shipped ae weights for data set 'nowhere'"),
    ],
)
def test_bad_input_raises_one_plotter_error(tmp_path, monkeypatch, command, args, message):
    pytest.importorskip("torch")
    from generative.sample import default_weights

    if command is generate and args[:3] == ["vae", "--label", "@"] and not default_weights("vae").exists():
        pytest.skip("no shipped VAE weights")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(command, args)
    assert isinstance(result.exception, PlotterError)
    assert message in str(result.exception)


def test_train_on_cuda_without_cuda_is_a_plotter_error(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = CliRunner().invoke(train, ["vae", "--device", "cuda", "--steps", "1", "--out", str(tmp_path)])
    assert isinstance(result.exception, PlotterError)
    assert "no CUDA device is available" in str(result.exception)


def test_unknown_kind_is_a_usage_error():
    result = CliRunner().invoke(generate, ["gpt", "-o", "x.svg"])
    assert result.exit_code == 2 and "'gpt' is not one of 'vae', 'diffusion'" in result.output


def test_interpolation_sheet_is_a_row_with_the_redraw_command(tmp_path):
    pytest.importorskip("torch")
    from generative.sample import default_weights

    if not default_weights("vae").exists():
        pytest.skip("no shipped VAE weights")
    out = tmp_path / "sheet.svg"
    result = CliRunner().invoke(generate, ["vae", "--interpolate", "A", "B", "--steps", "5", "--page", "a5",
                                           "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    plan = read(out)
    xmin, ymin, xmax, ymax = plan.bounds()
    assert xmax - xmin > 2 * (ymax - ymin)  # a row, not a grid
    command = plan.metadata["command"]
    assert "plotter generate vae" in command and "--interpolate A B" in command and "--steps 5" in command
    assert plan.metadata["params"]["interpolate"] == ["A", "B"]
