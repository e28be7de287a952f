#!/usr/bin/env python3
"""Score a dwell report.json against an independent truth file (gen.py's)."""
import json, sys, datetime as dt
r = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
a = r.get("attack") or {}
def P(s): return dt.datetime.fromisoformat(s.replace("Z", "+00:00")) if s else None
fs, ls = P(a.get("first_seen")), P(a.get("last_seen"))
tf, tl = P(t["first"]), P(t["last"])
if tf is None:
    print("RESULT benign", "PASS" if fs is None else f"FAIL window {fs}..{ls} hosts {[h.get('host') for h in (r.get('scope') or {}).get('hosts', [])]}"); sys.exit(0)
sc = r.get("scope") or {}
def names(x): return sorted({(e.get("name") or e.get("host") or e.get("account") or e.get("address") or e.get("ip") or e.get("value")) if isinstance(e, dict) else e for e in x})
hosts, accts, ips = names(sc.get("hosts", [])), names(sc.get("accounts", [])), names(sc.get("source_ips", []))
edges = [(e.get("from"), e.get("to"), e.get("account")) for e in (r.get("lateral_movement") or {}).get("edges", [])]
ok = True
def chk(name, good, got, want):
    global ok; ok &= good; print(("OK  " if good else "BAD ") + f"{name}: got {got} want {want}")
chk("first", fs is not None and abs((fs - tf).total_seconds()) <= 1, fs, tf)
chk("last", ls is not None and abs((ls - tl).total_seconds()) <= 1, ls, tl)
chk("hosts", sorted(hosts) == sorted(t["hosts"]), hosts, t["hosts"])
chk("accounts", set(t["accounts"]) <= set(accts) and len(accts) <= len(t["accounts"]) + 1, accts, t["accounts"])
chk("attackers", set(t["attackers"]) <= set(ips), ips[:10], t["attackers"])
chk("hops", all(any(e[0] == h[0] and e[1] == h[1] for e in edges) for h in t["hops"]), edges[:8], t["hops"])
print("findings", len(r.get("findings", [])), "background", len(r.get("hostile_background", [])), "at_risk", len(sc.get("at_risk", [])))
print("RESULT", "PASS" if ok else "FAIL")
