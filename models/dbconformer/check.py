"""Self-check of the DBConformer tooling. Exits non-zero on the first failure.

    /usr/bin/python3 models/dbconformer/check.py

1. parameter counts 93,747 / 93,813 (22 ch, 1001 samples, 2 / 4 classes, depth 2);
2. forward shapes (train and eval mode);
3. ONNX export at opset 17 passes onnx.checker (full check), names and dynamic batch axis;
4. Euclidean alignment whitens the training covariance; incompatible npz files are refused;
5. train.py (2 epochs, small synthetic npz, both split modes) + export.py produce a
   checkpoint, metrics, model, card and golden file, and the golden outputs reproduce;
6. online Euclidean alignment: online-ea.golden.json reproduces, the running-mean rule, guards;
7. cross-subject: per-subject references from sliding windows, online trial matrices without
   look-ahead, train_xsubject.py -> export.py (online and offline cards) -> finetune.py.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import DBConformer, count_parameters  # noqa: E402
import export  # noqa: E402
import train  # noqa: E402

PY = sys.executable
CARD_KEYS = ["format", "name", "architecture", "input", "outputs", "rate", "channels", "window",
             "preprocessing", "classes", "markers", "commands", "parameters", "provenance"]


def ok(msg):
    print(f"ok   {msg}", flush=True)


def fail(msg):
    print(f"FAIL {msg}", flush=True)
    sys.exit(1)


def expect(cond, msg):
    ok(msg) if cond else fail(msg)


def synthetic_npz(path, n=40, C=4, T=161, fs=160.0, seed=0, labels=None, rate=None):
    """Two classes that differ in 10 Hz power on channel 0 vs 2 (schema of `pipeline epochs`)."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 2
    t = np.arange(T) / fs
    X = rng.randn(n, C, T)
    for i in range(n):
        X[i, 0 if y[i] else 2] += 3 * np.sin(2 * np.pi * 10 * t + rng.rand() * 6)
    np.savez(path, X=X.astype(np.float32), y=y.astype(np.int64),
             class_names=np.array(["left", "right"]), markers=np.array(["T1", "T2"]),
             channel_labels=np.array(labels or [f"E{i}" for i in range(C)]),
             rate=np.float64(rate or fs), tmin=np.float64(0.0), tmax=np.float64(1.0),
             band=np.array([8.0, 30.0]), notch=np.float64(0.0),
             onsets=np.arange(n, dtype=np.float64) * 4.0 + 10.0, source=np.array("synthetic"))


def run(args, quiet=False):
    p = subprocess.run([PY] + args, capture_output=True, text=True)
    if p.returncode and not quiet:
        print(p.stdout, p.stderr)
    return p


def decode(t):
    return np.frombuffer(base64.b64decode(t["data"]), dtype="<f4").reshape(t["shape"]).copy()


