"""Why online alignment trails offline alignment, and whether another warm-up rule closes the gap.

    /usr/bin/python3 models/dbconformer/online_rules.py            # evaluate (needs loso.py's saved models)
    /usr/bin/python3 models/dbconformer/online_rules.py --report   # tables only, from the saved results

No training: online EA is applied at inference, so every rule is evaluated with models that loso.py saved.
- Choice, on inner validation subjects only (never a test subject): the selection model of each outer fold
  (the candidate loso.choice() picked, trained on the fold's inner training subjects, seed 1) decodes the
  fold's three validation subjects under every rule; the rule with the best validation accuracy is chosen
  per fold (ties: the earlier rule in RULES), as loso.py chooses w0.
- Outer folds: every final DBConformer model (each fold, each seed that ran) decodes its test subjects under
  every rule; the table reports every rule and the nested choice.
Rules (one session R04 -> R08 -> R12, as the main table's online column):
  fixed-w{0,20,80,320}: the runtime's rule, R_n = (w0 P + sum C_i) / (w0 + n) (recomputed: must equal the
      stored loso.py results, checked);
  scaled-w{20,80,320}: the prior keeps the population's shape but takes the person's power,
      R_n = (w0 s_n P + sum C_i) / (w0 + n), s_n = tr(sum C_i / n) / tr(P). The subjects' mean power differs
      from the population's by a factor 0.08-2.8, so with the fixed prior the first minutes are aligned to
      the wrong amplitude.
Results: runs/xsubject/results/align-rules/{select/f<k>,final/f<k>/s<seed>,distance}.json; the table also goes
between the markers <!-- online-rules:begin --> / <!-- online-rules:end --> of models/README.md.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import scipy.stats
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import xsubject as xs  # noqa: E402
import loso  # noqa: E402

RULES = {f"fixed-w{w}": ("fixed", w) for w in (0, 20, 80, 320)}
RULES.update({f"scaled-w{w}": ("scaled", w) for w in (20, 80, 320)})
OUT = os.path.join(loso.WORK, "results", "align-rules")


def decode(model, subj, P):
    """Per-trial probability of class 1 under offline EA and every rule."""
    predict = lambda X: xs.predict_proba(model, X)[:, 1].tolist()  # noqa: E731
    r = dict(y=subj.y.tolist(), runs=[run.run for run in subj.runs for _ in run.y],
             offline=predict(subj.aligned_trials()))
    for name, (prior, w0) in RULES.items():
        X, _ = xs.aligned_online(subj, P, w0, carry=True, prior=prior)
        r[name] = predict(X)
    return r


def acc(res, key):
    y = np.concatenate([np.array(v["y"]) for v in res.values()])
    p = np.concatenate([np.array(v[key]) for v in res.values()])
    return float(((p > 0.5) == y).mean())


def check_stored(res, stored, where):
    """The recomputed fixed rules must give loso.py's stored probabilities (same code path, same models)."""
    for s, v in res.items():
        for w in (0, 20, 80, 320):
            d = np.max(np.abs(np.array(v[f"fixed-w{w}"]) - np.array(stored[s][f"online-session-w{w}"])))
            if d > 1e-5:
                raise SystemExit(f"{where} {s} fixed-w{w}: differs from the stored result by {d:.2e}")


