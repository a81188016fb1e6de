"""Throwaway PostgreSQL, Redis and nginx servers from Debian's packages, for tests and benchmarks.

Each runs on a free loopback port in a fresh temporary directory and is stopped and deleted on exit, so a test
of the scale-out set-up (two servers sharing a database, a rate-limit store and a proxy) uses the real
programs a city runs, not stand-ins. Standard library only, like chatbot.web.devserver.

PostgreSQL refuses to run as root: under root its directory is handed to the ``postgres`` user the Debian
package creates, and its commands run through ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from chatbot.web.devserver import REPO, free_port, stop

NGINX_CONF = REPO / "deploy" / "nginx.conf"
START_SECONDS = 30
DEBIAN_PACKAGES = "postgresql redis-server nginx openssl"


class Missing(RuntimeError):
    """A program the throwaway server needs is not installed."""


def _program(name: str, *extra_dirs: str) -> str:
    for directory in extra_dirs:
        if os.access(os.path.join(directory, name), os.X_OK):
            return os.path.join(directory, name)
    found = shutil.which(name)
    if found is None:
        raise Missing(f"{name} not found: install the Debian packages {DEBIAN_PACKAGES} (make test does)")
    return found


def _wait_for_port(port: int, proc: subprocess.Popen[bytes] | None, what: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} did not start:\n{tail}")
        time.sleep(0.05)


# ---------------------------------------------------------------- PostgreSQL

@dataclass
class Postgres:
    """A cluster owned by ``user`` (``postgres`` under root), reached as the superuser ``chatbot`` over TCP."""

    bin: Path
    data: Path
    port: int
    as_user: tuple[str, ...]  # the command prefix that runs a program as the cluster's owner

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://chatbot@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def psql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with psql; its unaligned output (tests read the stored rows this way)."""
        return subprocess.run([str(self.bin / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                               "-d", self.url(database), "-c", statement],
                              check=True, capture_output=True, text=True).stdout

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' -c max_connections=200"
        self._ctl("start", "-w", "-t", str(START_SECONDS), "-o", options, "-l", str(self.data.parent / "postgres.log"))

    def stop(self) -> None:
        """A fast shutdown: sessions are disconnected at once, as when a database server restarts."""
        self._ctl("stop", "-w", "-m", "fast")

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def postgres_bin() -> Path:
    """Debian keeps the server programs off PATH, in /usr/lib/postgresql/VERSION/bin."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1] if versions else _program("initdb")).parent


@contextmanager
def postgres() -> Iterator[Postgres]:
    """A fresh cluster, started; stopped and deleted on exit."""
    binary = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="chatbot-pg-"))
    as_user: tuple[str, ...] = ()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ("runuser", "-u", "postgres", "--")
    cluster = Postgres(binary, root / "data", free_port(), as_user)
    try:
        subprocess.run([*as_user, str(binary / "initdb"), "-D", str(cluster.data), "-U", "chatbot", "--auth=trust",
                        "-E", "UTF8", "--locale=C", "--no-sync"], check=True, capture_output=True)
        cluster.start()
        try:
            yield cluster
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- Redis

@contextmanager
def redis() -> Iterator[str]:
    """A Redis server keeping nothing on disk; yields its URL (database 0)."""
    root = Path(tempfile.mkdtemp(prefix="chatbot-redis-"))
    port = free_port()
    log = root / "redis-server.out"
    with log.open("ab") as out:
        proc = subprocess.Popen([_program("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no", "--dir", str(root)],
                                stdout=out, stderr=out, start_new_session=True)
    try:
        _wait_for_port(port, proc, "redis-server", log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- nginx

@dataclass(frozen=True)
class Nginx:
    http: str  # http://127.0.0.1:PORT (redirects to https)
    https: str  # https://127.0.0.1:PORT, a self-signed certificate
    root: Path  # logs and the configuration as rendered


def render(conf: str, upstreams: Sequence[str], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with the values its comments mark ``CHANGE`` filled in for a loopback test."""
    def servers(block: re.Match[str]) -> str:  # the test's servers, with the parameters the file gives its own
        return block.group(1) + "".join(f"    server {address}{block.group(2)}\n" for address in upstreams)

    conf, upstream_count = re.subn(r"(upstream chatbot \{\n(?:\s*#.*\n)*)\s*server \S+:\d+([^;]*;)\n"
                                   r"(?:\s*server \S+:\d+[^;]*;\n)*", servers, conf)
    replacements = [(r"listen 80;", f"listen 127.0.0.1:{http_port};"),
                    (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                    (r"ssl_certificate \S+;", f"ssl_certificate {cert};"),
                    (r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};")]
    for pattern, value in replacements:
        conf, count = re.subn(pattern, value, conf)
        if count != 1:
            raise ValueError(f"deploy/nginx.conf: expected one {pattern!r}, found {count}")
    if upstream_count != 1:
        raise ValueError("deploy/nginx.conf: expected one `upstream chatbot` block of server lines")
    return conf


@contextmanager
def nginx(upstreams: Sequence[str], conf_file: Path = NGINX_CONF) -> Iterator[Nginx]:
    """nginx with ``conf_file`` (read inside its http block, as /etc/nginx/conf.d/ would) in front of
    ``upstreams`` (``host:port``); a self-signed certificate stands in for the city's."""
    root = Path(tempfile.mkdtemp(prefix="chatbot-nginx-"))
    root.chmod(0o755)  # nginx's workers run as an unprivileged user and write their temporary files here
    cert, key = root / "chatbot.crt", root / "chatbot.key"
    subprocess.run([_program("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    http_port, https_port = free_port(), free_port()
    (root / "chatbot.conf").write_text(render(conf_file.read_text(encoding="utf-8"), upstreams, http_port,
                                              https_port, cert, key), encoding="utf-8")
    (root / "nginx.conf").write_text(f"""daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/chatbot.conf;
}}
""", encoding="utf-8")
    out_log = root / "nginx.out"
    with out_log.open("ab") as out:
        proc = subprocess.Popen([_program("nginx", "/usr/sbin"), "-p", str(root), "-c", str(root / "nginx.conf"),
                                 "-e", str(root / "error.log")],
                                stdout=out, stderr=out, start_new_session=True)
    try:
        _wait_for_port(https_port, proc, "nginx", root / "error.log")
        yield Nginx(f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", root)
    finally:
        stop(proc)
        shutil.rmtree(root, ignore_errors=True)
