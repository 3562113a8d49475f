"""Compile a folder of Python sources to PEP 552 unchecked-hash bytecode.

Run by serverless-pyreqs with `python -B -s -c <this file's text> --tree T --ddir D ...`, on the
host or inside a build container. It writes only __pycache__/<name>.<cache_tag>.pyc next to each
source, with the source path recorded in the code objects set to DDIR/<path in TREE>, the path
the file has at run time. It never writes anything else.

Output: one JSON line on stdout, {"compiled": N, "failed": [{"path", "error"}], "cacheTag",
"version", "pythonVersion"}. Exit 3 with {"skip": reason, "version"} when the interpreter is not the expected
major.minor; exit 2 on a usage error.

Determinism: the .pyc bytes depend only on the source bytes, DDIR and the interpreter version,
not on the worker count or on what else the process compiled. String hashing is fixed
(PYTHONHASHSEED=0; the process re-executes itself once if it is not), because Python 3.9 and
3.10 write frozenset constants in hash order. On 3.9 and 3.10 the marshal stream is also
rewritten into a canonical form (canonical_refs), because there the reference flags and the
interned mark of one-character strings depend on the process's history. Python 3.11+ needs
neither rewrite: it marshals frozensets sorted and always flags interned strings.
"""
import argparse
import json
import marshal
import multiprocessing
import os
import sys
import warnings

# PEP 552 flags word: bit 0 = hash-based, bit 1 = check_source. Unchecked hash = 0b01.
FLAGS_UNCHECKED_HASH = 0b01


def reexec_with_fixed_hash_seed():
    """Run again with PYTHONHASHSEED=0 unless string hashing is already fixed."""
    if not sys.flags.hash_randomization:
        return
    if os.environ.get("PYREQS_BYTECODE_REEXEC") or not getattr(sys, "orig_argv", None):
        # -E/-I ignore PYTHONHASHSEED, and Python < 3.10 has no orig_argv to re-execute.
        fail("string hashing is randomised: run with PYTHONHASHSEED=0 and without -E/-I")
    env = dict(os.environ, PYTHONHASHSEED="0", PYREQS_BYTECODE_REEXEC="1")
    sys.stdout.flush()
    os.execve(sys.executable, sys.orig_argv, env)


def fail(msg):
    sys.stderr.write("pyreqs bytecode: " + msg + "\n")
    sys.exit(2)


def sources(tree, only, skip=()):
    """The tree-relative paths of the .py files to compile, sorted, '/'-separated; folders named
    in skip are not entered."""
    roots = [os.path.normpath(os.path.join(tree, p)) for p in only] if only else [tree]
    out = set()
    for root in roots:
        if not (root == tree or root.startswith(tree + os.sep)):
            fail("path outside the tree: " + root)
        if os.path.isfile(root):
            if root.endswith(".py"):
                out.add(os.path.relpath(root, tree).replace(os.sep, "/"))
            continue
        for d, dirs, files in os.walk(root):
            dirs[:] = sorted(x for x in dirs if x != "__pycache__" and x not in skip)
            for f in files:
                if f.endswith(".py"):
                    out.add(os.path.relpath(os.path.join(d, f), tree).replace(os.sep, "/"))
    return sorted(out)


def pyc_bytes(data, dfile):
    # Imported here so that the parent process and every worker see the same import state.
    from importlib.util import MAGIC_NUMBER, source_hash

    code = compile(data, dfile, "exec", dont_inherit=True, optimize=0)
    body = marshal.dumps(code)
    if sys.version_info < (3, 11):
        body = canonical_refs(body)
    return MAGIC_NUMBER + FLAGS_UNCHECKED_HASH.to_bytes(4, "little") + source_hash(data) + body


# Before Python 3.11, marshal sets FLAG_REF on an object when its reference count is above one,
# which for an interned string depends on what else the process holds: the same file gives
# different bytes in different processes. canonical_refs rewrites the stream so that FLAG_REF
# is set exactly on the objects a later TYPE_REF points to (an object that occurs twice in a
# file is flagged in every process), and renumbers the references. The one-character strings
# are process-wide singletons whose "interned" mark also depends on history: they are written
# interned exactly when the compiler itself would intern them (name characters only).
# marshal.loads gives equal code back (interning is an optimisation; names are re-interned on
# load). Python 3.11+ gave identical bytes across processes in every test and is left alone.
FLAG_REF = 0x80
FIXED = {"0": 0, "N": 0, "F": 0, "T": 0, "S": 0, ".": 0, "i": 4, "g": 8, "y": 16}
SIZED4 = {"s", "t", "u", "a", "A"}  # int32 length + bytes
NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
STR_KINDS = {"z": ("z", "Z"), "Z": ("z", "Z"), "a": ("a", "A"), "A": ("a", "A"), "u": ("u", "t"), "t": ("u", "t")}
SEQ4 = {"(", "[", "<", ">"}  # int32 count + objects (")" is the small tuple: 1-byte count)


