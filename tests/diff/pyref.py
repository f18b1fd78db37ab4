"""The reference interpreter of the differential scripts: each re-executes
itself under CPython 3.12.1 when it exists and it is not already 3.12
(RILL_DIFF_NO_REEXEC set: stay)."""
import os
import sys

PREFERRED_PYTHON = '/root/.pyenv/versions/3.12.1/bin/python3'


def reexec(script):
    """Replaces this process with `script` under the preferred Python."""
    if os.environ.get('RILL_DIFF_NO_REEXEC') or sys.version_info[:2] == (3, 12):
        return
    if os.path.exists(PREFERRED_PYTHON) and os.access(PREFERRED_PYTHON, os.X_OK):
        os.environ['RILL_DIFF_NO_REEXEC'] = '1'
        os.execv(PREFERRED_PYTHON,
                 [PREFERRED_PYTHON, os.path.abspath(script)] + sys.argv[1:])
