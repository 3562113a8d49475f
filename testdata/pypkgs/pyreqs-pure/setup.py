"""pyreqs-pure: a pure-python test distribution.

PYREQS_PURE_VERSION=2.0.0 builds the 2.0.0 variant. It rewrites pyreqs_pure/_version.py in the
tree being built, so that the sdist carries the version too: build from a copy (the test
index builder always does).
"""
import os

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION_FILE = os.path.join(HERE, "pyreqs_pure", "_version.py")

override = os.environ.get("PYREQS_PURE_VERSION")
if override:
    with open(VERSION_FILE, "w", encoding="utf-8") as f:
        f.write('__version__ = "%s"\n' % override)

namespace = {}
with open(VERSION_FILE, encoding="utf-8") as f:
    exec(f.read(), namespace)

setup(
    name="pyreqs-pure",
    version=namespace["__version__"],
    description="serverless-pyreqs test distribution: pure python",
    packages=["pyreqs_pure"],
    python_requires=">=3.8",
    entry_points={"console_scripts": ["pyreqs-pure = pyreqs_pure.cli:main"]},
)
