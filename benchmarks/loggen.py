"""Labelled logs for the `infer` benchmark: seeded generators, one per log family, where every
record comes with its message type and its true template.

A family is a list of message types, each a weight and a template written like the record with
`{slot}` for every variable part (`{{` and `}}` are never needed: no family has literal braces).
A record is the template with each slot drawn from its generator; its true template is the
template with `<*>` for each slot: the whole record, header included, in the convention of the
public log-parsing benchmarks (Loghub). What is a slot is decided by what varies in the log a
program writes, not by what a tool can find: a user name, a port, a thread number, a status code,
a value with blanks in it (a user agent, a command line) are each one slot; a program name or a
level that a message type always writes the same is literal. Each family holds about 2,000
records (`N`), as Loghub's 2k sets do; the same seed always gives the same records.

    python benchmarks/loggen.py FAMILY [N]     # print a family's records
"""
from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

N = 2000
SLOT = re.compile(r"\{([a-z_0-9]+)\}")


@dataclass(frozen=True)
class Record:
    text: str  # the record (lines joined by "\n")
    kind: str  # its message type
    template: str  # the record with <*> for each variable part


USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar",
         "peggy", "trent", "victor", "walter", "deploy", "backup", "jenkins", "ansible", "postgres", "www-data"]
BAD_USERS = ["admin", "test", "oracle", "guest", "ubuntu", "pi", "user", "support", "ftpuser", "git", "mysql",
             "hadoop", "nagios", "tomcat", "minecraft", "zabbix", "ts3", "vagrant", "odoo", "steam", "default"]
HOSTS = ["web01", "web02", "db01", "app03", "bastion"]
COMMANDS = ["/bin/ls -la /root", "/usr/bin/systemctl reload nginx.service", "/usr/bin/apt update",
            "/usr/bin/tail -n 100 /var/log/syslog", "/bin/cat /etc/shadow", "/usr/bin/id",
            "/usr/bin/docker ps -a", "/usr/sbin/reboot"]
CRON_COMMANDS = ["command -v debian-sa1 > /dev/null && debian-sa1 1 1", "cd / && run-parts --report /etc/cron.hourly",
                 "/usr/local/bin/backup.sh", "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )",
                 "/usr/bin/certbot renew -q"]
PATHS = ["/", "/index.html", "/css/site.css", "/js/app.js", "/images/logo.png", "/favicon.ico", "/login",
         "/api/v1/users", "/api/v1/orders", "/search", "/news/", "/robots.txt", "/wp-login.php", "/account/"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64; rv:50.0) Gecko/20100101 Firefox/50.0",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/55.0.2883.75 Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_1) AppleWebKit/602.2.14 (KHTML, like Gecko) Version/10.0.1 Safari/602.2.14",
          "curl/7.51.0", "python-requests/2.12.3", "Googlebot/2.1 (+http://www.google.com/bot.html)",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 10_1_1 like Mac OS X) AppleWebKit/602.2.14 (KHTML, like Gecko) Mobile/14B100"]
ALBUMS = ["PHYS-H-100-pub", "MATH-F-101-pub", "CHIM-F-205-pub", "INFO-H-303-priv", "PODC-I-000-pub", "BIOL-F-102-pub"]
SERVICES = ["orcl", "sales.example.com", "hr.example.com", "ptdb.example.com", "PTDB1", "ptdb_ro.example.com"]
UNITS = ["cron.service", "apt-daily.service", "logrotate.service", "man-db.service", "fstrim.service",
         "motd-news.service", "sysstat-collect.service", "phpsessionclean.service", "certbot.service"]


