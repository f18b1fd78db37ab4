"""Write failures of the example programs, shared by the CLI tests:
standard output on /dev/full (ENOSPC), on a closed pipe and on a pipe
whose reader leaves after some bytes (EPIPE). CLI.md: exit status 1 and
one line on stderr naming <stdout> and the reason, nothing reported
written that was not."""
import errno
import os
import subprocess
import threading


def failed_write(argv, data, sink, read=0):
    """Runs argv on `data` with standard output on /dev/full (sink "full")
    or on a pipe whose reader leaves after `read` bytes (sink "pipe").
    Returns the exit status (None on a hang, then killed), the bytes read
    and stderr."""
    if sink == "full":
        rfd, wfd = None, os.open("/dev/full", os.O_WRONLY)
    else:
        rfd, wfd = os.pipe()
        if read == 0:
            os.close(rfd)
            rfd = None
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=wfd,
                         stderr=subprocess.PIPE)
    os.close(wfd)

    def feed():
        try:
            p.stdin.write(data)
            p.stdin.close()
        except OSError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    got = b""
    if rfd is not None:
        while len(got) < read:
            block = os.read(rfd, read - len(got))
            if not block:
                break
            got += block
        os.close(rfd)
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = None
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    feeder.join()
    return rc, got, err


def check_write_failures(check, prog, argv, data):
    """Standard output on /dev/full (ENOSPC), on a closed pipe and, when the
    output is big, on a pipe closed after some bytes (EPIPE): exit status 1
    and one line on stderr naming <stdout> and the reason, the output before
    the failure left as it was. No output path option exists (CLI.md)."""
    want = subprocess.run(argv, input=data, capture_output=True).stdout
    cases = [("full", 0, errno.ENOSPC), ("pipe", 0, errno.EPIPE)]
    if len(want) > 200000:  # more than what the pipe holds past `read`
        cases += [("pipe", 1, errno.EPIPE), ("pipe", 100000, errno.EPIPE)]
    for sink, read, code in cases:
        if sink == "full" and not os.path.exists("/dev/full"):
            continue
        rc, got, err = failed_write(argv, data, sink, read)
        check(rc == 1 and err.startswith(prog + ": ") and err.count("\n") == 1
              and "<stdout>" in err and os.strerror(code) in err
              and len(got) == read and want.startswith(got),
              "%s %s to %s read for %d bytes: rc=%r err=%r"
              % (prog, argv[1:], sink, read, rc, err))
