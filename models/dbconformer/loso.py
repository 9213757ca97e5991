"""Leave-subjects-out evaluation on EEGMMIDB S001-S019 (imagined left/right fist, R04/R08/R12).

    /usr/bin/python3 models/dbconformer/loso.py select     # nested selection on inner validation subjects
    /usr/bin/python3 models/dbconformer/loso.py final      # chosen settings, outer folds, seeds 1-3
    /usr/bin/python3 models/dbconformer/loso.py ablation   # informative variants on the outer folds (seed 1)
    /usr/bin/python3 models/dbconformer/loso.py finetune   # calibration with R04, tested on R08 + R12
    /usr/bin/python3 models/dbconformer/loso.py ship       # the shipped model on all 19 subjects + card
    /usr/bin/python3 models/dbconformer/loso.py report     # tables (stdout, results.md, models/README.md)
    (bash models/dbconformer/xsubject.sh runs everything in order, from the EDF files to the README table.)

Protocol
- 5 fixed outer folds of whole subjects (xsubject.FOLDS: subject i goes to fold (i-1) mod 5); every
  subject is tested once, by models that never saw any of its data.
- Per-subject Euclidean alignment: each training subject with its own reference (mean covariance of
  all its sliding windows). Test subjects: "offline" = the same with the test subject's own windows
  (unlabelled, all runs); "online" = the runtime's online EA (alignment.py) over its windows in
  chronological order, starting from the population reference P of the fold's training subjects.
- Nested selection: in every outer fold three of the training subjects (xsubject.inner_validation)
  are held out; each candidate trains on the other training subjects (seed 1) and is scored on them.
  The candidate with the best validation accuracy is then trained on all the fold's training
  subjects (seeds 1, 2, 3) and tested on the fold's test subjects. The warm-up weight w0 of online
  EA and the fine-tuning recipe are chosen the same way. No choice looks at a test subject.
Outputs go to models/dbconformer/runs/xsubject/ (git-ignored): results/*.json, logs/*.log, models/*.pt.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import xsubject as xs  # noqa: E402

WORK = os.path.join(HERE, "runs", "xsubject")
AUG = dict(shift=80, chdrop=0.1, mix=0.5)
# Networks run on the 21 sensorimotor channels, decided a priori: on these shared 2-core machines a
# 64-channel network costs about 3x more per step and the full 4-candidate grid did not fit the compute
# budget. 64 channels are an outer-fold ablation (information) instead; the classical references select
# between 64 and 21 channels nested.
NET_CANDIDATES = {
    "motor-noaug": dict(channels="motor"),
    "motor-aug": dict(channels="motor", **AUG),
}
CLASSIC_CANDIDATES = {"all": dict(channels="all"), "motor": dict(channels="motor")}
# EEGNet's full-resolution convolutions cost 2-3x DBConformer per step on these CPUs, so (decided before
# any result, for compute) EEGNet has no selection runs of its own: it uses the augmentation setting that
# DBConformer's nested selection chose in the same fold (and its w0).
EEGNET_CANDIDATES = NET_CANDIDATES
METHODS = {"dbconformer": NET_CANDIDATES, "eegnet": EEGNET_CANDIDATES, "csp": CLASSIC_CANDIDATES,
           "tslr": CLASSIC_CANDIDATES}
WARMUPS = [0, 20, 80, 320]          # w0 candidates of online EA (windows that P counts as)
SEEDS = [1, 2, 3]
# Informative variants, outer folds, seed 1; each is a full config (relative to the network base recipe).
ABLATIONS = {          # in priority order (the job list runs them last, in this order)
    "motor-aug-shift-only": dict(channels="motor", shift=80),
    "motor-aug-mix-only": dict(channels="motor", mix=0.5),
    "motor-aug-chdrop-only": dict(channels="motor", chdrop=0.1),
    "motor-aug-early-stop": dict(channels="motor", early="val", epochs=120, **AUG),
    "motor-aug-patch40": dict(channels="motor", patch=40, **AUG),
    "all-channels-aug": dict(channels="all", **AUG),
    "paper-recipe": dict(channels="all", schedule="constant", warmup=0, epochs=100),
    "motor-aug-constant-lr": dict(channels="motor", schedule="constant", warmup=0, **AUG),
    "motor-aug-120-epochs": dict(channels="motor", epochs=120, **AUG),
    "motor-aug-patch160": dict(channels="motor", patch=160, **AUG),
    "motor-aug-trial-ref": dict(channels="motor", ref="trials", **AUG),
    "all-channels-noaug": dict(channels="all"),
    "motor-aug-depth6": dict(channels="motor", depth=6, **AUG),
}
# What each ablation changes is read against the configuration it differs from (the report's paired column).
ABLATION_BASE = {
    "motor-aug-shift-only": "motor-noaug", "motor-aug-mix-only": "motor-noaug", "motor-aug-chdrop-only": "motor-noaug",
    "motor-aug-early-stop": "motor-aug", "motor-aug-patch40": "motor-aug", "all-channels-aug": "motor-aug",
    "paper-recipe": "motor-noaug", "motor-aug-constant-lr": "motor-aug", "motor-aug-120-epochs": "motor-aug",
    "motor-aug-patch160": "motor-aug", "motor-aug-trial-ref": "motor-aug", "all-channels-noaug": "motor-noaug",
    "motor-aug-depth6": "motor-aug", "motor-aug": "motor-noaug",
}
from finetune import FINETUNE_CANDIDATES, finetune_model  # noqa: E402

_DATA = {}


def data(channels):
    if channels not in _DATA:
        _DATA[channels] = xs.load_data(os.path.join(WORK, "data"), xs.channel_set(channels))
    return _DATA[channels]


def subjects(names, channels, ref="windows"):
    d = data(channels)
    return [xs.Subject(n, d[n], ref) for n in names]


def path(kind, *parts, ext="json"):
    p = os.path.join(WORK, kind, *parts[:-1], f"{parts[-1]}.{ext}")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def save(p, obj):
    os.makedirs(os.path.dirname(p), exist_ok=True)
    tmp = p + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, p)


def load(p):
    with open(p) as f:
        return json.load(f)


def fold_split(k):
    test = xs.FOLDS[k]
    train = [s for s in xs.SUBJECTS if s not in test]
    val = xs.inner_validation(train)
    return train, test, val


def fit_predictor(method, cfg, train_subj, seed, val=None, log=print):
    """Returns (predict(X aligned) -> probabilities, model or None, history)."""
    if method in ("csp", "tslr"):
        X = np.concatenate([s.aligned_trials() for s in train_subj])
        y = np.concatenate([s.y for s in train_subj])
        m = (xs.CspLdaProba() if method == "csp" else xs.TangentLR()).fit(X, y)
        return m.predict_proba, None, {}
    net_cfg = xs.make_config(model=method, **cfg)
    model, hist = xs.train_network(train_subj, net_cfg, seed, val=val, log=log)
    return (lambda X: xs.predict_proba(model, X, net_cfg["scale"])), model, hist


def evaluate(predict, test_subj, P, warmups):
    """Per-trial probabilities of class 1 for every test subject: offline EA, and online EA (one session over
    R04 -> R08 -> R12, and each run alone from P) for each w0."""
    out = {}
    for s in test_subj:
        r = dict(y=s.y.tolist(), runs=[run.run for run in s.runs for _ in run.y],
                 offline=predict(s.aligned_trials())[:, 1].tolist())
        for w0 in warmups:
            for carry in (True, False):
                X, _ = xs.aligned_online(s, P, w0, carry=carry)
                r[f"online-{'session' if carry else 'run'}-w{w0}"] = predict(X)[:, 1].tolist()
        out[s.name] = r
    return out


def accuracy(res, key):
    y = np.concatenate([np.array(v["y"]) for v in res.values()])
    p = np.concatenate([np.array(v[key]) for v in res.values()])
    return float(((p > 0.5) == y).mean())


class Logger:
    def __init__(self, p):
        self.f = open(p, "w")

    def __call__(self, msg):
        self.f.write(msg + "\n")
        self.f.flush()


def choice(method, k):
    """The candidate and w0 chosen in fold k on the inner validation subjects (ties: the earlier one)."""
    if method == "eegnet":
        cand, w0, scores = choice("dbconformer", k)
        return cand, w0, {f"dbconformer {c}": v for c, v in scores.items()}
    scores = {c: load(path("results", "select", method, c, f"f{k}")) for c in METHODS[method]}
    cand = max(scores, key=lambda c: (scores[c]["score"], -list(METHODS[method]).index(c)))
    res = scores[cand]["results"]
    w0 = max(WARMUPS, key=lambda w: (accuracy(res, f"online-session-w{w}"), -WARMUPS.index(w)))
    return cand, w0, {c: v["score"] for c, v in scores.items()}


# ---------------------------------------------------------------------------- jobs (one result file each)

def job_select(method, cand, k):
    out = path("results", "select", method, cand, f"f{k}")
    if os.path.exists(out):
        return
    cfg = METHODS[method][cand]
    t0 = time.time()
    train, test, val = fold_split(k)
    inner = [s for s in train if s not in val]
    tr = subjects(inner, cfg["channels"])
    vs = subjects(val, cfg["channels"])
    P = xs.population_reference(tr)
    Xv = np.concatenate([s.aligned_trials() for s in vs])
    yv = np.concatenate([s.y for s in vs])
    log = Logger(path("logs", "select", method, cand, f"f{k}", ext="log"))
    predict, model, hist = fit_predictor(method, cfg, tr, 1, val=(Xv, yv), log=log)
    res = evaluate(predict, vs, P, WARMUPS)
    if model is not None:
        torch.save(dict(config=model.config, state_dict=model.state_dict(), cfg=cfg),
                   path("models", "select", method, cand, f"f{k}", ext="pt"))
    curve = [h.get("val_acc") for h in hist.get("history", [])]
    score = float(np.mean(curve[-5:])) if curve else accuracy(res, "offline")
    save(out, dict(method=method, candidate=cand, fold=k, inner_train=inner, val=val, score=score,
                   val_offline=accuracy(res, "offline"), curve=curve, results=res, seconds=time.time() - t0))
    print(f"select {method} {cand} fold {k}: val score {score:.3f} ({time.time() - t0:.0f} s)", flush=True)


def job_final(method, k, seed):
    out = path("results", "final", method, f"f{k}", f"s{seed}")
    if os.path.exists(out):
        return
    cand, w0, scores = choice(method, k)
    cfg = METHODS[method][cand]
    t0 = time.time()
    train, test, _ = fold_split(k)
    tr = subjects(train, cfg["channels"])
    te = subjects(test, cfg["channels"])
    P = xs.population_reference(tr)
    mp = path("models", "final", method, f"f{k}", f"s{seed}", ext="pt")
    if os.path.exists(mp):          # trained before, its results not saved (an interrupted job): evaluate only
        ck = torch.load(mp)
        model = xs.build_model(xs.make_config(model=method, **cfg), ck["config"]["channels"])
        model.load_state_dict(ck["state_dict"])
        model.eval()
        predict = lambda X: xs.predict_proba(model, X)  # noqa: E731
        print(f"final {method} fold {k} seed {seed}: evaluating the saved model {mp}", flush=True)
    else:
        log = Logger(path("logs", "final", method, f"f{k}", f"s{seed}", ext="log"))
        predict, model, hist = fit_predictor(method, cfg, tr, seed, log=log)
    res = evaluate(predict, te, P, WARMUPS)
    if model is not None:
        torch.save(dict(config=model.config, state_dict=model.state_dict(), cfg=cfg, P=P, warmup=w0,
                        channels=te[0].runs[0].labels, train=train, test=test),
                   path("models", "final", method, f"f{k}", f"s{seed}", ext="pt"))
    save(out, dict(method=method, fold=k, seed=seed, candidate=cand, warmup=w0, selection=scores,
                   train=train, test=test, results=res, seconds=time.time() - t0))
    print(f"final {method} fold {k} seed {seed} ({cand}, w0 {w0}): offline {accuracy(res, 'offline'):.3f} "
          f"online {accuracy(res, f'online-session-w{w0}'):.3f} ({time.time() - t0:.0f} s)", flush=True)


def job_ablation(name, k):
    out = path("results", "ablation", name, f"f{k}")
    if os.path.exists(out):
        return
    cfg = dict(ABLATIONS[name]) if name in ABLATIONS else dict(NET_CANDIDATES[name])
    if name in NET_CANDIDATES and choice("dbconformer", k)[0] == name:
        # the candidate selected in this fold: its outer-fold seed-1 run is the final model's (same run)
        if not _exists("final", "dbconformer", f"f{k}", "s1"):
            return
        r = load(path("results", "final", "dbconformer", f"f{k}", "s1"))
        save(out, dict(name=name, cfg=cfg, fold=k, results=r["results"], best_epoch=None, seconds=0,
                       reused="final dbconformer s1"))
        return
    t0 = time.time()
    train, test, val = fold_split(k)
    ref = cfg.get("ref", "windows")
    if cfg.get("early") == "val":       # early stopping needs held-out subjects: the inner ones
        tr_names, val_subj = [s for s in train if s not in val], subjects(val, cfg["channels"], ref)
        v = (np.concatenate([s.aligned_trials() for s in val_subj]), np.concatenate([s.y for s in val_subj]))
    else:
        tr_names, v = train, None
    tr = subjects(tr_names, cfg["channels"], ref)
    te = subjects(test, cfg["channels"], ref)
    P = xs.population_reference(tr)
    log = Logger(path("logs", "ablation", name, f"f{k}", ext="log"))
    predict, model, hist = fit_predictor("dbconformer", cfg, tr, 1, val=v, log=log)
    res = evaluate(predict, te, P, [0, 20])
    save(out, dict(name=name, cfg=cfg, fold=k, results=res, best_epoch=hist.get("best_epoch"),
                   seconds=time.time() - t0))
    print(f"ablation {name} fold {k}: offline {accuracy(res, 'offline'):.3f} ({time.time() - t0:.0f} s)", flush=True)


def calibration_eval(model_predict, subj_runs, name):
    """Align with the calibration run R04 (seeded online EA: P := its mean window covariance, w0 := its
    window count) over R08 -> R12; returns probabilities of class 1, labels for R08 + R12, and the
    calibration Subject (R04, aligned with its own reference)."""
    cal = xs.Subject(name, subj_runs[:1])
    n_cal = len(subj_runs[0].window_starts())
    rest = list(subj_runs[1:])
    M = xs.online_trial_matrices(rest, None, 0, seed=(cal.R, n_cal))
    X = np.concatenate([r.trials() for r in rest]).astype(np.float64)
    y = np.concatenate([r.y for r in rest])
    return model_predict(np.matmul(M, X).astype(np.float32))[:, 1], y, cal


def _load_net(ck):
    m = xs.build_model(xs.make_config(**ck["cfg"]), ck["config"]["channels"])
    m.load_state_dict(ck["state_dict"])
    return m.eval()


def job_finetune_select(k):
    """Fine-tuning recipe chosen on the inner validation subjects with the inner (selection) model."""
    out = path("results", "finetune-select", f"f{k}")
    if os.path.exists(out):
        return
    cand, _, _ = choice("dbconformer", k)
    _, _, val = fold_split(k)
    ch = NET_CANDIDATES[cand]["channels"]
    ck = torch.load(path("models", "select", "dbconformer", cand, f"f{k}", ext="pt"))
    res = {}
    for s in val:
        runs = data(ch)[s]
        base = _load_net(ck)
        p0, y, cal = calibration_eval(lambda X: xs.predict_proba(base, X), runs, s)
        r = dict(y=y.tolist(), none=p0.tolist())
        for fname, fcfg in FINETUNE_CANDIDATES.items():
            m = finetune_model(ck, cal, fcfg, 1, log=lambda *_: None)
            r[fname] = calibration_eval(lambda X: xs.predict_proba(m, X), runs, s)[0].tolist()
        res[s] = r
    save(out, dict(fold=k, val=val, candidate=cand, results=res))
    print(f"finetune-select fold {k}: " + ", ".join(
        f"{c} {accuracy(res, c):.3f}" for c in ["none"] + list(FINETUNE_CANDIDATES)), flush=True)


def job_finetune(k, seed):
    """Each final fold model fine-tuned per test subject on R04, tested on R08 + R12."""
    out = path("results", "finetune", f"f{k}", f"s{seed}")
    if os.path.exists(out):
        return
    cand, _, _ = choice("dbconformer", k)
    _, test, _ = fold_split(k)
    ch = NET_CANDIDATES[cand]["channels"]
    sel = load(path("results", "finetune-select", f"f{k}"))
    fname = max(FINETUNE_CANDIDATES, key=lambda c: (accuracy(sel["results"], c), -list(FINETUNE_CANDIDATES).index(c)))
    ck = torch.load(path("models", "final", "dbconformer", f"f{k}", f"s{seed}", ext="pt"))
    res = {}
    for s in test:
        runs = data(ch)[s]
        base = _load_net(ck)
        p0, y, cal = calibration_eval(lambda X: xs.predict_proba(base, X), runs, s)
        m = finetune_model(ck, cal, FINETUNE_CANDIDATES[fname], seed, log=lambda *_: None)
        p1 = calibration_eval(lambda X: xs.predict_proba(m, X), runs, s)[0]
        # without calibration data: online EA from the population reference over R08 -> R12
        Xp, _ = xs.aligned_online(xs.Subject(s, runs), ck["P"], ck["warmup"], runs=runs[1:])
        # within-subject reference: CSP+LDA trained on R04 alone (aligned with R04), same test trials
        csp = xs.CspLdaProba().fit(cal.aligned_trials(), cal.y)
        pc = calibration_eval(csp.predict_proba, runs, s)[0]
        res[s] = dict(y=y.tolist(), none=p0.tolist(), finetuned=p1.tolist(),
                      population=xs.predict_proba(base, Xp)[:, 1].tolist(), csp_r04=pc.tolist())
    save(out, dict(fold=k, seed=seed, recipe=fname, results=res))
    print(f"finetune fold {k} seed {seed} ({fname}): none {accuracy(res, 'none'):.3f} finetuned "
          f"{accuracy(res, 'finetuned'):.3f}", flush=True)


# ---------------------------------------------------------------------------- stages

def _exists(*parts):
    return os.path.exists(os.path.join(WORK, "results", *parts[:-1], f"{parts[-1]}.json"))


def job_list(args):
    """(name, done?, ready?, run) in priority order: selection, DBConformer, EEGNet, fine-tuning, ablations."""
    jobs = []
    nets = [m for m in args.methods if m in ("dbconformer", "eegnet")]
    classic = [m for m in args.methods if m in ("csp", "tslr")]
    sel_done = lambda k: all(_exists("select", "dbconformer", c, f"f{k}") for c in NET_CANDIDATES)  # noqa: E731
    for k in args.folds:
        for m in classic:
            for c in METHODS[m]:
                jobs.append((f"select {m} {c} f{k}", lambda m=m, c=c, k=k: _exists("select", m, c, f"f{k}"),
                             lambda: True, lambda m=m, c=c, k=k: job_select(m, c, k)))
        if "dbconformer" in nets:
            for c in NET_CANDIDATES:
                jobs.append((f"select dbconformer {c} f{k}",
                             lambda c=c, k=k: _exists("select", "dbconformer", c, f"f{k}"),
                             lambda: True, lambda c=c, k=k: job_select("dbconformer", c, k)))
    for k in args.folds:
        for m in classic:
            jobs.append((f"final {m} f{k}", lambda m=m, k=k: _exists("final", m, f"f{k}", "s1"),
                         lambda m=m, k=k: all(_exists("select", m, c, f"f{k}") for c in METHODS[m]),
                         lambda m=m, k=k: job_final(m, k, 1)))
    def finals(m, seed):
        for k in args.folds:
            jobs.append((f"final {m} f{k} s{seed}", lambda m=m, k=k, s=seed: _exists("final", m, f"f{k}", f"s{s}"),
                         lambda k=k: sel_done(k), lambda m=m, k=k, s=seed: job_final(m, k, s)))

    def finetunes(seed):
        if "dbconformer" not in nets or args.stage not in ("work", "finetune"):
            return
        for k in args.folds:
            if seed == SEEDS[0]:
                jobs.append((f"finetune-select f{k}", lambda k=k: _exists("finetune-select", f"f{k}"),
                             lambda k=k: sel_done(k), lambda k=k: job_finetune_select(k)))
            jobs.append((f"finetune f{k} s{seed}", lambda k=k, s=seed: _exists("finetune", f"f{k}", f"s{s}"),
                         lambda k=k, s=seed: _exists("finetune-select", f"f{k}")
                         and _exists("final", "dbconformer", f"f{k}", f"s{s}"),
                         lambda k=k, s=seed: job_finetune(k, s)))

    # The shipped model first (it needs only the selection results), then DBConformer seeds 1 and 2, EEGNet
    # seed 1 (a complete column for the third network reference), DBConformer seed 3, fine-tuning, EEGNet's
    # other seeds. Each step completes a column or a seed on every fold before the next starts, so a run cut
    # short by the compute budget still leaves whole, comparable columns.
    if "dbconformer" in nets and args.stage == "work":
        jobs.append(("ship train", lambda: os.path.exists(os.path.join(SHIPPED, "checkpoint.pt")),
                     lambda: all(sel_done(k) for k in range(5)), job_ship_train))
    if "dbconformer" in nets:
        for seed in SEEDS[:2]:
            finals("dbconformer", seed)
    if "eegnet" in nets:
        finals("eegnet", SEEDS[0])
    if "dbconformer" in nets:
        for seed in SEEDS[2:]:
            finals("dbconformer", seed)
    for seed in SEEDS:
        finetunes(seed)
    if "eegnet" in nets:
        for seed in SEEDS[1:]:
            finals("eegnet", seed)
    if args.stage in ("work", "ablation") and args.ablations != ["none"]:
        for name in args.ablations or (list(NET_CANDIDATES) + list(ABLATIONS)):
            for k in args.folds:
                jobs.append((f"ablation {name} f{k}", lambda n=name, k=k: _exists("ablation", n, f"f{k}"),
                             lambda k=k: sel_done(k) and _exists("final", "dbconformer", f"f{k}", "s1"),
                             lambda n=name, k=k: job_ablation(n, k)))
    return jobs


def run_jobs(args, jobs):
    """Runs the jobs in order; several processes may share the list: a job is claimed by creating its lock
    file (O_EXCL), so each runs once. Waits while the remaining jobs wait for others' results."""
    locks = os.path.join(WORK, "locks")
    os.makedirs(locks, exist_ok=True)
    while True:
        pending = [j for j in jobs if not j[1]()]
        if not pending:
            return
        started = False
        for name, done, ready, run in pending:
            lock = os.path.join(locks, name.replace(" ", "_"))
            if done() or not ready() or os.path.exists(lock):
                continue
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                continue
            os.write(fd, f"{os.getpid()}\n".encode())
            os.close(fd)
            try:
                run()
            finally:
                os.remove(lock)
            started = True
            break
        if not started:
            if all(os.path.exists(os.path.join(locks, n.replace(" ", "_"))) or not r() for n, d, r, _ in pending
                   if not d()) and args.wait:
                time.sleep(60)
                continue
            return


