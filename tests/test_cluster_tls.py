"""A secured cluster: a ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 speaking TLS with
certificates made here (a CA, one certificate it signed), named in the project's ``cluster.yaml``; pilots
and a sweep run on it through ``livinglab``; a client without the CA's certificate is refused; plain
``tcp://`` to another machine is refused before any connection; anything at ``--cluster`` that does not
answer a Dask handshake within 3 s (the scheduler's own HTTP port, a silent or a garbage-speaking peer) is
exit 2 and one sentence, within 5 s."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from processes import stop_process_group

from livinglab.cli import main

BIN = Path(sys.executable).parent
KEY = "a-test-key-that-is-long-enough"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _certificates(folder: Path, name: str) -> dict[str, Path]:
    """A CA and a certificate it signed for 127.0.0.1 (server and client use), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)

    def build(subject: str, key, issuer: str, issuer_key, ca: bool):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            ).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = build(f"{name} CA", ca_key, f"{name} CA", ca_key, True)
    cert = build(f"{name} node", key, f"{name} CA", ca_key, False)
    files = {"ca_file": folder / "ca.pem", "cert": folder / "node.pem", "key": folder / "node-key.pem"}
    files["ca_file"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    files["key"].chmod(0o600)
    return files


def _tls_yaml(files: dict[str, Path]) -> str:
    return "tls:\n" + "".join(f"  {k}: {v}\n" for k, v in files.items())


@dataclass
class TLSCluster:
    address: str
    http_port: int  # the scheduler's HTTP (dashboard) port: not a Dask scheduler
    certs: dict[str, Path]
    logs: Path


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    """``dask scheduler --protocol tls`` and two TLS workers (1 thread, 1 GiB each) on free loopback ports."""
    from distributed import Client
    from distributed.security import Security

    logs = tmp_path_factory.mktemp("dask-tls")
    certs = _certificates(logs / "certs", "lab")
    tls = ["--tls-ca-file", str(certs["ca_file"]), "--tls-cert", str(certs["cert"])]
    tls += ["--tls-key", str(certs["key"])]
    port, http_port = _free_port(), _free_port()
    address = f"tls://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str, env: dict | None = None) -> None:
        with (logs / f"{name}.log").open("w") as log:
            procs.append(
                subprocess.Popen(
                    [str(BIN / "dask"), *args],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    env=env,
                )
            )

    try:
        start(
            "scheduler",
            *("scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", str(port)),
            *("--dashboard-address", f"127.0.0.1:{http_port}", *tls),
        )
        for i in range(2):  # both hold a key; only worker0 may run units that read personal data
            start(
                f"worker{i}",
                *("worker", address, "--nworkers", "1", "--nthreads", "1", "--memory-limit", "1GiB"),
                *("--host", "127.0.0.1", "--no-dashboard", "--local-directory", str(logs / f"scratch{i}")),
                *(("--resources", "personal_data=1") if i == 0 else ()),
                *tls,
                env={**os.environ, "LIVINGLAB_PSEUDONYM_KEY": KEY},
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (logs / "scheduler.log").read_text()
                time.sleep(0.2)
        security = Security(
            tls_ca_file=str(certs["ca_file"]),
            tls_client_cert=str(certs["cert"]),
            tls_client_key=str(certs["key"]),
            require_encryption=True,
        )
        with Client(address, security=security, timeout=10) as client:
            client.wait_for_workers(2, timeout=30)
        yield TLSCluster(address, http_port, certs, logs)
    finally:
        for proc in reversed(procs):
            stop_process_group(proc)


def test_pilots_and_a_sweep_run_on_a_tls_cluster(fixture_project, tmp_path, tls_cluster, capsys):
    (fixture_project / "cluster.yaml").write_text(_tls_yaml(tls_cluster.certs))
    out = tmp_path / "runs"
    argv = ["run", "alpha", "gamma", "--profile", "smoke", "--out", str(out)]
    assert main([*argv, "--cluster", tls_cluster.address]) == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "alpha: ok on tls://127.0.0.1:" in err and "gamma: ok on tls://127.0.0.1:" in err
    index = json.loads((out / "index.json").read_text())
    assert {r["pilot"]: r["status"] for r in index["runs"]} == {"alpha": "ok", "gamma": "ok"}
    assert {r["metrics"]["total"] for r in index["runs"] if r["pilot"] == "alpha"} == {3.0}
    sweep_out = tmp_path / "sweep"
    argv = ["sweep", "alpha", "-p", "scale", "1,2", "--out", str(sweep_out)]
    assert main([*argv, "--cluster", tls_cluster.address]) == 0, capsys.readouterr().err
    index = json.loads((sweep_out / "index.json").read_text())
    assert sorted(r["metrics"]["total"] for r in index["runs"]) == [10.0, 20.0]
    (sweep,) = index["sweeps"]
    assert sweep["n_ok"] == 2


def test_a_client_without_the_clusters_certificate_is_refused(fixture_project, tmp_path, tls_cluster, capsys):
    host, port = "127.0.0.1", int(tls_cluster.address.rsplit(":", 1)[1])
    # TLS with the CA but no certificate of its own: the scheduler ends the handshake
    context = ssl.create_default_context(cafile=str(tls_cluster.certs["ca_file"]))
    context.check_hostname = False
    with pytest.raises((ssl.SSLError, ConnectionError)):
        with socket.create_connection((host, port), timeout=5) as raw:
            with context.wrap_socket(raw) as tls:
                tls.settimeout(5)
                tls.recv(8)  # TLS 1.3 reports the refusal at the first read
    # livinglab with a certificate of another CA: exit 2, one sentence, nothing run
    (fixture_project / "cluster.yaml").write_text(_tls_yaml(_certificates(tmp_path / "other", "other")))
    out = tmp_path / "runs"
    t0 = time.perf_counter()
    assert main(["run", "alpha", "--out", str(out), "--cluster", tls_cluster.address]) == 2
    assert time.perf_counter() - t0 < 8
    err = capsys.readouterr().err
    assert f"The TLS handshake with {tls_cluster.address} failed" in err and err.count("\n") == 1, err
    assert not out.exists() or not any(out.iterdir())
    # no certificates named at all: a tls:// address says where to name them
    (fixture_project / "cluster.yaml").write_text("slurm: {}\n")
    assert main(["run", "alpha", "--out", str(out), "--cluster", tls_cluster.address]) == 2
    err = capsys.readouterr().err
    assert "A tls:// cluster needs certificates" in err and err.count("\n") == 1


def test_plain_tcp_to_another_machine_is_refused_before_any_connection(fixture_project, tmp_path, capsys):
    out = tmp_path / "runs"
    t0 = time.perf_counter()
    # a documentation address (TEST-NET-2): refused before any packet, so nothing is ever sent there
    assert main(["run", "alpha", "--out", str(out), "--cluster", "tcp://198.51.100.7:8786"]) == 2
    assert time.perf_counter() - t0 < 2
    err = capsys.readouterr().err
    assert "Refusing plain tcp://198.51.100.7:8786" in err and "--insecure" in err and err.count("\n") == 1
    assert main(["sweep", "alpha", "-p", "scale", "1", "--out", str(out), "--cluster", "198.51.100.7"]) == 2
    assert "Refusing plain tcp://198.51.100.7:8786" in capsys.readouterr().err


def _peer(behaviour: str):
    """A one-port server on loopback that accepts and either stays silent or sends garbage."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        held = []
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            held.append(conn)
            if behaviour == "garbage":  # a frame count of 2**64 - 1, then noise
                conn.sendall(b"\xff" * 8 + os.urandom(4096))
        for conn in held:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server.getsockname()[1], stop, thread, server


@pytest.mark.parametrize("peer", ["dashboard", "silent", "garbage"])
def test_anything_that_is_not_a_dask_scheduler_is_exit_2_within_5_s(
    fixture_project, tmp_path, tls_cluster, capsys, peer
):
    stop = thread = server = None
    if peer == "dashboard":
        port = tls_cluster.http_port  # the scheduler's own HTTP port
        with socket.create_connection(("127.0.0.1", port), timeout=5) as http:  # it is an HTTP server
            http.sendall(b"GET /health HTTP/1.0\r\n\r\n")
            assert http.recv(12).startswith(b"HTTP/1.")
    else:
        port, stop, thread, server = _peer(peer)
    out = tmp_path / "runs"
    try:
        t0 = time.perf_counter()
        assert main(["run", "alpha", "--out", str(out), "--cluster", f"tcp://127.0.0.1:{port}"]) == 2
        elapsed = time.perf_counter() - t0
    finally:
        if stop is not None:
            stop.set()
            thread.join(5)
            server.close()
    assert elapsed < 5, elapsed  # the 3-s handshake deadline, plus the start of the command
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"tcp://127.0.0.1:{port}" in err and "is not a Dask scheduler" in err
    if peer == "garbage":
        assert "not a Dask greeting" in err and elapsed < 3
    else:
        assert "did not answer as a Dask scheduler within 3 s" in err
    assert not out.exists() or not any(out.iterdir())


def test_a_pilots_own_cluster_parameter_gets_the_same_checks(fixture_project):
    from livinglab.cluster import executor
    from livinglab.pilots import UsageError

    with pytest.raises(UsageError, match="Refusing plain tcp://198.51.100.7:8786"):
        with executor("tcp://198.51.100.7:8786"):
            pass
    with pytest.raises(UsageError, match="is not a Dask scheduler address"):
        with executor("ws://127.0.0.1:1"):
            pass


def _keyed_pilot(project: Path) -> None:
    """A copy of gamma that records whether its kernel sees the pseudonymisation key."""
    import shutil

    import nbformat

    target = project / "pilots" / "keyed"
    shutil.copytree(project / "pilots" / "gamma", target)
    (target / "gamma.ipynb").rename(target / "keyed.ipynb")
    nb = nbformat.read(target / "keyed.ipynb", as_version=4)
    nb.cells[2].source = nb.cells[2].source.replace('"gamma"', '"keyed"') + (
        "\nimport os\nlivinglab.record('key_seen', 'LIVINGLAB_PSEUDONYM_KEY' in os.environ)"
    )
    nbformat.write(nb, target / "keyed.ipynb")
    spec = (target / "pilot.yaml").read_text().replace("notebook: gamma.ipynb", "notebook: keyed.ipynb")
    (target / "pilot.yaml").write_text(spec)


def test_only_units_reading_personal_data_see_the_key_and_only_on_keyed_workers(
    fixture_project, tmp_path, tls_cluster, capsys
):
    (fixture_project / "cluster.yaml").write_text(_tls_yaml(tls_cluster.certs))
    _keyed_pilot(fixture_project)
    partner = tmp_path / "amounts.csv"
    partner.write_text("day,amount\n2024-01-01,3\n2024-01-02,4\n")
    out = tmp_path / "runs"
    cluster = ["--cluster", tls_cluster.address, "--out", str(out)]
    for _ in range(2):  # two synthetic runs: whichever worker they land on, the kernel has no key
        assert main(["run", "keyed", *cluster]) == 0, capsys.readouterr().err
    assert main(["run", "keyed", "-p", "data_path", str(partner), *cluster]) == 0, capsys.readouterr().err
    runs = json.loads((out / "index.json").read_text())["runs"]
    seen = {r["run_id"]: r["metrics"]["key_seen"] for r in runs}
    by_mode = {r["run_id"]: bool(r["parameters"].get("data_path")) for r in runs}
    assert sorted((by_mode[i], s) for i, s in seen.items()) == [(False, False), (False, False), (True, True)]
    personal = next(r for r in runs if by_mode[r["run_id"]])
    worker0 = (tls_cluster.logs / "worker0.log").read_text()
    where = (out / personal["run_id"] / "keyed" / ".attempt").read_text().split()[0]
    assert where in worker0  # the worker started with --resources personal_data=1


_CO_USER = """
import os, sys
from distributed import Client
try:
    with Client(sys.argv[1], timeout=3) as c:
        print("JOINED", c.run(lambda: os.environ.get("LIVINGLAB_PSEUDONYM_KEY")))
except Exception as exc:
    print("REFUSED", type(exc).__name__)
"""

_STARTS = """
import os, subprocess, sys, urllib.error, urllib.request
from pathlib import Path
from livinglab.cluster import client, connect

if __name__ == "__main__":
    os.environ["LIVINGLAB_PSEUDONYM_KEY"] = sys.argv[2]
    started = client("local", n_workers=1) if sys.argv[1] == "client" else connect("local", Path("."), local_workers=1)
    with started as c:
        assert c.submit(sum, [1, 2]).result() == 3  # the cluster works for its own client
        done = subprocess.run([sys.executable, "-c", sys.argv[3], c.scheduler.address],
                              capture_output=True, text=True, timeout=60)
        port = c.scheduler_info()["services"]["dashboard"]
        for page in ("health", "info/main/workers.html", "info/main/exceptions.html", "json/identity.json"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/{page}", timeout=5) as answer:
                    print("HTTP", page, answer.status)
            except urllib.error.HTTPError as exc:
                print("HTTP", page, exc.code)
        print(c.scheduler.address.split("://")[0], done.stdout.strip())
"""


@pytest.mark.parametrize("how", ["client", "connect"])
def test_a_cluster_started_here_refuses_another_user_of_this_machine(tmp_path, how):
    """A local cluster listens on the loopback interface, which every user of a shared machine reaches: its
    scheduler and workers speak TLS with a CA made for it, so a client without its certificate (a curious
    co-user) can neither run code on the workers nor read the key in their environment; its scheduler's
    HTTP port shows nothing but its health."""
    script = tmp_path / "starts.py"
    script.write_text(_STARTS)
    done = subprocess.run(
        [sys.executable, str(script), how, KEY, _CO_USER],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    *pages, line = done.stdout.strip().splitlines()
    assert line.startswith("tls REFUSED"), line
    assert KEY not in done.stdout
    # its HTTP port (plain HTTP, no login) answers a health check only: no worker logs, call stacks or errors
    assert pages == [
        "HTTP health 200",
        "HTTP info/main/workers.html 404",
        "HTTP info/main/exceptions.html 404",
        "HTTP json/identity.json 404",
    ], pages


def test_plain_tcp_to_a_scheduler_another_user_started_here_is_refused(monkeypatch):
    """``tcp://127.0.0.1:PORT`` is accepted for a scheduler this user started; one that another user of the
    machine listens with (here: this process's listener, seen as another user's) is refused before any
    connection: it would run the tasks, and what it sends back is unpickled here."""
    from livinglab import cluster
    from livinglab.pilots import UsageError

    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp on this system: the owner of a port is not known")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert cluster.checked_address(f"tcp://127.0.0.1:{port}") == (f"tcp://127.0.0.1:{port}", None)
        me = os.getuid()
        monkeypatch.setattr(cluster.os, "getuid", lambda: me + 1)
        with pytest.raises(UsageError, match=rf"started by another user of this machine \(uid {me}\)"):
            cluster.checked_address(f"tcp://localhost:{port}")
        monkeypatch.setenv(cluster.INSECURE_ENV, "1")  # --insecure: the user's own call
        assert cluster.checked_address(f"tcp://127.0.0.1:{port}")[0] == f"tcp://127.0.0.1:{port}"


def test_a_tls_key_other_users_can_read_is_refused(fixture_project, tmp_path):
    """Whoever reads the key joins the cluster: a key file others can read is one sentence, before any
    connection (as ssh does)."""
    from livinglab.cluster import checked_address
    from livinglab.pilots import UsageError

    files = _certificates(tmp_path, "shared")
    (fixture_project / "cluster.yaml").write_text(
        "tls:\n" + "".join(f"  {name}: {path}\n" for name, path in files.items())
    )
    assert checked_address("tls://127.0.0.1:8786")[1] is not None  # 600: accepted
    files["key"].chmod(0o644)
    with pytest.raises(UsageError, match=r"can be read by other users \(mode 644\).*chmod 600"):
        checked_address("tls://127.0.0.1:8786")
