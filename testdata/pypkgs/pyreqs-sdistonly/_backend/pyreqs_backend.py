"""A minimal PEP 517 build backend (standard library only) for pyreqs-sdistonly.

It builds a py3-none-any wheel of the packages listed in PACKAGES and an sdist of the whole
project, both reproducible (sorted entries, SOURCE_DATE_EPOCH timestamps, default 1980-01-01).
"""
import base64
import hashlib
import io
import os
import tarfile
import time
import zipfile

NAME = "pyreqs-sdistonly"
VERSION = "1.0.0"
SUMMARY = "serverless-pyreqs test distribution: published only as an sdist"
PACKAGES = ["pyreqs_sdistonly"]
SDIST_FILES = ["pyproject.toml", "_backend/pyreqs_backend.py"]

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


def _package_files():
    out = []
    for pkg in PACKAGES:
        for root, dirs, files in os.walk(pkg):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if not name.endswith((".pyc", ".pyo")):
                    out.append(os.path.join(root, name).replace(os.sep, "/"))
    return sorted(out)


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = "%s-%s-py3-none-any.whl" % (_DIST, VERSION)
    dist_info = "%s-%s.dist-info" % (_DIST, VERSION)
    entries = []
    for path in _package_files():
        with open(path, "rb") as f:
            entries.append((path, f.read()))
    entries.append((dist_info + "/METADATA", _metadata().encode()))
    wheel_meta = (
        "Wheel-Version: 1.0\nGenerator: pyreqs_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    entries.append((dist_info + "/WHEEL", wheel_meta.encode()))
    record = [_record_line(n, d) for n, d in entries] + [dist_info + "/RECORD,,"]
    entries.append((dist_info + "/RECORD", ("\n".join(record) + "\n").encode()))
    date = time.gmtime(max(_EPOCH, 315532800))[:6]
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (_DIST, VERSION)
    filename = base + ".tar.gz"
    files = sorted(SDIST_FILES + _package_files())

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
        for path in files:
            with open(path, "rb") as f:
                add(tar, path, f.read())
    import gzip

    with open(os.path.join(sdist_directory, filename), "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=_EPOCH) as gz:
            gz.write(raw.getvalue())
    return filename