def evaluate():
    for k in range(5):
        out = os.path.join(OUT, "select", f"f{k}.json")
        if not os.path.exists(out):
            cand = loso.choice("dbconformer", k)[0]
            train, _, val = loso.fold_split(k)
            ch = loso.NET_CANDIDATES[cand]["channels"]
            inner = loso.subjects([s for s in train if s not in val], ch)
            P = xs.population_reference(inner)
            model = loso._load_net(torch.load(loso.path("models", "select", "dbconformer", cand, f"f{k}", ext="pt")))
            res = {s.name: decode(model, s, P) for s in loso.subjects(val, ch)}
            check_stored(res, loso.load(loso.path("results", "select", "dbconformer", cand, f"f{k}"))["results"],
                         f"select f{k}")
            loso.save(out, dict(fold=k, candidate=cand, val=val, results=res))
            print(f"validation fold {k}: " + ", ".join(f"{n} {acc(res, n):.3f}" for n in ["offline", *RULES]),
                  flush=True)
    for mp in sorted(glob.glob(os.path.join(loso.WORK, "models", "final", "dbconformer", "f*", "s*.pt"))):
        k, seed = int(mp.split(os.sep)[-2][1:]), int(os.path.basename(mp)[1:-3])
        out = os.path.join(OUT, "final", f"f{k}", f"s{seed}.json")
        stored = loso.path("results", "final", "dbconformer", f"f{k}", f"s{seed}")
        if os.path.exists(out) or not os.path.exists(stored):      # no result yet: the model may be half-written
            continue
        ck = torch.load(mp)
        _, test, _ = loso.fold_split(k)
        res = {s.name: decode(loso._load_net(ck), s, ck["P"]) for s in loso.subjects(test, ck["cfg"]["channels"])}
        check_stored(res, loso.load(stored)["results"], f"final f{k} s{seed}")
        loso.save(out, dict(fold=k, seed=seed, results=res))
        print(f"test fold {k} seed {seed}: " + ", ".join(f"{n} {acc(res, n):.3f}" for n in ["offline", *RULES]),
              flush=True)


def riemann_to_own(M, R):
    """Affine-invariant distance between the online reference and the subject's own whole-session reference R,
    measured as how far M R M^T (identity when M = R^-1/2) is from I."""
    A = M @ R @ M.T
    return float(np.sqrt((np.log(np.linalg.eigvalsh((A + A.T) / 2)) ** 2).sum()))


def distances():
    """Without labels, on the training subjects of each outer fold only: each training subject is treated as a
    new person (P = the mean reference of the fold's OTHER training subjects) and every rule's online matrices are
    compared with its own whole-session reference (what offline alignment uses): mean distance over its trials,
    and per run of the session. Descriptive; no rule is chosen by it."""
    out = os.path.join(OUT, "distance.json")
    if os.path.exists(out):
        return loso.load(out)
    S = {s.name: s for s in loso.subjects(xs.SUBJECTS, "motor")}
    res = {}
    for k in range(5):
        train = loso.fold_split(k)[0]
        res[k] = {}
        for name, (prior, w0) in RULES.items():
            per_run = {}
            for s in train:
                P = np.mean([S[o].R for o in train if o != s], axis=0)
                M = xs.online_trial_matrices(S[s].runs, P, w0, prior=prior)
                runs = [r.run for r in S[s].runs for _ in r.y]
                for m, run in zip(M, runs):
                    per_run.setdefault(run, []).append(riemann_to_own(m, S[s].R))
            res[k][name] = dict(mean=float(np.mean(sum(per_run.values(), []))),
                                **{run: float(np.mean(v)) for run, v in sorted(per_run.items())})
    loso.save(out, res)
    return loso.load(out)


def chosen_rules(names=tuple(RULES)):
    """Per fold: the rule (of `names`) with the best validation accuracy (ties: the earlier in RULES)."""
    out = {}
    for k in range(5):
        res = loso.load(os.path.join(OUT, "select", f"f{k}.json"))["results"]
        out[k] = max(names, key=lambda n: (acc(res, n), -list(RULES).index(n)))
    return out


