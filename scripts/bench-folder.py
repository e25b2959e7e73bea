#!/usr/bin/env python3
"""One changed server in a 10,000-server folder, and `--check` on an up-to-date one, against
the render to /dev/null (issue 12; results in BENCHMARKS.md, "Issue 12: incremental folders").

usage: scripts/bench-folder.py [--work DIR] [--warmup N] [--rounds N] [--as-is] LABEL=BINARY ...

Interleaved rounds: each round is one `hyperfine -N -r 1` call that runs every command once
(in reverse order every other round), so load from other processes hits all commands alike;
the first --warmup rounds are dropped. Prints the medians (wall, user, system) and each
command's ratio to its binary's render, by medians and as the median of per-round ratios,
with a 95% interval for that median (bootstrap: the rounds resampled 2,000 times, seeded, so
the same samples give the same interval). The machine's spread shows in the interval: a
ratio is within a bound only when the whole interval is.

Before each command its files are read once more (the binary, the input and, for the folder
commands, every file of the folder), so each runs with the page cache warm, as the render's
one input mostly is anyway. This matters on a machine that pages out idle page cache: this
VM runs DAMON with a `pageout` scheme on unmapped file pages, which between rounds evicted
part of the folder's 10,000 files (0 to 1,439 disk reads for one `--check` after 4 s idle,
none when run again at once), so the folder commands, which read 10,000 files where the
render reads one, waited on the disk in some rounds and not in others. `--as-is` leaves the
cache as it is, to see that effect.

The input is written by examples/gen_servers (built by `cargo build --release --example
gen_servers`) into --work (default /tmp/mcp-render-bench-folder: keep it on the file system
you want to measure; / here is ext4); the changed variant differs in one server's image.
"""
import argparse, json, os, random, statistics, subprocess, sys

p = argparse.ArgumentParser()
p.add_argument("--work", default="/tmp/mcp-render-bench-folder")
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--rounds", type=int, default=8)
p.add_argument("--servers", type=int, default=10000)
p.add_argument("--as-is", action="store_true", help="do not warm the page cache before each command")
p.add_argument("binaries", nargs="+", metavar="LABEL=BINARY")
args = p.parse_args()
root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
gen = os.path.join(target, "release", "examples", "gen_servers")
bins = [(label, os.path.abspath(b)) for label, b in (a.split("=", 1) for a in args.binaries)]
os.makedirs(args.work, exist_ok=True)
os.chdir(args.work)
sh = lambda cmd: subprocess.run(cmd, shell=True, check=True)


def interval(values, resamples=2000, seed=12):
    """95% bootstrap interval of the median of `values`."""
    rng = random.Random(seed)
    medians = sorted(
        statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples)
    )
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


sh("mkdir -p a b in")
sh(f"{gen} --count {args.servers} --out a/s.yaml --owners o.lock")
text = open("a/s.yaml").read()
first = text.index("image: ")
end = text.index("\n", first)
changed = text[:end] + "-changed" + text[end:]
open("b/s.yaml", "w").write(changed)
R = "render --max-file-size 1000000000 --owners o.lock in/s.yaml"
sh("cp a/s.yaml in/s.yaml")


def warm(binary, folder=None):
    """A shell line reading what a command reads (`true` with --as-is)."""
    if args.as_is:
        return "true"
    files = f"cat {binary} in/s.yaml o.lock >/dev/null"
    return files + (f" && find {folder} -type f -exec cat {{}} + >/dev/null" if folder else "")


cmds = []  # (name, prepare, command)
for label, b in bins:
    sh(f"rm -rf out-{label} chk-{label}")
    sh(f"{b} {R} -o chk-{label} 2>/dev/null && {b} {R} -o out-{label} 2>/dev/null")
    cmds.append((f"{label}: render >/dev/null", f"sh -c '{warm(b)}'", f"{b} {R}"))
    change = f"cp b/s.yaml in/s.yaml && {b} {R} -o out-{label} 2>/dev/null; cp a/s.yaml in/s.yaml"
    cmds.append((f"{label}: one change -o DIR", f"sh -c '{change} && {warm(b, f'out-{label}')}'", f"{b} {R} -o out-{label}"))
    cmds.append((f"{label}: --check, up to date", f"sh -c '{warm(b, f'chk-{label}')}'", f"{b} {R} -o chk-{label} --check"))
samples = {name: [] for name, _, _ in cmds}
for i in range(args.warmup + args.rounds):
    order = cmds if i % 2 == 0 else cmds[::-1]
    hf = ["hyperfine", "-N", "-r", "1", "--export-json", "round.json"]
    for name, prep, cmd in order:
        hf += ["--prepare", prep]
    for name, prep, cmd in order:
        hf += ["-n", name, cmd]
    subprocess.run(hf, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if i >= args.warmup:
        for r in json.load(open("round.json"))["results"]:
            samples[r["command"]].append((r["times"][0], r["user"], r["system"]))
    print(f"round {i + 1}/{args.warmup + args.rounds}, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
for label, _ in bins:
    base = samples[f"{label}: render >/dev/null"]
    base_wall = statistics.median(s[0] for s in base)
    for name, _, _ in cmds:
        if not name.startswith(label + ":"):
            continue
        s = samples[name]
        wall, user, system = (statistics.median(x[j] for x in s) for j in range(3))
        ratios = [a[0] / b[0] for a, b in zip(s, base)]
        low, high = interval(ratios)
        per_round = f"per round {statistics.median(ratios):.2f}x, 95% {low:.2f}-{high:.2f}"
        print(f"{name:34} {wall:.3f} s ({wall / base_wall:.2f}x; {per_round})  user {user:.3f}  sys {system:.3f}")