def main():
    t0 = time.time()
    torch.set_num_threads(2)
    torch.manual_seed(0)

    # 1. parameter counts
    for k, want in ((2, 93747), (4, 93813)):
        got = count_parameters(DBConformer(channels=22, samples=1001, classes=k))
        expect(got == want, f"parameters 22ch/1001/{k} classes: {got:,} (want {want:,})")

    # 2. forward shapes
    m = DBConformer(channels=22, samples=1001, classes=4)
    x = torch.randn(3, 22, 1001)
    expect(m.temporal.patches == 8, "1001 samples, patch 125 -> 8 patches")
    expect(tuple(m(x).shape) == (3, 4), "train-mode forward [3, 22, 1001] -> [3, 4]")
    m.eval()
    with torch.no_grad():
        expect(tuple(m(x).shape) == (3, 4) and tuple(m.features(x).shape) == (3, 80),
               "eval-mode forward -> logits [3, 4], features [3, 80]")

    with tempfile.TemporaryDirectory() as tmp:
        # 3. ONNX export of the reference configuration
        path = os.path.join(tmp, "ref.onnx")
        proto = export.export_onnx(m, path, layout="reference")
        inp, outs = proto.graph.input[0], proto.graph.output
        dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
        expect(inp.name == "eeg" and dims == ["batch", 22, 1001],
               f"onnx input eeg {dims}, opset {proto.opset_import[0].version}, checker full_check")
        expect([o.name for o in outs] == ["logits", "probabilities"]
               and all(o.type.tensor_type.shape.dim[0].dim_param == "batch" for o in outs),
               "onnx outputs logits, probabilities with dynamic batch")

        # 3b. the fast export layout computes the same function for every configuration it may meet
        import export_layout
        for kw in (dict(), dict(crop_last=False, samples=1000), dict(spatial_branch=False),
                   dict(channel_attention=False, temporal_depth=1, spatial_depth=3), dict(channels=4, samples=161, patch=80)):
            cfg = {**dict(channels=22, samples=1001, classes=3), **kw}
            mk = DBConformer(**cfg)
            with torch.no_grad():   # batch-norm statistics that are not the identity, so the folding is exercised
                for bn in (mk.temporal.bn1, mk.temporal.bn2):
                    bn.running_mean.uniform_(-1, 1)
                    bn.running_var.uniform_(0.5, 2)
            worst = export_layout.check_same(mk.eval(), export_layout.FastDBConformer(mk), tol=2e-5)
            export.export_onnx(mk, os.path.join(tmp, "fast.onnx"))
            re = export_layout.from_onnx(os.path.join(tmp, "ref.onnx"), m.config) if not kw else None
            expect(worst <= 2e-5 and (re is None or export_layout.check_same(m.eval(), re, tol=1e-5) <= 1e-5),
                   f"fast export layout = model ({kw or 'default'}: {worst:.1e})"
                   + ("; weights read back from its reference ONNX give the model" if re is not None else ""))

        # 4. alignment and input validation
        a = os.path.join(tmp, "a.npz")
        synthetic_npz(a)
        d = train.load_epochs(a)
        W = train.euclidean_alignment_matrix(d["X"])
        R = train.covariances(train.align(d["X"], W)).mean(axis=0)
        expect(np.allclose(R, np.eye(len(R)), atol=1e-4), "aligned training covariance is I")
        bad = os.path.join(tmp, "bad.npz")
        synthetic_npz(bad, labels=["E0", "E1", "E2", "Cz"], rate=250.0)
        p = run([os.path.join(HERE, "train.py"), a, bad, "--out", os.path.join(tmp, "x")], quiet=True)
        expect(p.returncode != 0 and "disagree" in p.stderr and "channel_labels" in p.stderr
               and "rate" in p.stderr, "incompatible npz files refused with a clear message")

        # 5. train + export, chronological split on one file
        out = os.path.join(tmp, "run")
        p = run([os.path.join(HERE, "train.py"), a, "--split", "chronological",
                 "--test-fraction", "0.2", "--max-epochs", "2", "--out", out])
        expect(p.returncode == 0 and "epoch   2/2" in p.stdout and "CSP+LDA" in p.stdout,
               "train.py --split chronological, 2 epochs")
        print("     " + "\n     ".join(p.stdout.strip().splitlines()), flush=True)
        metrics = json.load(open(os.path.join(out, "metrics.json")))
        expect(metrics["n_test"] == 8 and metrics["dbconformer"]["test_accuracy"] is not None
               and metrics["csp_lda"]["test_accuracy"] is not None, "metrics.json with both accuracies")

        onnx_path = os.path.join(out, "tiny.onnx")
        p = run([os.path.join(HERE, "export.py"), os.path.join(out, "checkpoint.pt"),
                 "--out", onnx_path, "--command", "left=LEFT"])
        expect(p.returncode == 0, "export.py")
        onnx.checker.check_model(onnx.load(onnx_path), full_check=True)
        card = json.load(open(os.path.join(out, "tiny.json")))
        missing = [k for k in CARD_KEYS if k not in card]
        expect(not missing and card["format"] == "pipeline-model-card/1"
               and card["input"]["shape"] == [-1, 4, 161] and card["rate"] == 160.0
               and card["commands"] == {"left": "LEFT", "right": "right"}
               and np.array(card["preprocessing"]["alignment"]["matrix"]).shape == (4, 4)
               and card["window"]["samples"] == 161 and card["preprocessing"]["band"] == [8.0, 30.0],
               f"card tiny.json fields (missing: {missing})")

        g = json.load(open(os.path.join(out, "tiny.golden.json")))
        raw, eeg = decode(g["raw"]), decode(g["eeg"])
        logits, probs = decode(g["logits"]), decode(g["probabilities"])
        Wc = np.array(card["preprocessing"]["alignment"]["matrix"], dtype=np.float32)
        model, _ = export.load_checkpoint(os.path.join(out, "checkpoint.pt"))
        with torch.no_grad():
            l2 = model(torch.from_numpy(eeg)).numpy()
        expect(eeg.shape == (3, 4, 161) and logits.shape == (3, 2) and probs.shape == (3, 2)
               and np.allclose(np.matmul(Wc, raw), eeg, atol=1e-4)
               and np.allclose(l2, logits, atol=1e-5) and np.allclose(probs.sum(1), 1, atol=1e-5),
               "golden file decodes; eeg = matrix @ raw; outputs reproduce from the checkpoint")

        # 5b. several training files + separate test file
        b, c = os.path.join(tmp, "b.npz"), os.path.join(tmp, "c.npz")
        synthetic_npz(b, seed=1)
        synthetic_npz(c, seed=2, n=10)
        out2 = os.path.join(tmp, "run2")
        p = run([os.path.join(HERE, "train.py"), a, b, "--test", c, "--max-epochs", "2",
                 "--out", out2])
        m2 = json.load(open(os.path.join(out2, "metrics.json"))) if p.returncode == 0 else {}
        expect(p.returncode == 0 and m2.get("n_train") == 80 and m2.get("n_test") == 10,
               "train.py a.npz b.npz --test c.npz (80 train, 10 test)")

        # 6. online Euclidean alignment: the committed parity file reproduces, guards hold
        check_online_alignment()

        # 7. cross-subject training (per-subject EA), online card, fine-tuning
        check_cross_subject(tmp)

    print(f"all checks passed in {time.time() - t0:.0f} s")


