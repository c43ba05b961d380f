"""Markdown tables from a results file of scripts/bench.sh (one JSON line per run).

    python3 benchmarks/report.py .build-bench/results-DATE.jsonl

Ratios are against `raw` (the bare SwiftNIO ceiling) of the same run; the MessagePack table's
against the same server on the JSON wire.
"""
import json
import sys

ORDER = ["swift", "swift-msgpack", "baseline", "raw", "node", "node-msgpack", "eventlet", "gevent", "uvicorn"]
NAMES = {
    "swift": "swift-socketio (`socketio-server e2e`)",
    "swift-msgpack": "swift-socketio, MessagePack (`e2e --parser msgpack`)",
    "node-msgpack": "Node socket.io 4.8.3, socket.io-msgpack-parser",
    "raw": "raw SwiftNIO echo (ceiling)",
    "baseline": "swift-socketio at BENCH_BASELINE_REV (the commit before)",
    "node": "Node socket.io 4.8.3",
    "eventlet": "Flask-SocketIO + eventlet",
    "gevent": "Flask-SocketIO + gevent",
    "uvicorn": "python-socketio ASGI + uvicorn",
}


def load(path):
    runs = {}
    with open(path) as handle:
        for line in handle:
            row = json.loads(line)
            key = (row["target"], row["label"])
            runs[key] = row
    return runs


def failed(row):
    return row.get("error") or row.get("connectFailures", 0) > 0


def note(row):
    if row.get("error"):
        return " (no result)"
    if row.get("connectFailures", 0):
        return f" ({row['connectFailures']} could not connect)"
    return ""


