"""Built-in machine profiles (``*.toml``), shipped as package data."""