class Values:
    """Slot values, drawn from one seeded generator; `clock` only moves forward."""

    def __init__(self, seed: int, start: datetime) -> None:
        self.rng = random.Random(seed)
        self.clock = start

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=self.rng.choice([0, 0, 1, 1, 2, 3, 5, 8, 13, 40, 300, 4000]),
                                microseconds=self.rng.randrange(1_000_000))
        return self.clock

    def ip(self) -> str:
        r = self.rng
        return r.choice([f"192.0.2.{r.randrange(1, 255)}", f"198.51.100.{r.randrange(1, 255)}",
                         f"203.0.113.{r.randrange(1, 255)}", f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"])

    def port(self) -> str:
        return str(self.rng.randrange(1024, 65536))

    def num(self, low: int = 1, high: int = 5000) -> str:
        return str(self.rng.randrange(low, high))

    def word(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def user(self) -> str:
        return self.rng.choice(USERS)

    def slot(self, name: str) -> str:
        r = self.rng
        simple = {
            "ip": self.ip, "port": self.port, "user": self.user, "host": lambda: r.choice(HOSTS),
            "baduser": lambda: r.choice(BAD_USERS + USERS[:3]), "pid": lambda: self.num(300, 40000),
            "n": lambda: self.num(1, 400), "uid": lambda: self.num(1000, 1100), "tty": lambda: self.num(0, 9),
            "keytype": lambda: r.choice(["RSA", "ED25519", "ECDSA"]),
            "fingerprint": lambda: self.word("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 43),
            "cmd": lambda: r.choice(COMMANDS), "cron_cmd": lambda: r.choice(CRON_COMMANDS),
            "cwd": lambda: r.choice(["/home/" + self.user(), "/etc/nginx", "/root", "/var/log", "/srv/app"]),
            "unit": lambda: r.choice(UNITS), "iface": lambda: r.choice(["eth0", "eth1", "ens3", "wlan0"]),
            "uptime": lambda: f"{r.randrange(10000, 99999)}.{r.randrange(10**6):06d}",
            "mac": lambda: ":".join(self.word("0123456789abcdef", 2) for _ in range(14)),
            "secs": lambda: self.num(60, 43200), "xid": lambda: "0x" + self.word("0123456789abcdef", 8),
            "float": lambda: f"{r.uniform(0, 3):.6f}", "session": lambda: self.word("abcdefghijklmnopqrstuv0123456789", 26),
            "level": lambda: str(r.randrange(0, 5)), "album": lambda: r.choice(ALBUMS),
            "asset": lambda: f"20{r.randrange(13, 18)}_{r.randrange(1, 13):02d}_{r.randrange(1, 29):02d}_{r.randrange(8, 19):02d}h{r.choice(['00', '15', '30', '45'])}",
            "view": lambda: r.choice(["cam", "slide"]), "quality": lambda: r.choice(["high", "low"]),
            "origin": lambda: r.choice(["from_button", "from_shortcut", "from_ezplayer", "from_external"]),
            "netid": lambda: r.choice(USERS[:12] + ["nologin"]), "ua": lambda: r.choice(AGENTS),
            "browser": lambda: r.choice(["Chrome", "Firefox", "Safari", "Edge"]),
            "version": lambda: r.choice(["62.0.3202.94", "57.0", "11.0", "16.16299"]),
            "os": lambda: r.choice(["Windows", "Linux", "OS X", "iOS", "Android"]),
            "title": lambda: r.choice(["Cours 1", "Cours 3 &amp; exercices", "Live", "Introduction", "Labo 2 - corrigé"]),
            "method": lambda: r.choices(["GET", "POST", "HEAD", "PUT", "DELETE"], [80, 12, 4, 2, 2])[0],
            "path": lambda: r.choice(PATHS) + r.choice(["", "", f"?page={r.randrange(1, 9)}", f"?id={self.num()}"]),
            "proto": lambda: r.choice(["HTTP/1.1", "HTTP/1.1", "HTTP/2.0", "HTTP/1.0"]),
            "status": lambda: r.choices(["200", "304", "404", "302", "500", "403"], [70, 10, 8, 6, 3, 3])[0],
            "bytes": lambda: "-" if r.random() < 0.05 else self.num(100, 90000),
            "referer": lambda: r.choice(["-", "-", "https://www.example.com/", "https://www.example.com/news/",
                                         "https://www.google.com/"]),
            "web_user": lambda: "-" if r.random() < 0.8 else self.user(),
            "junk": lambda: r.choice(["\\x16\\x03\\x01\\x00\\xa5\\x01", "\\x16\\x03\\x01\\x02\\x00\\x01",
                                      "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1"]),
            "service": lambda: r.choice(SERVICES), "dbhost": lambda: r.choice(["dbclient01", "app-batch02", "WKS-0231", "etl03", "__jdbc__"]),
            "program": lambda: r.choice(["sqlplus", "JDBC Thin Client", "/opt/app/bin/loader", "python3.9"]),
            "lsnr_cmd": lambda: r.choice(["status", "services", "version", "reload"]),
            "container": lambda: f"container_1445144423722_0020_01_{self.num(1, 30):0>6}",
            "attempt": lambda: f"attempt_1445144423722_0020_m_{self.num(0, 30):0>6}_{r.randrange(0, 3)}",
            "block": lambda: f"blk_{r.randrange(10**17, 10**18)}", "handler": lambda: self.num(0, 50),
            "ms": lambda: self.num(1, 9000), "mb": lambda: self.num(1, 4096), "file": lambda: r.choice(
                ["/tmp/hadoop-yarn/staging/job.xml", "hdfs://msra-sa-41:9000/pageinput2.txt", "/user/root/out/part-00000"]),
            "node": lambda: f"MININT-{self.word('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 7)}.fareast.corp.microsoft.com",
        }
        return simple[name]()

    def stamp(self, name: str) -> str:
        t = self.tick()
        if name == "bsd":
            return t.strftime("%b ") + f"{t.day:2d}" + t.strftime(" %H:%M:%S")
        if name == "rfc3339":
            return t.strftime("%Y-%m-%dT%H:%M:%S.%f+01:00")
        if name == "ez":
            return t.strftime("%Y-%m-%d-%H:%M:%S")
        if name == "clf":
            return t.strftime("%d/%b/%Y:%H:%M:%S +0100")
        if name == "ora":
            return t.strftime("%d-%b-%Y %H:%M:%S").upper()
        if name == "adr":
            return t.strftime("%a %b %d %H:%M:%S %Y")
        if name == "java":
            return t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"
        raise KeyError(name)


STAMPS = {"bsd", "rfc3339", "ez", "clf", "ora", "adr", "java"}
AUTH = "{bsd} {host} "
SYS = "{rfc3339} {host} "
EZ = "{ez} | {session} | {ip} | {netid} | "
ORA = "{ora} * "
JAVA = "{java} "

FAMILIES: dict[str, list[tuple[int, str]]] = {
    "linux-auth": [
        (90, AUTH + "sshd[{pid}]: Failed password for invalid user {baduser} from {ip} port {port} ssh2"),
        (90, AUTH + "sshd[{pid}]: Invalid user {baduser} from {ip} port {port}"),
        (60, AUTH + "sshd[{pid}]: Failed password for {user} from {ip} port {port} ssh2"),
        (40, AUTH + "sshd[{pid}]: Accepted password for {user} from {ip} port {port} ssh2"),
        (40, AUTH + "sshd[{pid}]: Accepted publickey for {user} from {ip} port {port} ssh2: {keytype} SHA256:{fingerprint}"),
        (80, AUTH + "sshd[{pid}]: pam_unix(sshd:session): session opened for user {user} by (uid=0)"),
        (80, AUTH + "sshd[{pid}]: pam_unix(sshd:session): session closed for user {user}"),
        (50, AUTH + "sshd[{pid}]: Received disconnect from {ip} port {port}:11: disconnected by user"),
        (50, AUTH + "sshd[{pid}]: Disconnected from user {user} {ip} port {port}"),
        (60, AUTH + "sshd[{pid}]: Connection closed by {ip} port {port} [preauth]"),
        (20, AUTH + "sshd[{pid}]: Did not receive identification string from {ip} port {port}"),
        (40, AUTH + "sshd[{pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={user}"),
        (60, AUTH + "systemd-logind[{pid}]: New session {n} of user {user}."),
        (60, AUTH + "systemd-logind[{pid}]: Removed session {n}."),
        (40, AUTH + "sudo:    {user} : TTY=pts/{tty} ; PWD={cwd} ; USER=root ; COMMAND={cmd}"),
        (40, AUTH + "sudo: pam_unix(sudo:session): session opened for user root by {user}(uid={uid})"),
        (40, AUTH + "sudo: pam_unix(sudo:session): session closed for user root"),
        (70, AUTH + "CRON[{pid}]: pam_unix(cron:session): session opened for user root by (uid=0)"),
        (70, AUTH + "CRON[{pid}]: pam_unix(cron:session): session closed for user root"),
        (5, AUTH + "useradd[{pid}]: new user: name={user}, UID={uid}, GID={uid}, home=/home/{user}, shell=/bin/bash, from=/dev/pts/{tty}"),
        (5, AUTH + "groupadd[{pid}]: new group: name={user}, GID={uid}"),
        (8, AUTH + "passwd[{pid}]: pam_unix(passwd:chauthtok): password changed for {user}"),
        (10, AUTH + "su[{pid}]: (to root) {user} on pts/{tty}"),
    ],
    "syslog": [
        (60, SYS + "kernel: [{uptime}] [UFW BLOCK] IN={iface} OUT= MAC={mac} SRC={ip} DST={ip} LEN={n} TOS=0x00 PREC=0x00 TTL={n} ID={n} DF PROTO=TCP SPT={port} DPT={port} WINDOW={n} RES=0x00 SYN URGP=0"),
        (20, SYS + "kernel: [{uptime}] {iface}: Link is Up - 1Gbps/Full - flow control off"),
        (60, SYS + "systemd[1]: Starting {unit}..."),
        (60, SYS + "systemd[1]: Started {unit}."),
        (50, SYS + "systemd[1]: {unit}: Deactivated successfully."),
        (30, SYS + "systemd[1]: {unit}: Consumed {float}s CPU time."),
        (40, SYS + "systemd[1]: Started Session {n} of User {user}."),
        (120, SYS + "CRON[{pid}]: ({user}) CMD ({cron_cmd})"),
        (40, SYS + "dhclient[{pid}]: DHCPREQUEST for {ip} on {iface} to {ip} port 67 (xid={xid})"),
        (40, SYS + "dhclient[{pid}]: DHCPACK of {ip} from {ip} (xid={xid})"),
        (40, SYS + "dhclient[{pid}]: bound to {ip} -- renewal in {secs} seconds."),
        (10, SYS + "rsyslogd[{pid}]: [origin software=\"rsyslogd\" swVersion=\"8.2112.0\" x-pid=\"{pid}\" x-info=\"https://www.rsyslog.com\"] rsyslogd was HUPed"),
        (30, SYS + "NetworkManager[{pid}]: <info>  [{uptime}] dhcp4 ({iface}): state changed bound -> bound"),
        (30, SYS + "systemd-resolved[{pid}]: Using degraded feature set UDP instead of UDP+EDNS0 for DNS server {ip}."),
        (20, SYS + "chronyd[{pid}]: Selected source {ip}"),
        (20, SYS + "chronyd[{pid}]: System clock wrong by {float} seconds, adjustment started"),
        (30, SYS + "postfix/smtpd[{pid}]: connect from unknown[{ip}]"),
        (30, SYS + "postfix/smtpd[{pid}]: disconnect from unknown[{ip}] ehlo=1 auth=0/1 quit=1 commands=2/3"),
    ],
    "apache-access": [
        (900, "{ip} - {web_user} [{clf}] \"{method} {path} {proto}\" {status} {bytes} \"{referer}\" \"{ua}\""),
        (60, "{ip} - - [{clf}] \"-\" 408 - \"-\" \"-\""),
        (30, "{ip} - - [{clf}] \"{junk}\" 400 {n} \"-\" \"-\""),
        (10, "::1 - - [{clf}] \"OPTIONS * HTTP/1.0\" 200 - \"-\" \"Apache/2.4.25 (Debian) OpenSSL/1.0.2j (internal dummy connection)\""),
    ],
    "nginx-access": [
        (900, "{ip} - {web_user} [{clf}] \"{method} {path} {proto}\" {status} {bytes} \"{referer}\" \"{ua}\""),
        (60, "{ip}, {ip} - {web_user} [{clf}] \"{method} {path} {proto}\" {status} {bytes} \"{referer}\" \"{ua}\""),
        (40, "{ip} - - [{clf}] \"\" 400 0 \"-\" \"-\""),
        (20, "{ip} - - [{clf}] \"{junk}\" 400 {n} \"-\" \"-\""),
    ],
    "ezcast": [
        (60, EZ + "1 | login | {browser} | {version} | {os} | {ua}"),
        (20, EZ + "1 | logout"),
        (60, EZ + "1 | view_albums"),
        (60, EZ + "2 | view_album_assets | {album} | {origin}"),
        (50, EZ + "3 | view_asset_details | {album} | {asset} | {view} | view_and_add | {origin}"),
        (120, EZ + "4 | video_play | {album} | {asset} | {n} | {n} | {view} | {quality} | {origin}"),
        (100, EZ + "4 | video_pause | {album} | {asset} | {n} | {n} | {view} | {quality} | {origin}"),
        (150, EZ + "4 | video_play_time | {album} | {asset} | {title} | {view} | {n} | {n}"),
        (50, EZ + "4 | video_seeked | {album} | {asset} | {n} | {n} | {n} | {view} | {quality}"),
        (40, EZ + "4 | video_switch | {album} | {asset} | {n} | {n} | {view} | {view} | {quality} | {origin}"),
        (20, EZ + "4 | video_fullscreen_enter | {album} | {asset} | {n} | {n} | {view} | {quality} | {origin}"),
        (20, EZ + "4 | video_fullscreen_exit | {album} | {asset} | {n} | {n} | {view} | {quality} | {origin}"),
        (20, EZ + "2 | album_token_add | {album}"),
        (10, EZ + "1 | album_token_move | {album} | {n} | {n}"),
        (20, EZ + "3 | thread_detail_show | {album} | {asset} | {n}"),
        (15, EZ + "3 | vote_up | {album} | {asset} | {n}"),
    ],
    "oracle-listener": [
        (500, ORA + "(CONNECT_DATA=(SERVICE_NAME={service})(CID=(PROGRAM={program})(HOST={dbhost})(USER={user}))) * "
                    "(ADDRESS=(PROTOCOL=tcp)(HOST={ip})(PORT={port})) * establish * {service} * 0"),
        (150, ORA + "service_update * {service} * 0"),
        (40, ORA + "service_register * {service} * 0"),
        (30, ORA + "ping * 0"),
        (40, ORA + "(CONNECT_DATA=(CID=(PROGRAM=)(HOST={dbhost})(USER={user}))(COMMAND={lsnr_cmd})(ARGUMENTS=64)"
                   "(SERVICE=LISTENER)(VERSION=318767104)) * {lsnr_cmd} * 0"),
        (60, "{adr}"),
        (30, ORA + "12502\nTNS-12502: TNS:listener received no CONNECT_DATA from client"),
        (20, ORA + "<unknown connect data> * 12537\nTNS-12537: TNS:connection closed\n TNS-12560: TNS:protocol adapter error\n"
                   "  TNS-00507: Connection closed\n   Linux Error: 29: Illegal seek"),
    ],
    # not a shipped family: a Hadoop/log4j-style application log (Loghub's Hadoop set has this shape)
    "java-app": [
        (60, JAVA + "INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001"),
        (120, JAVA + "INFO [AsyncDispatcher event handler] org.apache.hadoop.mapreduce.v2.app.job.impl.TaskAttemptImpl: {attempt} TaskAttempt Transitioned from NEW to UNASSIGNED"),
        (120, JAVA + "INFO [AsyncDispatcher event handler] org.apache.hadoop.mapreduce.v2.app.job.impl.TaskAttemptImpl: {attempt} TaskAttempt Transitioned from ASSIGNED to RUNNING"),
        (100, JAVA + "INFO [RMCommunicator Allocator] org.apache.hadoop.mapreduce.v2.app.rm.RMContainerAllocator: Assigned container {container} to {attempt}"),
        (80, JAVA + "INFO [IPC Server handler {handler} on 62270] org.apache.hadoop.mapred.TaskAttemptListenerImpl: Progress of TaskAttempt {attempt} is : {float}"),
        (60, JAVA + "INFO [IPC Server handler {handler} on 62270] org.apache.hadoop.mapred.TaskAttemptListenerImpl: Done acknowledgement from {attempt}"),
        (60, JAVA + "INFO [ContainerLauncher #{handler}] org.apache.hadoop.mapreduce.v2.app.launcher.ContainerLauncherImpl: Processing the event EventType: CONTAINER_REMOTE_LAUNCH for container {container} taskAttempt {attempt}"),
        (40, JAVA + "INFO [main] org.apache.hadoop.mapreduce.v2.app.rm.RMContainerAllocator: Recalculating schedule, headroom=<memory:{mb}, vCores:-27>"),
        (40, JAVA + "INFO [main] org.apache.hadoop.hdfs.DFSClient: Received block {block} of size {n} from {ip}"),
        (30, JAVA + "WARN [LeaseRenewer:msrabi@msra-sa-41:9000] org.apache.hadoop.hdfs.LeaseRenewer: Failed to renew lease for [DFSClient_NONMAPREDUCE_{n}_1] for {n} seconds.  Will retry shortly ..."),
        (30, JAVA + "ERROR [RMCommunicator Allocator] org.apache.hadoop.mapreduce.v2.app.rm.RMContainerAllocator: ERROR IN CONTACTING RM."),
        (20, JAVA + "WARN [ResponseProcessor for block BP-1347369012-10.190.173.170-1444972147527:{block}] org.apache.hadoop.hdfs.DFSClient: Slow ReadProcessor read fields took {ms}ms (threshold=30000ms); ack: seqno: -2 status: SUCCESS status: ERROR downstreamAckTimeNanos: 0, targets: [{ip}:50010, {ip}:50010]"),
        (20, JAVA + "ERROR [main] org.apache.hadoop.mapred.YarnChild: Exception running child : java.net.ConnectException: Connection refused\n"
                    "\tat sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)\n\tat org.apache.hadoop.ipc.Client.call(Client.java:1468)"),
        (20, JAVA + "INFO [main] org.apache.hadoop.mapred.MapTask: Processing split: {file}:{n}+{n}"),
        (30, JAVA + "INFO [Socket Reader #1 for port 62270] SecurityLogger.org.apache.hadoop.ipc.Server: Auth successful for job_1445144423722_0020 (auth:SIMPLE)"),
        (20, JAVA + "INFO [main] org.apache.hadoop.yarn.client.RMProxy: Connecting to ResourceManager at {node}/{ip}:8030"),
    ],
}
STARTS = {"linux-auth": datetime(2024, 1, 28, 6), "syslog": datetime(2024, 2, 27, 4), "ezcast": datetime(2017, 10, 30, 8),
          "apache-access": datetime(2016, 11, 29, 11), "nginx-access": datetime(2016, 12, 5, 9),
          "oracle-listener": datetime(2016, 7, 27, 15), "java-app": datetime(2015, 10, 18, 18)}


def generate(family: str, n: int = N, seed: int = 11) -> list[Record]:
    """`n` records of a family, the same for the same seed."""
    values = Values(seed * 1000 + sum(map(ord, family)), STARTS[family])
    weights, templates = zip(*FAMILIES[family])
    kinds = values.rng.choices(range(len(templates)), weights, k=n)
    out = []
    for k in kinds:
        template = templates[k]
        text = SLOT.sub(lambda m: values.stamp(m[1]) if m[1] in STAMPS else values.slot(m[1]), template)
        out.append(Record(text, f"{family}/{k}", SLOT.sub("<*>", template)))
    return out


if __name__ == "__main__":
    for record in generate(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else N):
        print(record.text)