def report():
    sel = {k: loso.load(os.path.join(OUT, "select", f"f{k}.json")) for k in range(5)}
    runs = {}
    for p in sorted(glob.glob(os.path.join(OUT, "final", "f*", "s*.json"))):
        r = loso.load(p)
        runs.setdefault(r["seed"], {}).update({s: dict(v, fold=r["fold"]) for s, v in r["results"].items()})
    seeds = [sd for sd in sorted(runs) if all(s in runs[sd] for s in xs.SUBJECTS)]
    chosen = chosen_rules()
    dist = distances()
    lines = ["| rule | distance to own reference, training subjects (R04 / R08 / R12) | validation accuracy, folds 0-4 (mean) | outer folds: mean of 19 subjects [95 % CI] | minus offline (paired t p) |",
             "|---|---|---|---|---|"]

    def subject_accs(key):
        return np.array([np.mean([float(((np.array(key(runs[sd][s]) if callable(key) else runs[sd][s][key]) > 0.5)
                                         == np.array(runs[sd][s]["y"])).mean()) for sd in seeds])
                         for s in xs.SUBJECTS])

    off = subject_accs("offline")
    m, lo, hi = xs.mean_ci(off)
    val_off = [acc(sel[k]["results"], "offline") for k in range(5)]
    lines.append(f"| offline (own whole-session reference) | 0 | {', '.join(f'{v:.3f}' for v in val_off)} "
                 f"({np.mean(val_off):.3f}) | {m:.3f} [{lo:.3f}, {hi:.3f}] | |")
    fixed = chosen_rules([n for n in RULES if n.startswith("fixed")])
    rows = list(RULES) + [("fixed rules only (the protocol's w0 choice)", fixed),
                          ("fixed and scaled rules", chosen)]
    for n in rows:
        if isinstance(n, tuple):
            what, ch = n
            key = lambda r, ch=ch: r[ch[r["fold"]]]  # noqa: E731
            val = [acc(sel[k]["results"], ch[k]) for k in range(5)]
            label = f"**chosen per fold on validation**, {what}: " + ", ".join(ch[k] for k in range(5))
        else:
            key, val, label = n, [acc(sel[k]["results"], n) for k in range(5)], n
        a = subject_accs(key)
        m, lo, hi = xs.mean_ci(a)
        t = scipy.stats.ttest_rel(a, off).pvalue
        dcell = "" if isinstance(n, tuple) else " / ".join(
            f"{np.mean([dist[str(k)][n][run] for k in range(5)]):.2f}" for run in ("R04", "R08", "R12"))
        lines.append(f"| {label} | {dcell} | {', '.join(f'{v:.3f}' for v in val)} ({np.mean(val):.3f}) | "
                     f"{m:.3f} [{lo:.3f}, {hi:.3f}] | {m - off.mean():+.3f} (p = {t:.2f}) |")
    # how the protocol's online figure differs from offline, trial by trial
    flips = []
    for sd in seeds:
        b = c = 0
        for s_ in xs.SUBJECTS:
            r = runs[sd][s_]
            y = np.array(r["y"])
            o = (np.array(r["offline"]) > 0.5) == y
            n_ = (np.array(r[fixed[r["fold"]]]) > 0.5) == y
            b += int((o & ~n_).sum())
            c += int((~o & n_).sum())
        flips.append(f"seed {sd}: {b + c} of 840 trials decided differently, {b} right only offline and {c} right "
                     f"only online (exact McNemar p = {scipy.stats.binomtest(min(b, c), b + c).pvalue:.2f})")
    lines += ["", "Protocol's online EA (fixed rules, w0 chosen per fold) against offline, trial by trial: "
              + "; ".join(flips) + "."]
    text = (f"Outer folds: DBConformer seeds {', '.join(map(str, seeds))} (each subject's accuracy averaged over them); "
            f"validation: the selection model of each fold on its 3 inner validation subjects.\n\n" + "\n".join(lines))
    print(text)
    readme = os.path.join(HERE, "..", "README.md")
    r = open(readme).read()
    a, b = "<!-- online-rules:begin -->", "<!-- online-rules:end -->"
    if a in r and b in r:
        open(readme, "w").write(r[:r.index(a) + len(a)] + "\n" + text + "\n" + r[r.index(b):])
        print(f"\n(updated the table in {os.path.relpath(readme)})")
    return text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--report", action="store_true", help="tables only, from the saved results")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if not args.report:
        evaluate()
    report()


if __name__ == "__main__":
    main()
