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
           "`--help` to read; SIGTERM, SIGINT and SIGHUP end a running verb cleanly (exit 0).", "",
           "## pipeline --help", "", "```", root.strip(), "```", "",
           "## Options", "", "| option | meaning | verbs |", "|---|---|---|"]
    for (names, meaning), verbs in sorted(rows.items(), key=lambda r: (r[0][0].lstrip("-").lower(), r[0][1])):
        cell = meaning.replace("|", "\\|")
        out.append(f"| `{names}` | {cell} | {', '.join(verbs)} |")
    with open("docs/cli.md", "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
