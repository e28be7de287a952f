#!/usr/bin/env python3
"""An incident written without dwell's generator: RHEL-style secure logs, nginx with extra fields, Zeek JSON conn.
Background: Internet ssh guessing on every public host, benign users from dynamic home addresses, CI deploys, cron,
web scanners. Attack: web shell on web-1, password hop to db-1, root, backdoor account, exfil, return next night."""
import sys, os, random, gzip, json, datetime as dt
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
story = sys.argv[3] if len(sys.argv) > 3 else "webshell"
out = sys.argv[1]
R = random.Random(seed)
T0 = dt.datetime(2026, 3, 5, tzinfo=dt.timezone.utc)
DAYS = 5
hosts = {"jump": ("10.20.0.5", "203.0.113.5"), "web-1": ("10.20.0.11", "203.0.113.10"), "web-2": ("10.20.0.12", None),
         "db-1": ("10.20.1.21", None), "ci": ("10.20.2.30", None), "app-1": ("10.20.1.31", None)}
A1, A2 = f"45.142.{120+seed%5}.77", f"45.142.{120+seed%5}.80"
attack_day = int(os.environ.get("ATTACK_DAY", 2 + seed % 2))
tA = T0 + dt.timedelta(days=attack_day, hours=13 + seed % 4, minutes=R.randint(0, 50))
auth = {h: [] for h in hosts}; web = {"web-1": [], "web-2": []}; conn = []
pids = [3000]
def pid(): pids[0] += R.randint(1, 40); return pids[0]
def port(): return R.randint(32768, 60999)
SHIFT = dt.timedelta(hours=float(os.environ.get("TZ_SHIFT", "0")))
def sys3164(t, h, prog, p, msg):
    t0 = t; t = t + SHIFT
    return (t0, f"{t.strftime('%b')} {t.day:2d} {t.strftime('%H:%M:%S')} {h} {prog}[{p}]: {msg}")
def flow(t, src, sp, dst, dp, proto="tcp", svc="ssh", dur=1.0, ob=2000, rb=3000, state="SF"):
    conn.append((t, json.dumps({"ts": round(t.timestamp(), 6), "uid": "C%016x" % R.getrandbits(64), "id.orig_h": src, "id.orig_p": sp,
        "id.resp_h": dst, "id.resp_p": dp, "proto": proto, "service": svc, "duration": dur, "orig_bytes": ob, "resp_bytes": rb,
        "conn_state": state, "missed_bytes": 0, "history": "ShADadFf", "orig_pkts": 20, "resp_pkts": 20})))
def ssh_login(t, h, user, src, method="publickey", sudo=None, length=600, srcport=None, internal_dst=None):
    p = pid(); sp = srcport or port()
    dst = internal_dst or (hosts[h][1] if src.count(".") == 3 and not src.startswith("10.") and hosts[h][1] else hosts[h][0])
    flow(t - dt.timedelta(milliseconds=300), src, sp, dst, 22, dur=length, ob=R.randint(3000, 90000), rb=R.randint(3000, 300000))
    fp = "RSA SHA256:" + "".join(R.choice("abcdefghijkLMNOP0123456789") for _ in range(43))
    auth[h].append(sys3164(t, h, "sshd", p, f"Accepted {method} for {user} from {src} port {sp} ssh2" + (f": {fp}" if method == "publickey" else "")))
    auth[h].append(sys3164(t, h, "sshd", p, f"pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)"))
    auth[h].append(sys3164(t, h, "systemd-logind", 700, f"New session {R.randint(100,9999)} of user {user}."))
    for i, cmd in enumerate(sudo or []):
        ts = t + dt.timedelta(seconds=30 + 40 * i)
        auth[h].append(sys3164(ts, h, "sudo", pid(), f"  {user} : TTY=pts/{R.randint(0,5)} ; PWD=/home/{user} ; USER=root ; COMMAND={cmd}"))
        auth[h].append(sys3164(ts, h, "sudo", pids[0], f"pam_unix(sudo:session): session opened for user root(uid=0) by {user}(uid=1000)"))
    te = t + dt.timedelta(seconds=length)
    auth[h].append(sys3164(te, h, "sshd", p, f"Received disconnect from {src} port {sp}:11: disconnected by user"))
    auth[h].append(sys3164(te, h, "sshd", p, f"pam_unix(sshd:session): session closed for user {user}"))
    return sp
