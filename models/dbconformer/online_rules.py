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
Results: runs/xsubject/results/align-rules/{select/f<k>,final/f<k>/s<seed>}.json.
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


def chosen_rules():
    """Per fold: the rule with the best validation accuracy (ties: the earlier in RULES)."""
    out = {}
    for k in range(5):
        res = loso.load(os.path.join(OUT, "select", f"f{k}.json"))["results"]
        out[k] = max(RULES, key=lambda n: (acc(res, n), -list(RULES).index(n)))
    return out


def report():
    sel = {k: loso.load(os.path.join(OUT, "select", f"f{k}.json")) for k in range(5)}
    runs = {}
    for p in sorted(glob.glob(os.path.join(OUT, "final", "f*", "s*.json"))):
        r = loso.load(p)
        runs.setdefault(r["seed"], {}).update({s: dict(v, fold=r["fold"]) for s, v in r["results"].items()})
    seeds = [sd for sd in sorted(runs) if all(s in runs[sd] for s in xs.SUBJECTS)]
    chosen = chosen_rules()
    lines = ["| rule | validation accuracy, folds 0-4 (mean) | outer folds: mean of 19 subjects [95 % CI] | minus offline (paired t p) |",
             "|---|---|---|---|"]

    def subject_accs(key):
        return np.array([np.mean([float(((np.array(key(runs[sd][s]) if callable(key) else runs[sd][s][key]) > 0.5)
                                         == np.array(runs[sd][s]["y"])).mean()) for sd in seeds])
                         for s in xs.SUBJECTS])

    off = subject_accs("offline")
    m, lo, hi = xs.mean_ci(off)
    val_off = [acc(sel[k]["results"], "offline") for k in range(5)]
    lines.append(f"| offline (own whole-session reference) | {', '.join(f'{v:.3f}' for v in val_off)} "
                 f"({np.mean(val_off):.3f}) | {m:.3f} [{lo:.3f}, {hi:.3f}] | |")
    rows = list(RULES) + ["nested choice"]
    for n in rows:
        if n == "nested choice":
            key = lambda r: r[chosen[r["fold"]]]  # noqa: E731
            val = [acc(sel[k]["results"], chosen[k]) for k in range(5)]
            label = "**chosen per fold on validation** (" + ", ".join(chosen[k] for k in range(5)) + ")"
        else:
            key, val, label = n, [acc(sel[k]["results"], n) for k in range(5)], n
        a = subject_accs(key)
        m, lo, hi = xs.mean_ci(a)
        t = scipy.stats.ttest_rel(a, off).pvalue
        lines.append(f"| {label} | {', '.join(f'{v:.3f}' for v in val)} ({np.mean(val):.3f}) | "
                     f"{m:.3f} [{lo:.3f}, {hi:.3f}] | {m - off.mean():+.3f} (p = {t:.2f}) |")
    text = (f"Outer folds: DBConformer seeds {', '.join(map(str, seeds))} (each subject's accuracy averaged over them); "
            f"validation: the selection model of each fold on its 3 inner validation subjects.\n\n" + "\n".join(lines))
    print(text)
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
