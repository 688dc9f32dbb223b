"""
Timing harness shared by the Python references of `npm run bench` (bench/run.ts).

Each reference script is run once per measurement, in a fresh process, as
    /usr/bin/python3 bench/reference/labNNN.py <section> [key=value ...]
and prints ONE line of JSON on stdout, last:
    {"section", "seconds", "cpuSeconds", "importSeconds", "setupSeconds", "maxRssKb", "maxRssBeforeKb", "info"}
`seconds` is the wall time of the section's work only (data loading, model construction and the
imports are outside it and reported apart); `maxRssKb` is resource.getrusage(RUSAGE_SELF).ru_maxrss
(kilobytes on Linux) at the end, i.e. the process's peak, imports included; `maxRssBeforeKb` is
the same before the timed work (imports, data, model).
"""
import json
import resource
import sys
import time

_T_START = time.perf_counter()


def parse_args(argv):
    """<section> [key=value ...] -> (section, {key: value}) with ints and floats converted."""
    if len(argv) < 2:
        raise SystemExit(f"usage: {argv[0]} <section> [key=value ...]")
    opts = {}
    for a in argv[2:]:
        k, _, v = a.partition("=")
        try:
            v = int(v)
        except ValueError:
            try:
                v = float(v)
            except ValueError:
                pass
        opts[k] = v
    return argv[1], opts


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(sections, import_seconds):
    """sections: {name: setup(opts) -> work() -> info dict or None}. Times work() only."""
    section, opts = parse_args(sys.argv)
    if section not in sections:
        raise SystemExit(f"{sys.argv[0]}: unknown section {section!r}; known: {', '.join(sections)}")
    t0 = time.perf_counter()
    work = sections[section](opts)
    setup = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c0 = cpu_seconds()
    t1 = time.perf_counter()
    info = work() or {}
    seconds = time.perf_counter() - t1
    cpu = cpu_seconds() - c0
    print(json.dumps({
        "section": section,
        "seconds": seconds,
        "cpuSeconds": cpu,
        "importSeconds": import_seconds,
        "setupSeconds": setup,
        "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "maxRssBeforeKb": rss_before,
        "info": info,
    }))


def since_start():
    return time.perf_counter() - _T_START