def check_online_alignment():
    import alignment
    g = alignment.golden()
    committed = json.load(open(os.path.join(HERE, "online-ea.golden.json")))
    same = all(np.allclose(decode(a["expected"]), decode(b["expected"]), atol=1e-5)
               and a["status"] == b["status"] for a, b in zip(g["cases"], committed["cases"]))
    expect(same and len(g["cases"]) == len(committed["cases"]),
           "online-ea.golden.json reproduces from alignment.py (regenerate: alignment.py --golden PATH)")
    for c in committed["cases"]:
        W, E = decode(c["windows"]), decode(c["expected"])
        expect(np.isfinite(E).all() and c["skipped"] == c["status"].count("skipped")
               and c["guarded"] == c["status"].count("guarded"),
               f"online EA case {c['name']}: finite outputs, {c['skipped']} skipped, {c['guarded']} guarded")
    # the rule by hand: with w0 = 0 the n-th output is R_n^-1/2 X_n with R_n the plain running mean
    rng = np.random.RandomState(3)
    X = rng.randn(6, 5, 50).astype(np.float32)
    ea = alignment.OnlineAlignment(5)
    for n in range(6):
        Y, _ = ea.step(X[n])
        R = np.mean([X[i].astype(np.float64) @ X[i].T.astype(np.float64) / 50 for i in range(n + 1)], axis=0)
        l, V = np.linalg.eigh(R)
        ref = (V * np.maximum(l, 1e-6 * l.max()) ** -0.5) @ V.T @ X[n]
        if not np.allclose(Y, ref, atol=1e-5):
            fail(f"online EA window {n} differs from the running-mean rule")
    Z = np.zeros((5, 50), np.float32)
    Z[:4] = X[0, :4]
    flat = alignment.OnlineAlignment(5)
    Y, s = flat.step(Z)
    expect(s == "ok" and np.isfinite(Y).all() and np.abs(Y[4]).max() < 1e-6,
           "online EA: a flat channel stays finite and its output stays 0; running mean matches the rule")


def continuous_npz(prefix, subject, seed, runs=2, C=4, trials=12):
    """Synthetic subject: continuous 160 Hz signal with left/right 10 Hz bursts, as eegmmidb_prepare.py writes
    (epochs file + -continuous file), scaled per subject so that per-subject alignment matters."""
    rng = np.random.RandomState(seed)
    gain = rng.uniform(0.5, 3.0, C)
    paths = []
    for r in range(runs):
        n = int((4.1 + trials * 4.2 + 4) * 160)
        sig = rng.randn(C, n) * gain[:, None]
        onsets = 4.1 + np.arange(trials) * 4.2
        y = np.arange(trials) % 2
        t = np.arange(480) / 160
        for o, c in zip(onsets, y):
            s = int(round((o + 0.5) * 160))
            sig[0 if c else 2, s - 80:s + 560] += 3 * gain[0 if c else 2] * np.sin(2 * np.pi * 10 * np.arange(640) / 160)
        sig = sig.astype(np.float32)
        X = np.stack([sig[:, int(round((o + 0.5) * 160)):int(round((o + 0.5) * 160)) + 480] for o in onsets])
        p = f"{prefix}/{subject}R{r + 4:02d}.npz"
        common = dict(class_names=np.array(["left", "right"]), markers=np.array(["T1", "T2"]),
                      channel_labels=np.array([f"E{i}" for i in range(C)]), rate=np.float64(160),
                      band=np.array([8.0, 30.0]), notch=np.float64(0.0), source=np.array(f"{subject}R{r}.edf"))
        np.savez(p, X=X, y=y.astype(np.int64), tmin=np.float64(0.5), tmax=np.float64(3.5),
                 onsets=onsets, **common)
        np.savez(p[:-4] + "-continuous.npz", X=sig[None], y=np.zeros(1, np.int64), tmin=np.float64(0),
                 tmax=np.float64(n / 160), onsets=np.zeros(1), **common)
        paths.append(p)
    return paths


