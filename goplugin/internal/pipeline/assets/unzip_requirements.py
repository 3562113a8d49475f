# Written by serverless-pyreqs (zip mode). Import it before your dependencies:
#
#     try:
#         import unzip_requirements
#     except ImportError:
#         pass
#
# It extracts .requirements.zip (shipped next to this file, in the task root) into /tmp/sls-py-req
# and puts that folder on sys.path. The environment variable PYREQS_UNZIP_DIR chooses another
# folder (for tests, or several services sharing one machine in `sls invoke local`).
#
# Extraction is atomic: the archive is extracted into a temporary folder beside the target and
# renamed into place, under a file lock, so a crash or a concurrent import never leaves or uses a
# half-extracted tree. A stamp of the archive's content (names, CRCs and sizes) is kept in the
# tree: a changed archive (a new deploy, or another `sls invoke local`) replaces a stale tree,
# an unchanged one costs one read of the archive's central directory. File modes are restored.
import hashlib
import os
import shutil
import sys
import tempfile
import zipfile

_STAMP = ".pyreqs-stamp"


def _target():
    return os.environ.get("PYREQS_UNZIP_DIR") or "/tmp/sls-py-req"


def _task_root():
    if os.environ.get("IS_LOCAL") == "true":
        return os.getcwd()
    return os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())


def _stamp(path):
    h = hashlib.sha256()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            h.update(("%s\0%d\0%d\n" % (info.filename, info.CRC, info.file_size)).encode())
    return h.hexdigest()


def _current(target, stamp):
    try:
        with open(os.path.join(target, _STAMP)) as f:
            return f.read() == stamp
    except OSError:
        return False


class _Lock(object):
    """An exclusive lock on <target>.lock (fcntl; a no-op where it does not exist)."""

    def __init__(self, path):
        self.path = path
        self.f = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:
            return self
        self.f = open(self.path, "a")
        fcntl.flock(self.f.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.f is not None:
            self.f.close()  # closing releases the lock
        return False


def _extract(archive, target, stamp):
    parent = os.path.dirname(target) or "."
    base = os.path.basename(target)
    tmp = tempfile.mkdtemp(prefix="_temp-%s-" % base, dir=parent)
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                out = zf.extract(info, tmp)
                mode = (info.external_attr >> 16) & 0o777
                if mode and not info.is_dir():
                    os.chmod(out, mode)
        with open(os.path.join(tmp, _STAMP), "w") as f:
            f.write(stamp)
        os.chmod(tmp, 0o755)  # mkdtemp made it private
        if os.path.lexists(target):
            old = tempfile.mkdtemp(prefix="_old-%s-" % base, dir=parent)
            os.rename(target, os.path.join(old, base))
            shutil.rmtree(old, ignore_errors=True)
        os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _prepare(target):
    archive = os.path.join(_task_root(), ".requirements.zip")
    if not os.path.exists(archive):
        return
    stamp = _stamp(archive)
    if _current(target, stamp):
        return
    parent = os.path.dirname(target)
    if parent and not os.path.isdir(parent):
        os.makedirs(parent)
    with _Lock(target + ".lock"):
        if not _current(target, stamp):  # another process may have finished it meanwhile
            _extract(archive, target, stamp)


def _setup():
    target = _target()
    _prepare(target)
    # Only now is the folder complete: an import that ran while it was missing must not have
    # left a negative entry for it in the importer cache.
    sys.path_importer_cache.pop(target, None)
    if target not in sys.path:
        sys.path.insert(1, target)


_setup()
