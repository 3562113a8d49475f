# Written by serverless-pyreqs (zip mode). Import it before your dependencies:
#
#     try:
#         import unzip_requirements
#     except ImportError:
#         pass
#
# It extracts .requirements.zip (shipped next to this file) into /tmp/sls-py-req once per
# container and puts that folder on sys.path. Extraction goes to a temporary folder that is
# renamed into place, so a crash or a concurrent import never leaves a half-extracted tree, and a
# stamp file makes a changed archive (a new deploy, or `sls invoke local`) replace a stale tree.
import hashlib
import os
import shutil
import sys
import tempfile
import zipfile

_TARGET = "/tmp/sls-py-req"


def _task_root():
    if os.environ.get("IS_LOCAL") == "true":
        return os.getcwd()
    return os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())


def _stamp(path):
    # Content-based: names, CRCs and sizes from the central directory (cheap to read).
    h = hashlib.sha256()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            h.update(("%s\0%d\0%d\n" % (info.filename, info.CRC, info.file_size)).encode())
    return h.hexdigest()


def _current(stamp):
    try:
        with open(os.path.join(_TARGET, ".pyreqs-stamp")) as f:
            return f.read() == stamp
    except OSError:
        return False


def _extract(archive, stamp):
    parent = os.path.dirname(_TARGET)
    tmp = tempfile.mkdtemp(prefix="_temp-sls-py-req-", dir=parent)
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                out = zf.extract(info, tmp)
                mode = (info.external_attr >> 16) & 0o777
                if mode and not info.is_dir():
                    os.chmod(out, mode)
        with open(os.path.join(tmp, ".pyreqs-stamp"), "w") as f:
            f.write(stamp)
        if os.path.isdir(_TARGET):
            old = tempfile.mkdtemp(prefix="_old-sls-py-req-", dir=parent)
            try:
                os.rename(_TARGET, os.path.join(old, "t"))
            except OSError:
                pass
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.rename(tmp, _TARGET)
        except OSError:
            if not os.path.isdir(_TARGET):  # another process won the race: use its tree
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _setup():
    if _TARGET not in sys.path:
        sys.path.insert(1, _TARGET)
    archive = os.path.join(_task_root(), ".requirements.zip")
    if not os.path.exists(archive):
        return
    stamp = _stamp(archive)
    if not _current(stamp):
        _extract(archive, stamp)


_setup()