def stage_jobs(args):
    run_jobs(args, job_list(args))


def cv_summary(method="dbconformer"):
    """Cross-validated accuracy of the whole procedure (nested choices, seeds 1-3) for the card."""
    import loso_report as rep
    runs = rep.load_final(method)
    seeds = rep.complete_seeds(runs)
    if not seeds:
        raise SystemExit(f"no {method} seed has results on all 5 folds yet: run `loso.py work` first")
    runs = {sd: runs[sd] for sd in seeds}      # only seeds run on every fold enter the card's figure
    out = {}
    for label, key in (("online", rep.key_online), ("offline", "offline")):
        ps = rep.per_subject(runs, key)
        m, lo, hi = xs.mean_ci([ps[s][0] for s in xs.SUBJECTS])
        p, k, n = rep.pooled_p(runs, key)
        out[label] = dict(accuracy=round(m, 4), ci95=[round(lo, 4), round(hi, 4)], pooled_binomial_p_max=p,
                          pooled_correct_of_worst_seed=[k, n],
                          per_seed=[round(float(np.mean([rep.subject_acc(runs[sd][s], key) for s in xs.SUBJECTS])), 4)
                                    for sd in seeds])
    seed_text = f"seed {seeds[0]}" if len(seeds) == 1 else "seeds " + ", ".join(map(str, seeds))
    return dict(
        protocol="leave-subjects-out, 5 fixed folds of whole subjects over EEGMMIDB S001-S019 (imagined left/right "
                 "fist, runs R04, R08, R12; S001 has no R12 in the shared data: 840 trials), nested selection on "
                 "validation subjects inside each training fold, " + seed_text +
                 (" (each subject's accuracy averaged over them)" if len(seeds) > 1 else "") + "; accuracy = mean over the 19 test subjects with a t-based 95 % interval; `online` = the card's online EA over each test subject's "
                 "session (R04 -> R08 -> R12), `offline` = each test subject aligned with its own whole-session "
                 "reference", seeds=seeds, subjects=19, trials=840, chance=0.5, **out)


