"""Tables of the leave-subjects-out evaluation (run by `loso.py report`).

Reads models/dbconformer/runs/xsubject/results/ and prints the tables, writes them to
runs/xsubject/results.md and between the markers `<!-- loso:begin -->` / `<!-- loso:end -->` of
models/README.md.

Statistics
- Per subject: accuracy over its trials (45; S001 30). Networks: mean over the seeds that ran for that
  subject (the table says which); its interval is the exact Clopper-Pearson 95 % interval of the
  seed-mean number correct (rounded) out of n.
- Mean: the mean of the 19 subject accuracies with a t-based 95 % interval (df 18).
- Pooled test against chance: one-sided exact binomial test of all 840 trials against 0.5; for
  networks the largest p over the seeds that ran on every fold.
- Paired comparisons between methods: two-sided paired t-test and Wilcoxon signed-rank over subjects.
"""
import glob
import json
import os
import sys

import numpy as np
import scipy.stats

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import xsubject as xs  # noqa: E402
import loso  # noqa: E402

WORK = loso.WORK
NAMES = {"csp": "CSP+LDA", "tslr": "TS+LR", "eegnet": "EEGNet", "dbconformer": "DBConformer"}


def load_final(method):
    runs = {}
    for p in sorted(glob.glob(os.path.join(WORK, "results", "final", method, "f*", "s*.json"))):
        r = loso.load(p)
        runs.setdefault(r["seed"], {}).update({s: dict(v, fold=r["fold"], warmup=r["warmup"],
                                                        candidate=r["candidate"])
                                               for s, v in r["results"].items()})
    return runs          # seed -> subject -> result


def subject_acc(res, key):
    v = res[key] if isinstance(key, str) else key(res)
    return float(((np.array(v) > 0.5) == np.array(res["y"])).mean())


def key_online(res, mode="session"):
    return res[f"online-{mode}-w{res['warmup']}"]


def per_subject(runs, key):
    """subject -> (mean accuracy over seeds, n, [acc per seed]); key: str or function of a subject result."""
    out = {}
    for s in xs.SUBJECTS:
        accs = [subject_acc(runs[seed][s], key) for seed in sorted(runs) if s in runs[seed]]
        if accs:
            out[s] = (float(np.mean(accs)), len(runs[min(runs)][s]["y"]), accs)
    return out


def complete_seeds(runs):
    """The seeds whose results cover all 19 subjects (every fold)."""
    return [sd for sd in sorted(runs) if all(s in runs[sd] for s in xs.SUBJECTS)]


def seed_coverage(runs):
    """One phrase: which seeds ran on which folds, e.g. 'seeds 1, 2, 3 on every fold' or
    'seed 1 on folds 0-4; seed 2 on folds 0, 1'."""
    parts, full = [], complete_seeds(runs)
    if full:
        parts.append(("seed " if len(full) == 1 else "seeds ") + ", ".join(map(str, full)) + " on every fold")
    for sd in sorted(runs):
        if sd not in full:
            folds = sorted({v["fold"] for v in runs[sd].values()})
            parts.append(f"seed {sd} on fold{'s' if len(folds) > 1 else ''} {', '.join(map(str, folds))} only")
    return "; ".join(parts)


def pooled_p(runs, key, seeds=None):
    """Largest one-sided binomial p over the given seeds (default: the complete ones), with that seed's k/n;
    also the list of (seed, k, n)."""
    ps = []
    for seed in (seeds if seeds is not None else complete_seeds(runs)) or sorted(runs):
        k = n = 0
        for s, r in runs[seed].items():
            v = r[key] if isinstance(key, str) else key(r)
            k += int(((np.array(v) > 0.5) == np.array(r["y"])).sum())
            n += len(r["y"])
        ps.append((xs.binomial_p(k, n), k, n))
    return max(ps)


