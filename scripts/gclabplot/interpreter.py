"""Finds a Python that can import matplotlib, before anything imports it.

On these machines `python3` on PATH may be an interpreter without Debian's
matplotlib while /usr/bin/python3 has it: the entry scripts call ensure_matplotlib()
first, which re-executes the script under an interpreter that has it, or exits with
one line saying what to install. Standard library only.
"""
import os
import subprocess
import sys

CANDIDATES = ("/usr/bin/python3", "/usr/local/bin/python3", "python3")
INSTALL_HINT = ("no Python with matplotlib found (tried this interpreter and "
                + ", ".join(CANDIDATES)
                + "); install it with: apt-get install python3-matplotlib")


def has_matplotlib(python):
    try:
        return subprocess.run([python, "-c", "import matplotlib"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_python():
    """An interpreter path that imports matplotlib, or None."""
    for python in (sys.executable,) + CANDIDATES:
        if python and has_matplotlib(python):
            return python
    return None


def ensure_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("GCLAB_PLOT_REEXEC") != "1":
        python = find_python()
        if python is not None:
            os.environ["GCLAB_PLOT_REEXEC"] = "1"
            os.execvp(python, [python] + sys.argv)
    sys.stderr.write(f"{os.path.basename(sys.argv[0])}: {INSTALL_HINT}\n")
    sys.exit(3)


if __name__ == "__main__":
    # Prints the interpreter to use, or the hint and exit status 3 (for tests and scripts).
    found = find_python()
    if found is None:
        sys.stderr.write(INSTALL_HINT + "\n")
        sys.exit(3)
    print(found)