def ship_choice():
    """Configuration most folds chose (ties: higher mean validation score) and the w0 with the best mean
    inner-validation online accuracy over the folds (ties: smaller)."""
    chosen = [choice("dbconformer", k)[0] for k in range(5)]
    scores = {c: np.mean([load(path("results", "select", "dbconformer", c, f"f{k}"))["score"] for k in range(5)])
              for c in NET_CANDIDATES}
    cand = max(NET_CANDIDATES, key=lambda c: (chosen.count(c), scores[c]))
    w = {w0: np.mean([accuracy(load(path("results", "select", "dbconformer", chosen[k], f"f{k}"))["results"],
                               f"online-session-w{w0}") for k in range(5)]) for w0 in WARMUPS}
    w0 = max(WARMUPS, key=lambda v: (w[v], -v))
    return cand, w0, dict(folds_chose=chosen, mean_validation_score=scores, warmup_validation_accuracy=w)


SHIPPED = os.path.join(WORK, "shipped")


def job_ship_train():
    """Trains the shipped model on all 19 subjects (train_xsubject.py) with the configuration and w0 of
    ship_choice(); needs only the selection results."""
    import glob
    import subprocess
    if os.path.exists(os.path.join(SHIPPED, "checkpoint.pt")):
        return
    cand, w0, why = ship_choice()
    files = sorted(glob.glob(os.path.join(WORK, "data", "S???R??.npz")))
    root = os.path.abspath(os.path.join(HERE, "..", ".."))
    rel = lambda p: os.path.relpath(p, root)  # noqa: E731
    os.makedirs(SHIPPED, exist_ok=True)
    with open(os.path.join(SHIPPED, "train.log"), "w") as log:
        subprocess.run([sys.executable, rel(os.path.join(HERE, "train_xsubject.py")), *map(rel, files),
                        "--config", cand, "--warmup", str(w0), "--seed", "1", "--attribution", "eegmmidb",
                        "--out", rel(SHIPPED)], check=True, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    print(f"shipped model trained ({cand}, w0 {w0})", flush=True)


def stage_ship(args):
    """The shipped model: trained if needed, its checkpoint given the cross-validated accuracy of the whole
    procedure, exported to models/dbconformer-eegmmidb-lr.{onnx,json,golden.json}."""
    import subprocess
    job_ship_train()
    cand, w0, why = ship_choice()
    cv = dict(cv_summary(), choice=dict(config=cand, warmup=w0, **why))
    save(os.path.join(WORK, "shipped-cv.json"), cv)
    ckp = os.path.join(SHIPPED, "checkpoint.pt")
    ck = torch.load(ckp)
    ck["metrics"]["cross_validation"] = cv
    torch.save(ck, ckp)
    root = os.path.abspath(os.path.join(HERE, "..", ".."))
    card_path = os.path.join(root, "models", "dbconformer-eegmmidb-lr.json")
    if args.card_only:
        # More seeds finished after the export: only the figures change, so the card is updated in place and the
        # ONNX file and golden file (the same weights) stay byte for byte as they are.
        with open(card_path) as f:
            card = json.load(f)
        card["evaluation"] = cv
        card["provenance"]["metrics"]["cross_validation"] = cv
        with open(card_path, "w") as f:
            json.dump(card, f, indent=2)
        print(f"updated the evaluation in {os.path.relpath(card_path, root)} (seeds {cv['seeds']}: offline "
              f"{cv['offline']['accuracy']}, online {cv['online']['accuracy']})", flush=True)
        return
    subprocess.run([sys.executable, os.path.relpath(os.path.join(HERE, "export.py"), root),
                    os.path.relpath(ckp, root), "--out", "models/dbconformer-eegmmidb-lr.onnx",
                    "--command", "left=LEFT", "--command", "right=RIGHT"], check=True, cwd=root)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["select", "final", "ablation", "finetune", "work", "ship", "report"],
                    help="work = every job of the other stages in priority order (selection, final DBConformer, "
                         "EEGNet, fine-tuning, ablations); start it in several processes to share the jobs")
    ap.add_argument("--wait", action="store_true",
                    help="keep waiting while the remaining jobs wait for results other processes are computing")
    ap.add_argument("--methods", default="csp,tslr,dbconformer,eegnet")
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--ablations", default="", help="comma-separated names (default: all; none: skip)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--card-only", action="store_true",
                    help="ship: only update the card's cross-validated figures (after more seeds ran); no export")
    args = ap.parse_args(argv)
    args.methods = args.methods.split(",")
    args.folds = [int(f) for f in args.folds.split(",")]
    args.ablations = [a for a in args.ablations.split(",") if a]
    torch.set_num_threads(args.threads)
    if args.stage == "report":
        import loso_report
        return loso_report.main()
    if args.stage == "ship":
        return stage_ship(args)
    jobs = job_list(args)
    keep = dict(select=("select",), final=("final",), ablation=("ablation",), finetune=("finetune",),
                work=("select", "final", "finetune", "ship", "ablation"))[args.stage]
    run_jobs(args, [j for j in jobs if j[0].split()[0].split("-")[0] in keep])


if __name__ == "__main__":
    main()
