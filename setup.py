"""Shim for Beam's ``--setup_file``: Dataflow workers install the package from this checkout.

All metadata lives in pyproject.toml; see docs/dataflow.md.
"""

from setuptools import setup

setup()
