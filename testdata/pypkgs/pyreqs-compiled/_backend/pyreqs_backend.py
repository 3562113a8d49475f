"""A minimal PEP 517 build backend (standard library only) for pyreqs-compiled.

build_wheel compiles pyreqs_compiled/_ext.c with the C compiler (CC, else cc) into a shared library
and packs it into a wheel tagged for the building interpreter and machine, as setuptools would for
a C extension; build_sdist packs the sources. Both are reproducible (SOURCE_DATE_EPOCH).
"""
import base64
import gzip
import hashlib
import io
import os
import shlex
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile

NAME = "pyreqs-compiled"
VERSION = "1.0.0"
SUMMARY = "serverless-pyreqs test distribution: compiled, published only as an sdist"
SDIST_FILES = [
    "pyproject.toml",
    "_backend/pyreqs_backend.py",
    "pyreqs_compiled/__init__.py",
    "pyreqs_compiled/_ext.c",
]

_DIST = NAME.replace("-", "_")
_EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))


def _metadata():
    return (
        "Metadata-Version: 2.1\n"
        "Name: %s\n"
        "Version: %s\n"
        "Summary: %s\n"
        "Requires-Python: >=3.8\n" % (NAME, VERSION, SUMMARY)
    )


def _tag():
    py = "cp%d%d" % sys.version_info[:2]
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "%s-%s-%s" % (py, py, plat)


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def _compile():
    cc = shlex.split(os.environ.get("CC") or "cc")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "_ext.so")
        subprocess.check_call(cc + ["-shared", "-fPIC", "-O2", "-o", out, "pyreqs_compiled/_ext.c"])
        with open(out, "rb") as f:
            return f.read()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    tag = _tag()
    filename = "%s-%s-%s.whl" % (_DIST, VERSION, tag)
    dist_info = "%s-%s.dist-info" % (_DIST, VERSION)
    ext = "pyreqs_compiled/_ext" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")
    with open("pyreqs_compiled/__init__.py", "rb") as f:
        entries = [("pyreqs_compiled/__init__.py", f.read()), (ext, _compile())]
    entries.append((dist_info + "/METADATA", _metadata().encode()))
    wheel_meta = "Wheel-Version: 1.0\nGenerator: pyreqs_backend\nRoot-Is-Purelib: false\nTag: %s\n" % tag
    entries.append((dist_info + "/WHEEL", wheel_meta.encode()))
    record = [_record_line(n, d) for n, d in entries] + [dist_info + "/RECORD,,"]
    entries.append((dist_info + "/RECORD", ("\n".join(record) + "\n").encode()))
    date = time.gmtime(max(_EPOCH, 315532800))[:6]
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date)
            info.external_attr = (0o100755 if name.endswith(".so") else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (_DIST, VERSION)
    filename = base + ".tar.gz"

    def add(tar, name, data):
        info = tarfile.TarInfo(base + "/" + name)
        info.size = len(data)
        info.mtime = _EPOCH
        info.mode = 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        tar.addfile(info, io.BytesIO(data))

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add(tar, "PKG-INFO", _metadata().encode())
        for path in sorted(SDIST_FILES):
            with open(path, "rb") as f:
                add(tar, path, f.read())
    with open(os.path.join(sdist_directory, filename), "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=_EPOCH) as gz:
            gz.write(raw.getvalue())
    return filename