# --- background: Internet guessing on the public hosts, all week
users = ["root", "admin", "test", "oracle", "ubuntu", "postgres", "git", "user", "guest", "ftpuser", "pi", "support", "deploy", "alice"]
for i in range(2500 + 500 * seed % 3):
    src = f"{R.choice([5,23,31,45,61,77,80,91,103,112,141,159,185,193,212,218,222])}.{R.randint(0,255)}.{R.randint(0,255)}.{R.randint(1,254)}"
    if src.startswith("45.142."): continue
    h = R.choice(["jump", "web-1"]); t = T0 + dt.timedelta(seconds=R.randint(0, DAYS * 86400 - 4000))
    for k in range(R.choice([1, 1, 2, 3, 6, 20, 60])):
        t += dt.timedelta(seconds=R.randint(1, 40)); u = R.choice(users); p = pid(); sp = port()
        flow(t, src, sp, hosts[h][1], 22, dur=2.0, ob=1200, rb=1500, state="RSTO")
        if u in ("root", "deploy", "alice"):
            auth[h].append(sys3164(t, h, "sshd", p, f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={src}  user={u}"))
            auth[h].append(sys3164(t, h, "sshd", p, f"Failed password for {u} from {src} port {sp} ssh2"))
        else:
            auth[h].append(sys3164(t, h, "sshd", p, f"Invalid user {u} from {src} port {sp}"))
            auth[h].append(sys3164(t, h, "sshd", p, f"Failed password for invalid user {u} from {src} port {sp} ssh2"))
        auth[h].append(sys3164(t + dt.timedelta(seconds=1), h, "sshd", p, f"Connection closed by {'authenticating' if u in ('root','deploy','alice') else 'invalid'} user {u} {src} port {sp} [preauth]"))
# --- benign people: alice, bob, carol from home (dynamic addresses), to jump, then onward with keys; oncall sudo
homes = {"alice": "81.2.{}.{}", "bob": "94.14.{}.{}", "carol": "176.58.{}.{}"}
usual = {"alice": ["web-1", "web-2"], "bob": ["db-1", "app-1"], "carol": ["web-1", "db-1", "app-1"]}
for d in range(DAYS):
    for u, pat in homes.items():
        home = pat.format(R.randint(0, 255), R.randint(1, 254))
        for s in range(R.randint(1, 3)):
            t = T0 + dt.timedelta(days=d, hours=R.randint(7, 20), minutes=R.randint(0, 59), seconds=R.randint(0, 59))
            ssh_login(t, "jump", u, home, sudo=["/usr/bin/journalctl -u nginx"] if R.random() < 0.3 else None, length=R.randint(600, 5000))
            for h in R.sample(usual[u], R.randint(1, len(usual[u]))):
                t2 = t + dt.timedelta(seconds=R.randint(20, 300))
                cmds = R.choice([None, ["/usr/bin/systemctl restart nginx"], ["/bin/bash"], ["/usr/bin/tail -f /var/log/messages"]])
                ssh_login(t2, h, u, hosts["jump"][0], sudo=cmds, length=R.randint(120, 2000))
    # CI deploys to web-1/web-2 every 30 min in working hours
    for m in range(8 * 60, 19 * 60, 30):
        for h in ["web-1", "web-2"]:
            t = T0 + dt.timedelta(days=d, minutes=m, seconds=R.randint(0, 50))
            ssh_login(t, h, "deploy", hosts["ci"][0], sudo=["/usr/bin/systemctl restart app"], length=40)
    for h in hosts:
        for m in range(0, 1440, 60):
            t = T0 + dt.timedelta(days=d, minutes=m + 1)
            p = pid(); auth[h].append(sys3164(t, h, "crond", p, "pam_unix(crond:session): session opened for user root by (uid=0)"))
            auth[h].append(sys3164(t + dt.timedelta(seconds=1), h, "crond", p, "pam_unix(crond:session): session closed for user root"))
# --- web background: people, crawlers, scanners
paths = ["/", "/index.html", "/products", "/cart", "/static/app.js", "/static/site.css", "/api/items?page=2", "/login", "/about"]
probes = ["/wp-login.php", "/.env", "/phpmyadmin/", "/admin/config.php", "/.git/config", "/cgi-bin/luci", "/index.php?id=1%27%20OR%201=1--",
          "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/shell.php?cmd=id", "/uploads/cmd.php", "/?s=../../../../etc/passwd"]
uas = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
       "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"]
def wl(h, t, ip, method, path, status, size, ua, ref="-"):
    web[h].append((t, f'{ip} - - [{t.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "{method} {path} HTTP/1.1" {status} {size} "{ref}" "{ua}" {R.random()*0.3:.3f}'))
for i in range(60000):
    t = T0 + dt.timedelta(seconds=R.randint(0, DAYS * 86400 - 1)); h = R.choice(["web-1", "web-2"])
    wl(h, t, f"{R.randint(60,220)}.{R.randint(0,255)}.{R.randint(0,255)}.{R.randint(1,254)}", "GET", R.choice(paths), R.choice([200, 200, 200, 304, 404]), R.randint(200, 50000), R.choice(uas))
for i in range(900):
    ip = f"{R.choice([45,89,103,185,193])}.{R.randint(0,255)}.{R.randint(0,255)}.{R.randint(1,254)}"
    if ip.startswith("45.142."): continue
    t = T0 + dt.timedelta(seconds=R.randint(0, DAYS * 86400 - 600)); h = R.choice(["web-1", "web-2"])
    ua = R.choice(["Mozilla/5.00 (Nikto/2.1.6)", "sqlmap/1.7", "python-requests/2.31", "zgrab/0.x", "curl/8.4.0", uas[0]])
    for k in range(R.choice([1, 3, 10, 40])):
        t += dt.timedelta(seconds=R.randint(0, 3)); wl(h, t, ip, R.choice(["GET", "GET", "POST"]), R.choice(probes), R.choice([404, 404, 403, 400, 301]), 162, ua)
# --- the attack
truth_extra = {}
if story == "webshell":
    t = tA; first0 = tA; ua = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
    for p in ["/", "/login", "/upload.php"]:
        wl("web-1", t, A1, "GET", p, 200, 5120, ua); t += dt.timedelta(seconds=R.randint(3, 20))
    wl("web-1", t, A1, "POST", "/upload.php", 200, 88, ua, "https://shop.example.com/upload.php"); first = t
    t += dt.timedelta(seconds=40)
    for c in ["id", "uname+-a", "cat+/etc/passwd", "ls+-la+/var/www", "cat+/var/www/html/config.php", "ip+a", "which+sshpass"]:
        wl("web-1", t, A1, "GET", f"/uploads/img_{seed}.php?c={c}", 200, R.randint(30, 3000), ua); t += dt.timedelta(seconds=R.randint(15, 90))
    t += dt.timedelta(minutes=5)
    # password found in config.php: webadmin on db-1, from web-1
    ssh_login(t, "db-1", "webadmin", hosts["web-1"][0], method="password", sudo=["/bin/bash"], length=1500)
    tu = t + dt.timedelta(seconds=200)
    auth["db-1"].append(sys3164(tu, "db-1", "useradd", pid(), "new group: name=sysupdate, GID=1501"))
    auth["db-1"].append(sys3164(tu, "db-1", "useradd", pids[0], "new user: name=sysupdate, UID=1501, GID=1501, home=/home/sysupdate, shell=/bin/bash, from=/dev/pts/1"))
    auth["db-1"].append(sys3164(tu + dt.timedelta(seconds=20), "db-1", "usermod", pid(), "add 'sysupdate' to group 'wheel'"))
    auth["db-1"].append(sys3164(tu + dt.timedelta(seconds=22), "db-1", "usermod", pids[0], "add 'sysupdate' to shadow group 'wheel'"))
    tx = t + dt.timedelta(seconds=900)
    flow(tx, hosts["db-1"][0], port(), A1, 443, svc="ssl", dur=380.0, ob=850_000_000, rb=90_000)
    # return the next night through the web shell from a neighbour address
    t = tA + dt.timedelta(hours=12, minutes=R.randint(0, 30))
    for c in ["id", "ps+aux"]:
        wl("web-1", t, A2, "GET", f"/uploads/img_{seed}.php?c={c}", 200, R.randint(30, 3000), ua); last = t; t += dt.timedelta(seconds=40)

    truth = {"first": first0.isoformat(), "last": last.isoformat(), "hosts": ["web-1", "db-1"], "accounts": ["webadmin", "sysupdate"],
             "attackers": [A1, A2], "hops": [["web-1", "db-1", "webadmin"]]}
elif story == "stolen":
    # carol's password, used from a VPS; carol herself works from changing home addresses every day
    t = tA; first0 = t
    ssh_login(t, "jump", "carol", A1, method=os.environ.get("METHOD", "password"), length=2400)
    t2 = t + dt.timedelta(seconds=95)
    ssh_login(t2, "db-1", "carol", hosts["jump"][0], method="password", sudo=["/bin/bash"], length=1800)
    tu = t2 + dt.timedelta(seconds=300)
    auth["db-1"].append(sys3164(tu, "db-1", "useradd", pid(), "new group: name=backup2, GID=1502"))
    auth["db-1"].append(sys3164(tu, "db-1", "useradd", pids[0], "new user: name=backup2, UID=1502, GID=1502, home=/home/backup2, shell=/bin/bash, from=/dev/pts/2"))
    tx = t2 + dt.timedelta(seconds=700)
    flow(tx, hosts["db-1"][0], port(), A1, 22, svc="ssh", dur=300.0, ob=1_200_000_000, rb=50_000)
    t3 = tA + dt.timedelta(days=1, hours=3)
    ssh_login(t3, "jump", "carol", A2, method="password", length=300); last = t3 + dt.timedelta(seconds=300)
    truth = {"first": first0.isoformat(), "last": last.isoformat(), "hosts": ["jump", "db-1"], "accounts": ["carol", "backup2"],
             "attackers": [A1, A2], "hops": [["jump", "db-1", "carol"]]}
elif story == "brute":
    # guessing oracle's password on web-1 from one address, success, root, cron persistence, hop with the found key
    t = tA - dt.timedelta(minutes=40); first0 = t
    while t < tA:
        p = pid(); sp = port(); flow(t, A1, sp, hosts["web-1"][1], 22, dur=2.0, ob=1200, rb=1500, state="RSTO")
        auth["web-1"].append(sys3164(t, "web-1", "sshd", p, f"Failed password for oracle from {A1} port {sp} ssh2"))
        t += dt.timedelta(seconds=R.randint(2, 9))
    ssh_login(tA, "web-1", "oracle", A1, method="password", sudo=["/bin/su -"], length=3000)
    auth["web-1"].append(sys3164(tA + dt.timedelta(seconds=80), "web-1", "su", pid(), "pam_unix(su-l:session): session opened for user root(uid=0) by oracle(uid=1000)"))
    t2 = tA + dt.timedelta(seconds=600)
    ssh_login(t2, "app-1", "root", hosts["web-1"][0], method="publickey", length=900)
    last = tA + dt.timedelta(seconds=3000)
    truth = {"first": first0.isoformat(), "last": last.isoformat(), "hosts": ["web-1", "app-1"], "accounts": ["oracle", "root"],
             "attackers": [A1], "hops": [["web-1", "app-1", "root"]]}
else:
    truth = {"first": None, "last": None, "hosts": [], "accounts": [], "attackers": [], "hops": []}
# --- write: RHEL layout (secure, secure-YYYYMMDD rotated weekly -> here daily-ish split at day 3), nginx rotated, zeek JSON hourly gz
def split_write(path_now, path_old, items, cut, gz_old=False):
    items.sort(key=lambda x: x[0]); os.makedirs(os.path.dirname(path_now), exist_ok=True)
    old = [l for t, l in items if t < cut]; new = [l for t, l in items if t >= cut]
    data = "".join(l + "\n" for l in old).encode()
    if gz_old: open(path_old + ".gz", "wb").write(gzip.compress(data))
    else: open(path_old, "wb").write(data)
    open(path_now, "wb").write("".join(l + "\n" for l in new).encode())
cut = T0 + dt.timedelta(days=3)
for h in hosts:
    split_write(f"{out}/{h}/var/log/secure", f"{out}/{h}/var/log/secure-{cut.strftime('%Y%m%d')}", auth[h], cut)
for h in web:
    split_write(f"{out}/{h}/var/log/nginx/access.log", f"{out}/{h}/var/log/nginx/access.log.1", web[h], cut, gz_old=True)
conn.sort(key=lambda x: x[0]); byhour = {}
for t, l in conn: byhour.setdefault(t.strftime("%Y-%m-%d/conn.%H"), []).append(l)
for k, ls in byhour.items():
    d, hname = k.split("/"); os.makedirs(f"{out}/sensor/zeek/{d}", exist_ok=True)
    hh = int(hname.split(".")[1])
    open(f"{out}/sensor/zeek/{d}/conn.{hh:02d}:00:00-{(hh+1)%24:02d}:00:00.log.gz", "wb").write(gzip.compress("".join(x + "\n" for x in ls).encode()))
truth.update(truth_extra)
json.dump(truth, open(f"{out}.truth.json", "w"), indent=1); print(json.dumps(truth))
