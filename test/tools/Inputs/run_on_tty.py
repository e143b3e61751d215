#!/usr/bin/env python3
"""Runs a command with its stdin on a pseudo-terminal, as a user typing it
in a shell would, and prints its stdout and stderr. A command still
running after the timeout (waiting on the terminal) is killed and
"TIMEOUT: waited on the terminal" printed instead, so a test checking it
fails rather than hangs.

Usage: run_on_tty.py COMMAND [ARGS...]
"""
import os
import pty
import subprocess
import sys

TIMEOUT_S = 30


def main(argv):
    leader, follower = pty.openpty()
    try:
        r = subprocess.run(argv, stdin=follower, capture_output=True,
                           text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        print("TIMEOUT: waited on the terminal")
        return 1
    finally:
        os.close(follower)
        os.close(leader)
    sys.stdout.write(r.stdout)
    sys.stdout.write(r.stderr)
    print(f"exit code {r.returncode}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
