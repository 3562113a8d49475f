"""pyreqs-native: a test distribution with a C extension (pyreqs_native._speed)."""
from setuptools import Extension, setup

setup(
    name="pyreqs-native",
    version="1.0.0",
    description="serverless-pyreqs test distribution: C extension",
    packages=["pyreqs_native"],
    ext_modules=[Extension("pyreqs_native._speed", ["pyreqs_native/_speed.c"])],
    python_requires=">=3.8",
)
