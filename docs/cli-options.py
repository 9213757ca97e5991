#!/usr/bin/env python3
"""Writes docs/cli.md: every verb's options in one table (option, meaning, verbs), read from the built program's --help.

Run from the repository root after a Release build:  python3 docs/cli-options.py
"""
import os
import re
import subprocess

DLL = "Pipeline.Host/bin/Release/net10.0/pipeline.dll"
VERBS = ["info", "replay", "run", "lsl list", "lsl record", "lsl bench", "epochs", "simulate", "serve", "listen",
         "audio devices", "bench replay", "bench inference", "bench model", "bench latency", "bench micro", "bench loopback"]


VOCABULARY = """## Vocabulary: one name per meaning

Each option name means one thing in every verb (checked by `OptionVocabularyTests`, which parses every verb's help):

| meaning | name | not |
|---|---|---|
| where a model runs: `cpu`, `cuda` or `auto` | `--device` (replay, run, listen, bench; serve: `model.device`) | listen's old `--compute` |
| the microphone (a name from `pipeline audio devices`) | `--mic` (listen; serve: `source.device` of a microphone) | listen's old `--device NAME`, `-d` |
| JSON Lines output | `--jsonl FILE` (replay, run, listen; serve: `sinks.jsonl`) | replay's and run's old `--out`, `-o` |
| CSV output / JSON results | `--csv FILE` / `--json FILE` (bench) | |
| the file a verb makes (XDF, npz) | `--out`, `-o` (lsl record, simulate, epochs) | |
| channels by label, comma-separated | `--channels` (replay, epochs: which to keep; simulate: which to make) | a count |
| a number of channels | `--channel-count` (simulate: a standard layout; lsl bench) | simulate's old `--channels 64`, lsl bench's old `--channels` |
| an LSL query (`type=EEG`, `name=X`, or an XPath predicate) | `--lsl QUERY` (run, lsl record; run's cues: `--markers-lsl QUERY`; serve: `source.query`, `source.markers`) | lsl record's old `--stream`, `-s`; serve's old `source.predicate` |
| a stream inside a recording, by name or index | `--stream` (replay, epochs, bench replay) | |
| seconds to wait for a stream (or a consumer) to appear | `--wait` (run, lsl list, lsl record, replay --to-lsl; serve: `source.wait`) | run's old `--resolve-timeout`; serve's old `source.resolveTimeout` |
| stop after this many seconds | `--duration` (run, lsl record, listen) | |
| inference threads per shared model runner | `--workers` (bench latency, 0 = one per core; serve: `inference.workers`, left out = one per core) | |
| the largest batch per model run | `--max-batch` (bench latency; serve: `inference.maxBatch`; 0 = chosen at warm-up) | |
| how long a batch may wait for more windows | `--max-delay-ms` (bench latency; serve: `inference.maxDelayMs`) | |

The old spellings in the last column still work in this release, hidden from the help: each use prints one
`note:` line on standard error naming the new spelling. listen's `--device` now means the compute device as
everywhere; until the next release `--device NAME` with any name but cpu, cuda or auto is still taken as `--mic NAME`.
""".splitlines() + [""]


def help_of(verb):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="400")
    return subprocess.run(["dotnet", DLL, *verb.split(), "--help"], capture_output=True, text=True, env=env).stdout


def options(text):
    """(names, meaning) per option of one --help, continuation lines joined."""
    found, section = [], False
    for line in text.splitlines():
        if line.startswith("Options:"):
            section = True
            continue
        if section and line and not line.startswith(" "):
            break
        if not section or not line.strip():
            continue
        m = re.match(r"^  (\S.*?)\s{2,}(.*)$", line)
        if m and m.group(1).startswith("-"):
            names = ", ".join(n.split(" ")[0] for n in m.group(1).split(", "))
            found.append([names, m.group(2).strip()])
        elif found:
            found[-1][1] += " " + line.strip()
    return [(n, d) for n, d in found if n not in ("-?, -h, --help",)]


def main():
    rows = {}
    for verb in VERBS:
        for names, meaning in options(help_of(verb)):
            rows.setdefault((names, meaning), []).append(verb)
    root = help_of("")
    out = ["# Command line: every option of every verb", "",
           "Generated from the program's own `--help` by `python3 docs/cli-options.py` (run it after a Release build).",
           "One row per option and meaning; where one name means different things in different verbs, each meaning has",
           "its row. `pipeline <verb> --help` shows each verb's examples. Usage mistakes exit 2 with one line and the",
           "`--help` to read; SIGTERM, SIGINT and SIGHUP end a running verb cleanly (exit 0): a live verb closes its",
           "files and prints its summary; a verb that runs to completion says in one line what it stopped and kept",
           "(`simulate` keeps a valid XDF with footers holding what it generated; `epochs`, `info`, `bench` and the",
           "others write nothing and leave no `.partial` file behind, and a file that was there stays as it was).", "",
           *VOCABULARY,
           "## pipeline --help", "", "```", root.strip(), "```", "",
           "## Options", "", "| option | meaning | verbs |", "|---|---|---|"]
    for (names, meaning), verbs in sorted(rows.items(), key=lambda r: (r[0][0].lstrip("-").lower(), r[0][1])):
        cell = meaning.replace("|", "\\|")
        out.append(f"| `{names}` | {cell} | {', '.join(verbs)} |")
    with open("docs/cli.md", "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
