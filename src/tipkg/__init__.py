"""tipkg: the U.S. anti-trafficking interagency fact sheet (2009) as a published knowledge graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tipkg")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
