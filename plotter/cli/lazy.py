"""A click group whose commands are imported only when used.

Painters pull in scikit-image, generators pull in torch: ``plotter stats`` must not pay for
them, and one painter failing to import (a missing optional dependency) must not take the
whole tool down — its command then explains what is missing, as vpype does for plugins.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """``commands_by_name``: command name → ``"package.module:attribute"``."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands:
            return self._load(name)
        return super().get_command(ctx, name)

    def _load(self, name: str) -> click.Command:
        module_name, attribute = self.lazy_commands[name].split(":")
        try:
            return getattr(importlib.import_module(module_name), attribute)
        except ImportError as error:
            return _broken(name, f"{error} (install the missing package, e.g. `make demo` sets everything up)")


def _broken(name: str, reason: str) -> click.Command:
    @click.command(name, context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
                   help=f"Unavailable here: {reason}")
    def unavailable() -> None:
        raise click.ClickException(f"`{name}` cannot run: {reason}")

    return unavailable