def canonical_refs(buf):
    flagged = []  # positions of the type bytes that carry FLAG_REF, in reference-index order
    refs = []  # (position, index) of every TYPE_REF
    kinds = []  # (position, type code) of the one-character strings

    def i32(pos):
        return int.from_bytes(buf[pos:pos + 4], "little", signed=True)

    def obj(pos):
        t = buf[pos]
        if t & FLAG_REF:
            flagged.append(pos)
        c = chr(t & ~FLAG_REF)
        pos += 1
        if c in FIXED:
            return pos + FIXED[c]
        if c == "r":
            refs.append((pos - 1, i32(pos)))
            return pos + 4
        if c == "l":
            return pos + 4 + 2 * abs(i32(pos))
        if c in SIZED4 or c in ("z", "Z"):
            n, start = (i32(pos), pos + 4) if c in SIZED4 else (buf[pos], pos + 1)
            if c in STR_KINDS and n <= 2:
                text = buf[start:start + n].decode("utf-8", "surrogatepass")
                if len(text) <= 1:
                    kinds.append((pos - 1, STR_KINDS[c][text == "" or text in NAME_CHARS]))
            return start + n
        if c == "f":
            return pos + 1 + buf[pos]
        if c == "x":
            pos += 1 + buf[pos]
            return pos + 1 + buf[pos]
        if c == ")":
            n, pos = buf[pos], pos + 1
        elif c in SEQ4:
            n, pos = i32(pos), pos + 4
        elif c == "{":
            while buf[pos] != ord("0"):
                pos = obj(obj(pos))
            return pos + 1
        elif c == "c":
            # 3.8-3.10: argcount, posonlyargcount, kwonlyargcount, nlocals, stacksize, flags;
            # code, consts, names, varnames, freevars, cellvars, filename, name; firstlineno;
            # lnotab (linetable in 3.10). 3.7 has no posonlyargcount.
            pos += 4 * (6 if sys.version_info >= (3, 8) else 5)
            for _ in range(8):
                pos = obj(pos)
            return obj(pos + 4)
        else:
            raise ValueError("unexpected marshal type %r at %d" % (c, pos - 1))
        for _ in range(n):
            pos = obj(pos)
        return pos

    if obj(0) != len(buf):
        raise ValueError("marshal stream not fully parsed")
    used = {index for _, index in refs}
    out = bytearray(buf)
    renumber = {}
    for index, pos in enumerate(flagged):
        if index in used:
            renumber[index] = len(renumber)
        else:
            out[pos] &= ~FLAG_REF
    for pos, index in refs:
        out[pos + 1:pos + 5] = renumber[index].to_bytes(4, "little")
    for pos, kind in kinds:
        out[pos] = (out[pos] & FLAG_REF) | ord(kind)
    result = bytes(out)
    if marshal.loads(result) != marshal.loads(buf):  # caught by compile_one: no .pyc for this file
        raise ValueError("canonical marshal stream does not load to the same code")
    return result


def write_atomic(path, data):
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def compile_one(job):
    tree, ddir, rel = job
    warnings.simplefilter("ignore")  # SyntaxWarning and friends: the package's business
    from importlib.util import cache_from_source

    src = os.path.join(tree, rel)
    try:
        with open(src, "rb") as f:
            data = f.read()
        pyc = pyc_bytes(data, ddir.rstrip("/") + "/" + rel)
    except (SyntaxError, ValueError, UnicodeDecodeError) as e:
        return rel, "%s: %s" % (type(e).__name__, e)
    write_atomic(cache_from_source(src), pyc)
    return rel, None


def main():
    p = argparse.ArgumentParser(prog="pyreqs-bytecode")
    p.add_argument("--tree", required=True, help="folder to compile")
    p.add_argument("--ddir", required=True, help="run-time path of the folder, e.g. /var/task")
    p.add_argument("--workers", type=int, default=0, help="processes (0 = CPU count)")
    p.add_argument("--expect-version", default="", help="major.minor; exit 3 if not this one")
    p.add_argument("--skip-dir", action="append", default=[], help="folder name not to enter")
    p.add_argument("paths", nargs="*", help="tree-relative files or folders (default: all)")
    a = p.parse_args()

    have = "%d.%d" % sys.version_info[:2]
    if sys.implementation.name != "cpython":  # Lambda runs CPython; other bytecode is useless there
        have = sys.implementation.name + " " + have
    if (a.expect_version and a.expect_version != have) or sys.version_info < (3, 7):
        print(json.dumps({"skip": "interpreter is Python " + have, "version": have}))
        sys.exit(3)
    reexec_with_fixed_hash_seed()
    if not a.ddir.startswith("/"):
        fail("--ddir must be an absolute POSIX path")
    tree = os.path.abspath(a.tree)
    if not os.path.isdir(tree):
        fail("--tree is not a folder: " + a.tree)

    jobs = [(tree, a.ddir, rel) for rel in sources(tree, a.paths, frozenset(a.skip_dir))]
    workers = a.workers if a.workers > 0 else (os.cpu_count() or 1)
    workers = min(workers, max(1, len(jobs) // 16))
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as pool:
            results = list(pool.imap_unordered(compile_one, jobs, chunksize=8))
    else:
        results = [compile_one(j) for j in jobs]
    failed = [{"path": r, "error": e} for r, e in sorted(results) if e]
    print(json.dumps({
        "compiled": len(results) - len(failed),
        "failed": failed,
        "cacheTag": sys.implementation.cache_tag,
        "version": have,
        "pythonVersion": "%d.%d.%d" % sys.version_info[:3],
    }, sort_keys=True))


if __name__ == "__main__":
    main()