def pooled_text(runs, key):
    seeds = complete_seeds(runs)
    if not seeds:
        return "-"
    p, k, n = pooled_p(runs, key, seeds)
    if len(seeds) == 1:
        return f"p = {p:.1e} ({k}/{n}, seed {seeds[0]})"
    counts = ", ".join(f"{pooled_p(runs, key, [sd])[1]}" for sd in seeds)
    return f"p <= {p:.1e} (correct of {n}, seeds {', '.join(map(str, seeds))}: {counts})"


def fmt_ci(acc, n):
    lo, hi = xs.clopper_pearson(int(round(acc * n)), n)
    return f"{acc:.2f} [{lo:.2f}, {hi:.2f}]"


def fmt_mean(values):
    m, lo, hi = xs.mean_ci(values)
    return f"**{m:.3f}** [{lo:.3f}, {hi:.3f}]"


def paired(a, b):
    a, b = np.asarray(a), np.asarray(b)
    t = scipy.stats.ttest_rel(a, b)
    try:
        w = scipy.stats.wilcoxon(a, b).pvalue
    except ValueError:
        w = float("nan")
    return f"{(a - b).mean():+.3f} (paired t p = {t.pvalue:.3f}, Wilcoxon p = {w:.3f})"


def main():
    lines = []
    out = lines.append
    methods = [m for m in ("csp", "tslr", "eegnet", "dbconformer")
               if glob.glob(os.path.join(WORK, "results", "final", m, "f*", "s*.json"))]
    finals = {m: load_final(m) for m in methods}
    table = {m: per_subject(finals[m], "offline") for m in methods}
    online = {m: per_subject(finals[m], key_online) for m in methods}
    full = [m for m in methods if len(table[m]) == len(xs.SUBJECTS)]    # methods tested on every subject
    complete = "dbconformer" in full
    nets = [m for m in methods if m in ("eegnet", "dbconformer")]
    seeds_max = {m: max(len(v[2]) for v in table[m].values()) for m in methods}

    out("### Leave-subjects-out accuracy (5 fixed folds of whole subjects, per-subject Euclidean alignment)")
    out("")
    out("Offline alignment: each test subject aligned with its own reference (all its sliding windows, "
        "unlabelled). Chance 0.50. Per-subject cells: accuracy [95 % Clopper-Pearson]; mean: mean of "
        "subjects [95 % t-interval]. CSP+LDA and TS+LR are deterministic (one run). Networks: the mean over "
        "the seeds run for that subject: " + "; ".join(f"{NAMES[m]} {seed_coverage(finals[m])}" for m in nets) +
        " (a cell marked (n seeds) has fewer seeds than the rest of its column).")
    out("")
    head = "| subject | fold | trials | " + " | ".join(NAMES[m] for m in methods) + " | DBConformer online EA |"
    out(head)
    out("|" + "---|" * (head.count("|") - 1))
    for s in xs.SUBJECTS:
        cells = []
        n = None
        for m in methods:
            if s in table[m]:
                acc, n, accs = table[m][s]
                mark = f" ({len(accs)} seed{'s' if len(accs) > 1 else ''})" if len(accs) < seeds_max[m] else ""
                cells.append(fmt_ci(acc, n) + mark)
            else:
                cells.append("-")
        on = fmt_ci(*online["dbconformer"][s][:2]) if "dbconformer" in online and s in online["dbconformer"] else "-"
        fold = next(k for k, f in enumerate(xs.FOLDS) if s in f)
        out(f"| {s} | {fold} | {n or '-'} | " + " | ".join(cells) + f" | {on} |")
    if complete:
        def mean_cell(m, tab):
            if m in full:
                return fmt_mean([tab[m][s][0] for s in xs.SUBJECTS])
            subs = [s for s in xs.SUBJECTS if s in tab[m]]
            folds = sorted({k for k, f in enumerate(xs.FOLDS) if any(s in f for s in subs)})
            return f"incomplete: {np.mean([tab[m][s][0] for s in subs]):.3f} over {len(subs)} subjects (folds " \
                   f"{', '.join(map(str, folds))}), not comparable"
        cells = [mean_cell(m, table) for m in methods]
        out("| **mean** | | 840 | " + " | ".join(cells) + f" | {mean_cell('dbconformer', online)} |")
        cells = [pooled_text(finals[m], "offline") if m in full else "-" for m in methods]
        out("| pooled binomial vs 0.5 (one-sided, all 840 trials) | | | " + " | ".join(cells) +
            f" | {pooled_text(finals['dbconformer'], key_online)} |")
        seeds = []
        for m in methods:
            cs = complete_seeds(finals[m])
            if m not in nets:
                seeds.append("(deterministic)")
            elif cs:
                seeds.append(", ".join(f"s{sd} {np.mean([subject_acc(finals[m][sd][s], 'offline') for s in xs.SUBJECTS]):.3f}"
                                       for sd in cs))
            else:
                seeds.append("-")
        out("| mean of each seed run on every fold | | | " + " | ".join(seeds) + " | " +
            ", ".join(f"s{sd} {np.mean([subject_acc(finals['dbconformer'][sd][s], key_online) for s in xs.SUBJECTS]):.3f}"
                      for sd in complete_seeds(finals["dbconformer"])) + " |")
        out("")
        if "dbconformer" in methods:
            db = [table["dbconformer"][s][0] for s in xs.SUBJECTS]
            for m in full:
                if m != "dbconformer":
                    out(f"- DBConformer minus {NAMES[m]} (offline, per subject): "
                        f"{paired(db, [table[m][s][0] for s in xs.SUBJECTS])}")
            out("")

    # selection
    out("### Nested selection (inner validation subjects of each outer fold; seed 1)")
    out("")
    out("| method | fold | validation subjects | scores (mean val. accuracy, last 5 epochs for networks) | chosen | w0 |")
    out("|---|---|---|---|---|---|")
    for m in methods:
        for k in range(5):
            try:
                cand, w0, scores = loso.choice(m, k)
            except FileNotFoundError:
                continue
            val = loso.fold_split(k)[2]
            if m == "eegnet":       # no selection runs of its own: DBConformer's choice and scores, reused
                text = "none of its own: reuses DBConformer's choice (" + \
                       ", ".join(f"{c.replace('dbconformer ', '')} {v:.3f}" for c, v in scores.items()) + ")"
            else:
                text = ", ".join(f"{c} {v:.3f}" for c, v in scores.items())
            out(f"| {NAMES[m]} | {k} | {', '.join(val)} | {text} | {cand} | {w0} |")
    out("")

    # online vs offline
    if complete:
        out("### Online vs offline alignment (outer folds, same models)")
        out("")
        out("Online: the runtime's online EA (alignment.py) over the test subject's sliding windows (480 samples "
            "every 40) in chronological order, no labels, starting from the fold's population reference P with "
            "weight w0; each trial is aligned with the matrix in force when its window ends. `session`: one "
            "stream R04 -> R08 -> R12; `run`: every run starts again from P (as `pipeline replay` of one run).")
        out("")
        out("Same seeds per cell as the main table; methods not yet run on every fold are left out.")
        out("")
        head = "| alignment | " + " | ".join(NAMES[m] for m in full) + " |"
        out(head)
        out("|" + "---|" * (head.count("|") - 1))
        rows = [("offline (own windows)", "offline"),
                ("online, session, chosen w0", key_online),
                ("online, each run from P, chosen w0", lambda r: key_online(r, "run"))]
        rows += [(f"online, session, w0 = {w}", f"online-session-w{w}") for w in loso.WARMUPS]
        rows += [(f"online, each run from P, w0 = {w}", f"online-run-w{w}") for w in loso.WARMUPS]
        for label, key in rows:
            cells = []
            for m in full:
                ps = per_subject(finals[m], key)
                m_, lo, hi = xs.mean_ci([ps[s][0] for s in xs.SUBJECTS])
                cells.append(f"{m_:.3f} [{lo:.3f}, {hi:.3f}]")
            out(f"| {label} | " + " | ".join(cells) + " |")
        if "dbconformer" in methods:
            a = [table["dbconformer"][s][0] for s in xs.SUBJECTS]
            b = [online["dbconformer"][s][0] for s in xs.SUBJECTS]
            out("")
            out(f"- DBConformer online (session, chosen w0) minus offline: {paired(b, a)}")
        out("")

    # ablations
    order = list(loso.NET_CANDIDATES) + list(loso.ABLATIONS)
    abl = sorted((d for d in glob.glob(os.path.join(WORK, "results", "ablation", "*")) if glob.glob(os.path.join(d, "f*.json"))),
                 key=lambda d: order.index(os.path.basename(d)) if os.path.basename(d) in order else 99)
    if abl and "dbconformer" in finals:
        out("### Ablations on the outer folds (information only: NOT used for any choice; seed 1)")
        out("")
        out("Each row trains one configuration on every outer fold (seed 1) and tests it exactly like the "
            "table above (offline alignment). The reference rows are the nested-selected DBConformer (seed 1) "
            "and the two selection candidates. The last column compares each row, subject by subject, with the "
            "configuration it changes (its base: the recipe without the one change named; paper-recipe changes "
            "channels, schedule and length at once).")
        out("")
        out("| configuration | folds | mean accuracy [95 % CI] | minus selected (seed 1), paired | minus its base, paired |")
        out("|---|---|---|---|---|")
        sel = per_subject({1: finals["dbconformer"][1]}, "offline")
        sel_v = [sel[s][0] for s in xs.SUBJECTS]
        out(f"| selected per fold (seed 1) | 5 | {fmt_mean(sel_v)} | | |")
        columns = {}
        for d in abl:
            name = os.path.basename(d)
            files = sorted(glob.glob(os.path.join(d, "f*.json")))
            res = {}
            for f in files:
                res.update(loso.load(f)["results"])
            columns[name] = ({s: subject_acc(res[s], "offline") for s in res}, len(files))
        for name, (ps, n) in columns.items():
            subs = [s for s in xs.SUBJECTS if s in ps]
            if n == 5:
                cfg = loso.ABLATIONS.get(name) or loso.NET_CANDIDATES.get(name)
                base = loso.ABLATION_BASE.get(name)
                vs_base = ""
                if base in columns and columns[base][1] == 5:
                    vs_base = f"vs {base}: {paired([ps[s] for s in subs], [columns[base][0][s] for s in subs])}"
                out(f"| {name} `{json.dumps(cfg)}` | 5 | {fmt_mean([ps[s] for s in subs])} | "
                    f"{paired([ps[s] for s in subs], [sel[s][0] for s in subs])} | {vs_base} |")
            else:
                out(f"| {name} | {n} (incomplete) | {np.mean([ps[s] for s in subs]):.3f} | | |")
        out("")

    # fine-tuning
    ft = sorted(glob.glob(os.path.join(WORK, "results", "finetune", "f*", "s*.json")))
    if ft:
        runs = {}
        recipes = {}
        for p in ft:
            r = loso.load(p)
            runs.setdefault(r["seed"], {}).update(r["results"])
            recipes[r["fold"]] = r["recipe"]
        out("### Calibration: fine-tuning with the first run (R04, 15 trials), tested on R08 + R12 (30 trials)")
        out("")
        out(f"Each outer-fold DBConformer ({seed_coverage({sd: {s: dict(fold=next(k for k, f in enumerate(xs.FOLDS) if s in f)) for s in runs[sd]} for sd in runs})}) is fine-tuned separately for each of its test subjects on "
            "their R04 (labelled) and tested on their R08 + R12. Alignment for `cross-subject` and `fine-tuned`: "
            "online EA seeded with R04 (P := its mean window covariance, w0 := its window count). Recipe per "
            f"fold (chosen on the inner validation subjects): {', '.join(f'{k}: {v}' for k, v in sorted(recipes.items()))}. "
            "S001 has no R12 in the shared data, so its test set is R08 only (15 trials).")
        out("")
        keys = [("cross-subject, no calibration, online EA from P", "population"),
                ("cross-subject, EA seeded with R04", "none"),
                ("fine-tuned on R04, EA seeded with R04", "finetuned"),
                ("CSP+LDA trained on R04 only (within subject)", "csp_r04")]
        subs = [s for s in xs.SUBJECTS if all(s in runs[sd] for sd in runs)]
        vals = {}
        out("| model | mean accuracy on R08 + R12 [95 % CI] |")
        out("|---|---|")
        for label, key in keys:
            ps = per_subject(runs, key)
            vals[key] = [ps[s][0] for s in subs]
            out(f"| {label} | {fmt_mean(vals[key])} |")
        out("")
        out(f"- gain of fine-tuning over the same model without it (seeded EA): {paired(vals['finetuned'], vals['none'])}")
        out(f"- gain over no calibration at all: {paired(vals['finetuned'], vals['population'])}")
        out("")
        out("| subject | " + " | ".join(k for _, k in keys) + " |")
        out("|---|" + "---|" * len(keys))
        for i, s in enumerate(subs):
            out(f"| {s} | " + " | ".join(f"{vals[k][i]:.2f}" for _, k in keys) + " |")
        out("")

    # what ran and what did not (so no table above claims more than was computed)
    out("### Runs completed")
    out("")
    out("| part | planned | done |")
    out("|---|---|---|")
    for m in ("dbconformer", "eegnet"):
        done = sorted(glob.glob(os.path.join(WORK, "results", "final", m, "f*", "s*.json")))
        out(f"| {NAMES[m]} outer-fold trainings | 5 folds x seeds {', '.join(map(str, loso.SEEDS))} = "
            f"{5 * len(loso.SEEDS)} | {len(done)}: {seed_coverage(finals[m]) if m in finals else 'none'} |")
    for m in ("csp", "tslr"):
        done = glob.glob(os.path.join(WORK, "results", "final", m, "f*", "s1.json"))
        out(f"| {NAMES[m]} (deterministic) | 5 folds | {len(done)} |")
    sel = glob.glob(os.path.join(WORK, "results", "select", "*", "*", "f*.json"))
    out(f"| nested selection runs (DBConformer 2 candidates, CSP+LDA and TS+LR 2 each; 5 folds) | 30 | {len(sel)} |")
    fts = glob.glob(os.path.join(WORK, "results", "finetune-select", "f*.json"))
    ft = glob.glob(os.path.join(WORK, "results", "finetune", "f*", "s*.json"))
    out(f"| fine-tuning: recipe choice on validation subjects / fine-tuned fold models | 5 / 15 | {len(fts)} / {len(ft)} |")
    names = list(loso.NET_CANDIDATES) + list(loso.ABLATIONS)
    full_abl = [n for n in names if len(glob.glob(os.path.join(WORK, "results", "ablation", n, "f*.json"))) == 5]
    part_abl = [n for n in names if 0 < len(glob.glob(os.path.join(WORK, "results", "ablation", n, "f*.json"))) < 5]
    out(f"| ablations (one seed, 5 folds each) | {len(names)} | {len(full_abl)} complete"
        + (f" ({', '.join(full_abl)})" if full_abl else "") + (f", {len(part_abl)} partial ({', '.join(part_abl)})" if part_abl else "")
        + f"; not run: {', '.join(n for n in names if n not in full_abl and n not in part_abl) or 'none'} |")
    out("")

    text = "\n".join(lines)
    print(text)
    with open(os.path.join(WORK, "results.md"), "w") as f:
        f.write(text + "\n")
    readme = os.path.join(HERE, "..", "README.md")
    r = open(readme).read()
    a, b = "<!-- loso:begin -->", "<!-- loso:end -->"
    if a in r and b in r:
        r = r[:r.index(a) + len(a)] + "\n" + text + "\n" + r[r.index(b):]
        open(readme, "w").write(r)
        print(f"\n(updated the table in {os.path.relpath(readme)})")


if __name__ == "__main__":
    main()
