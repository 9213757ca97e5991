"""Cut the EEGMMIDB imagined left/right-fist runs of S001-S019 with the C# `pipeline epochs` verb.

    /usr/bin/python3 models/dbconformer/eegmmidb_prepare.py \
        [--data ../shared/data/eeg] [--out models/dbconformer/runs/xsubject/data]

For every subject and run (R04, R08, R12 where present; S001 has only R04 and R08 in the shared
data) it writes two files with the runtime's own causal preprocessing (Butterworth 8-30 Hz, 64 ch,
160 Hz):

  SxxxRyy.npz             `pipeline epochs FILE --markers T1,T2 --classes left,right --tmin 0.5
                          --tmax 3.5 --band 8 30`: the trials, 64 x 480 (T1 = left, T2 = right);
  SxxxRyy-continuous.npz  the same filtered signal for the whole run (one "epoch" from the T0 at
                          0 s to the end of the file), for the sliding windows an online session
                          sees and for time-shift augmentation.

It then checks that cutting the continuous signal at round((onset + tmin) * rate) gives the
verb's trials bit for bit, so training code may cut other windows from the continuous signal and
still see exactly what the runtime computes. Nothing here is committed (runs/ is git-ignored).
"""
import argparse
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SUBJECTS = [f"S{i:03d}" for i in range(1, 20)]
RUNS = ["R04", "R08", "R12"]


def edf_seconds(path):
    """Length of an EDF file in seconds: number of data records x record duration (header fields)."""
    with open(path, "rb") as f:
        h = f.read(256)
    return int(h[236:244].decode("ascii").strip()) * float(h[244:252].decode("ascii").strip())


def find_run(data, subject, run):
    for p in (os.path.join(data, "eegmmidb", subject, f"{subject}{run}.edf"),
              os.path.join(data, f"eegmmidb-{subject}", f"{subject}{run}.edf")):
        if os.path.isfile(p):
            return p
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "eeg"),
                    help="folder holding eegmmidb/Sxxx/ and eegmmidb-S001/")
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "xsubject", "data"))
    ap.add_argument("--pipeline", default=os.path.join(ROOT, "Pipeline.Host", "bin", "Release", "net10.0",
                                                       "pipeline"),
                    help="the built CLI (dotnet build Pipeline.Host -c Release)")
    ap.add_argument("--band", type=float, nargs=2, default=[8.0, 30.0])
    ap.add_argument("--tmin", type=float, default=0.5)
    ap.add_argument("--tmax", type=float, default=3.5)
    args = ap.parse_args(argv)
    if not os.path.isfile(args.pipeline):
        raise SystemExit(f"{args.pipeline} not found; build it first: dotnet build Pipeline.Host -c Release")
    os.makedirs(args.out, exist_ok=True)
    band = [f"{args.band[0]:g}", f"{args.band[1]:g}"]
    total, missing = 0, []
    for s in SUBJECTS:
        for r in RUNS:
            edf = find_run(args.data, s, r)
            if edf is None:
                missing.append(s + r)
                continue
            ep = os.path.join(args.out, f"{s}{r}.npz")
            co = os.path.join(args.out, f"{s}{r}-continuous.npz")
            if not (os.path.isfile(ep) and os.path.isfile(co)):
                subprocess.run([args.pipeline, "epochs", edf, "--markers", "T1,T2", "--classes", "left,right",
                                "--tmin", f"{args.tmin:g}", "--tmax", f"{args.tmax:g}", "--band", *band,
                                "--out", ep], check=True, stdout=subprocess.DEVNULL)
                subprocess.run([args.pipeline, "epochs", edf, "--markers", "T0", "--tmin", "0",
                                "--tmax", repr(edf_seconds(edf)), "--band", *band, "--out", co],
                               check=True, stdout=subprocess.DEVNULL)
            e, c = np.load(ep), np.load(co)
            if c["X"].shape[0] != 1 or float(c["onsets"][0]) != 0.0:
                raise SystemExit(f"{edf}: expected one T0 at 0 s to export the continuous signal")
            sig, rate, T = c["X"][0], float(e["rate"]), e["X"].shape[2]
            for x, onset in zip(e["X"], e["onsets"]):
                start = int(round((onset + args.tmin) * rate))
                if not np.array_equal(sig[:, start:start + T], x):
                    raise SystemExit(f"{edf}: the trial at {onset} s differs from the continuous signal cut at "
                                     f"sample {start}")
            total += len(e["y"])
            print(f"{s}{r}: {len(e['y'])} trials ({int((e['y'] == 0).sum())} left), continuous "
                  f"{sig.shape[1]} samples = {sig.shape[1] / rate:g} s; trials == continuous cut", flush=True)
    print(f"{total} trials; runs not in the data: {', '.join(missing) or 'none'}")


if __name__ == "__main__":
    sys.exit(main())
