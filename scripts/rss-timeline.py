#!/usr/bin/env python3
"""When a command's memory peaks: its resident set sampled every --every seconds (issue 12;
figures in BENCHMARKS.md, "Issue 12, fifth session").

usage: scripts/rss-timeline.py [--every SECONDS] [--out FILE] -- COMMAND [ARGS...]

Runs COMMAND with its stdout in --out (default /tmp/rss-timeline.out; its size marks when the
output began) and stderr discarded, reads VmRSS from /proc/PID/status at each sample, and
prints the peak, when it came, when the first output byte was written, and about thirty
samples as `seconds:MiB`. /usr/bin/time -f %M gives the exact peak; this shows which stage it
falls in (Linux only).
"""
import argparse, os, subprocess, sys, time

p = argparse.ArgumentParser()
p.add_argument("--every", type=float, default=0.02)
p.add_argument("--out", default="/tmp/rss-timeline.out")
p.add_argument("command", nargs=argparse.REMAINDER)
args = p.parse_args()
command = args.command[1:] if args.command[:1] == ["--"] else args.command
if not command:
    p.error("no command given")

with open(args.out, "wb") as out:
    child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    samples = []  # (seconds, MiB, output bytes)
    while child.poll() is None:
        try:
            with open(f"/proc/{child.pid}/status") as status:
                rss = next(int(l.split()[1]) for l in status if l.startswith("VmRSS"))
            samples.append((time.monotonic() - start, rss / 1024, os.path.getsize(args.out)))
        except (OSError, StopIteration):
            pass  # the process ended between poll() and the read
        time.sleep(args.every)

if not samples:
    sys.exit(f"exit {child.returncode}: no sample taken")
peak = max(samples, key=lambda s: s[1])
first = next((f"{s[0]:.2f} s" for s in samples if s[2] > 0), "never")
print(f"exit {child.returncode}; peak {peak[1]:.0f} MiB at {peak[0]:.2f} s; "
      f"first output at {first}; ended after {samples[-1][0]:.2f} s")
step = max(1, len(samples) // 30)
print(" ".join(f"{s[0]:.1f}:{s[1]:.0f}" for s in samples[::step]))