def main(path):
    runs = load(path)
    every = [t for t in ORDER if any(k[0] == t for k in runs)]
    # The MessagePack targets appear in the throughput table and in their own.
    targets = [t for t in every if not t.endswith("-msgpack")]

    def get(target, label):
        return runs.get((target, label))

    print("| server | idle KiB/conn (N) | RSS after all left / before (1st wave, 2nd wave) | idle KiB/conn (large N) |")
    print("|---|---|---|---|")
    for t in targets:
        cells = []
        for label in ("idle", "idle-large"):
            r = get(t, label)
            if not r or r.get("error"):
                cells.append("–")
                continue
            cells.append(f"{r['kibPerConnection']:.2f} ({r['connections']:,}){note(r)}")
            if label == "idle":
                last = r.get("rssAfterLastKiB", r["rssAfterKiB"])
                cells.append(f"{r['rssAfterKiB'] / r['rssBeforeKiB']:.2f}×, {last / r['rssBeforeKiB']:.2f}× "
                             f"({r['rssBeforeKiB'] / 1024:.1f} → {r['rssAfterKiB'] / 1024:.1f}, {last / 1024:.1f} MiB)")
        print(f"| {NAMES[t]} | " + " | ".join(cells) + " |")

    print()
    print("| server | echo: acked / sent | echo p50 / p99 / max ms | echo server CPU | polling: acked / sent | polling p99 ms |")
    print("|---|---|---|---|---|---|")
    for t in targets:
        e, p = get(t, "echo"), get(t, "polling")
        cells = []
        if e and not e.get("error"):
            cells += [f"{e['acked']:,} / {e['sent']:,} ({e['clients']:,} clients){note(e)}",
                      f"{e['p50ms']:.2f} / {e['p99ms']:.2f} / {e['maxms']:.0f}", f"{e['serverCPUPercent']:.0f} %"]
        else:
            cells += ["–", "–", "–"]
        if p and not p.get("error"):
            cells += [f"{p['acked']:,} / {p['sent']:,} ({p['clients']:,} clients){note(p)}", f"{p['p99ms']:.2f}"]
        else:
            cells += ["–", "–"]
        print(f"| {NAMES[t]} | " + " | ".join(cells) + " |")

    raw = get("raw", "throughput")
    print()
    print("| server | throughput (100 clients, closed loop) acked/s | server CPU | µs CPU per event | × raw | broadcast deliveries/s | broadcast p50 / p99 ms | connect-storm /s | handshake p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for t in every:
        if t.endswith("-msgpack") and not get(t, "throughput"):
            continue
        cells = []
        r = get(t, "throughput")
        if r and not r.get("error"):
            ratio = (f"{r['serverMicrosecondsPerEvent'] / raw['serverMicrosecondsPerEvent']:.2f}×"
                     if raw and not raw.get("error") else "–")
            cells += [f"{r['ackedPerSecond']:,.0f}{note(r)}", f"{r['serverCPUPercent']:.0f} %", f"{r['serverMicrosecondsPerEvent']:.1f}", ratio]
        else:
            cells += ["–"] * 4
        b = get(t, "broadcast")
        if b and not b.get("error"):
            cells += [f"{b['deliveriesPerSecond']:,.0f} ({b['deliveries']:,} of {b['broadcasts'] * b['clients']:,}){note(b)}",
                      f"{b['p50ms']:.1f} / {b['p99ms']:.1f}"]
        else:
            cells += ["–", "–"]
        c = get(t, "connect-storm")
        if c and not c.get("error"):
            cells += [f"{c['perSecond']:,.0f}{note(c)}", f"{c['handshakeP99ms']:.1f}"]
        else:
            cells += ["–", "–"]
        print(f"| {NAMES[t]} | " + " | ".join(cells) + " |")

    wires(get, every)

    slow = [(t, get(t, "slow-consumer")) for t in targets]
    slow = [(t, r) for t, r in slow if r and not r.get("error")]
    if slow:
        print()
        print("| server | slow consumers: RSS per stalled client at the peak | stalled clients disconnected | canary acked / sent | canary p50 / p99 / max ms |")
        print("|---|---|---|---|---|")
        for t, r in slow:
            print(f"| {NAMES[t]} | {r['mibPerStalledClient']:.1f} MiB ({r['rssBeforeKiB'] / 1024:.0f} → {r['rssPeakKiB'] / 1024:.0f} MiB, "
                  f"{r['stalled']} × {r['events']} × {r['payload']:,} B){note(r)} | {r['stalledDisconnected']} of {r['stalled']} in {r['seconds']:.0f} s | "
                  f"{r['canaryAcked']:,} / {r['canarySent']:,} | {r['p50ms']:.2f} / {r['p99ms']:.1f} / {r['maxms']:.0f} |")

    hostile = [(t, get(t, "hostile-json")) for t in targets]
    hostile = [(t, r) for t, r in hostile if r and not r.get("error")]
    if hostile:
        print()
        print("| server | hostile JSON: attack | canary acked / sent | canary p50 / p99 / max ms | server CPU |")
        print("|---|---|---|---|---|")
        for t, r in hostile:
            print(f"| {NAMES[t]} | {r['attackers']} × {r['events']} events of {r['keys']:,} keys{note(r)} | "
                  f"{r['canaryAcked']:,} / {r['canarySent']:,} | {r['p50ms']:.2f} / {r['p99ms']:.1f} / {r['maxms']:.0f} | {r['serverCPUPercent']:.0f} % |")


def wires(get, every):
    """MessagePack against JSON, per server: the closed loop and the 64 KB binary echo."""
    pairs = [(t, f"{t}-msgpack") for t in ("swift", "node") if f"{t}-msgpack" in every and t in every]
    if not pairs:
        return
    print()
    print("| server | wire | closed loop acked/s | µs CPU per event | 64 KB binary echo acked/s | MiB/s echoed | µs CPU per echo | echo p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|")

    def cells(target):
        out = []
        r = get(target, "throughput")
        out += ([f"{r['ackedPerSecond']:,.0f}{note(r)}", f"{r['serverMicrosecondsPerEvent']:.1f}"]
                if r and not r.get("error") else ["–", "–"])
        b = get(target, "binary-echo")
        if b and not b.get("error"):
            mib = b["ackedPerSecond"] * b.get("payload", 65536) / 1_048_576
            out += [f"{b['ackedPerSecond']:,.0f}{note(b)}", f"{mib:,.1f}", f"{b['serverMicrosecondsPerEvent']:.0f}",
                    f"{b['p50ms']:.2f} / {b['p99ms']:.2f}"]
        else:
            out += ["–"] * 4
        return out

    def ratio(json_row, msgpack_row, key):
        if not json_row or not msgpack_row or json_row.get("error") or msgpack_row.get("error") or not json_row[key]:
            return "–"
        value = msgpack_row[key] / json_row[key]
        return f"{value:.2f}×"

    for json_target, msgpack_target in pairs:
        print(f"| {NAMES[json_target]} | JSON | " + " | ".join(cells(json_target)) + " |")
        print(f"| {NAMES[json_target]} | MessagePack | " + " | ".join(cells(msgpack_target)) + " |")
        tj, tm = get(json_target, "throughput"), get(msgpack_target, "throughput")
        bj, bm = get(json_target, "binary-echo"), get(msgpack_target, "binary-echo")
        print(f"| {NAMES[json_target]} | MessagePack / JSON | {ratio(tj, tm, 'ackedPerSecond')} | {ratio(tj, tm, 'serverMicrosecondsPerEvent')} | "
              f"{ratio(bj, bm, 'ackedPerSecond')} | {ratio(bj, bm, 'ackedPerSecond')} | {ratio(bj, bm, 'serverMicrosecondsPerEvent')} | "
              f"{ratio(bj, bm, 'p50ms')} / {ratio(bj, bm, 'p99ms')} |")


if __name__ == "__main__":
    main(sys.argv[1])