def check_cross_subject(tmp):
    import xsubject as xs
    d = os.path.join(tmp, "xs")
    os.makedirs(d)
    files = [p for i, s in enumerate(["S101", "S102", "S103"]) for p in continuous_npz(d, s, i)]
    runs = xs.load_files(files)
    subj = [xs.Subject(s, r) for s, r in sorted(runs.items())]
    direct = np.mean([xs.window_covariance(r.signal[:, s:s + 480]) for r in subj[0].runs
                      for s in r.window_starts()], axis=0)
    expect(np.allclose(subj[0].R, direct, rtol=1e-10),
           "per-subject reference = mean covariance of every sliding window (480 every 40)")
    A = np.concatenate([xs.window_covariance(s.aligned_trials()) for s in subj]).mean(axis=0)
    expect(all(np.allclose(xs.window_covariance(np.matmul(s.W, np.stack(
        [r.signal[:, a:a + 480] for r in s.runs for a in r.window_starts()]))).mean(axis=0), np.eye(4), atol=1e-6)
        for s in subj) and A.shape == (4, 4), "each subject aligned with its own reference whitens its windows")
    # online EA over trials: the matrix of the last trial uses every window that ended before the trial's end
    s = subj[1]
    M = xs.online_trial_matrices(s.runs[:1], None, 0)
    r = s.runs[0]
    ends = r.window_starts() + 480
    last = r.starts[-1] + 480
    use = np.flatnonzero(ends <= last)
    Rn = np.mean([xs.window_covariance(r.signal[:, a:a + 480]) for a in r.window_starts()[use]], axis=0)
    from alignment import inverse_sqrt
    expect(np.allclose(M[-1], inverse_sqrt(Rn), rtol=1e-8, atol=1e-10),
           "online trial matrices = running mean of the windows ended so far (no labels, no future)")

    out = os.path.join(tmp, "xs-run")
    p = run([os.path.join(HERE, "train_xsubject.py"), *files, "--config", "all-channels-noaug", "--epochs", "2",
             "--warmup", "20", "--out", out, "--attribution", "eegmmidb"])
    expect(p.returncode == 0 and "3 subjects, 72 trials" in p.stdout, "train_xsubject.py: 3 subjects, 2 epochs")
    onnx_path = os.path.join(out, "xs.onnx")
    p = run([os.path.join(HERE, "export.py"), os.path.join(out, "checkpoint.pt"), "--out", onnx_path])
    card = json.load(open(os.path.join(out, "xs.json"))) if p.returncode == 0 else {}
    al = card.get("preprocessing", {}).get("alignment", {})
    P = np.mean([t.R for t in subj], axis=0)
    expect(al.get("mode") == "online" and np.allclose(np.array(al.get("reference")), P, rtol=1e-12)
           and al.get("warmup") == 20.0 and al.get("eigenFloor") == 1e-6
           and np.allclose(np.array(al["matrix"]), inverse_sqrt(P), rtol=1e-5)
           and card["window"] == {"samples": 480, "seconds": 3.0, "tmin": 0.5, "tmax": 3.5}
           and "Schalk" in json.dumps(card.get("attribution")) and card["input"]["shape"] == [-1, 4, 480],
           "export.py: online card (reference P, warmup, eigenFloor, fallback matrix, window, attribution)")
    p = run([os.path.join(HERE, "export.py"), os.path.join(out, "checkpoint.pt"), "--out",
             os.path.join(out, "xs-offline.onnx"), "--alignment", "offline"])
    card2 = json.load(open(os.path.join(out, "xs-offline.json"))) if p.returncode == 0 else {}
    expect(card2.get("preprocessing", {}).get("alignment", {}).get("mode") == "offline"
           and "reference" not in card2["preprocessing"]["alignment"],
           "export.py --alignment offline: today's fixed-matrix card")
    ft = os.path.join(tmp, "xs-ft")
    p = run([os.path.join(HERE, "finetune.py"), os.path.join(out, "checkpoint.pt"), files[0], "--out", ft, "--epochs", "3"])
    ck = torch.load(os.path.join(ft, "checkpoint.pt")) if p.returncode == 0 else {}
    cal = xs.Subject("x", xs.load_files(files[:1])["S101"])
    expect(p.returncode == 0 and np.allclose(ck["online"]["reference"], cal.R)
           and ck["online"]["warmup"] == len(cal.runs[0].window_starts()),
           "finetune.py: fine-tuned checkpoint, online EA seeded with the calibration (reference, window count)")


if __name__ == "__main__":
    main()
