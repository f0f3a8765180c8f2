"""The release of slalang: one place, read by the package, the artifact builder and `--version`."""

__version__ = "0.1.0"
