"""Runs and sweeps on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1, started and stopped by this module; one worker is killed during a run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from processes import stop_process_group

from livinglab.cli import main

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DaskCluster:
    address: str
    workers: list[subprocess.Popen]
    logs: Path

    def worker_at(self, address: str) -> subprocess.Popen:
        """The ``dask worker`` process whose log says it listens at ``address``."""
        for i, proc in enumerate(self.workers):
            if address in (self.logs / f"worker{i}.log").read_text():
                return proc
        raise AssertionError(f"no worker at {address}")


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker`` (1 process, 1 thread, 1 GiB each) on free loopback ports."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> subprocess.Popen:
        with (logs / f"{name}.log").open("w") as log:
            proc = subprocess.Popen(
                [str(BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        procs.append(proc)
        return proc

    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        workers = [
            start(
                f"worker{i}",
                "worker",
                address,
                *("--nworkers", "1", "--nthreads", "1", "--memory-limit", "1GiB", "--host", "127.0.0.1"),
                *("--no-dashboard", "--local-directory", str(logs / f"scratch{i}")),
            )
            for i in range(2)
        ]
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (logs / "scheduler.log").read_text()
                time.sleep(0.2)
        with Client(address, timeout=10) as client:
            client.wait_for_workers(2, timeout=30)
        yield DaskCluster(address, workers, logs)
    finally:
        for proc in reversed(procs):
            stop_process_group(proc)


def test_pilots_run_on_the_cluster_with_failure_isolation(
    fixture_project, tmp_path, dask_cluster, capsys, monkeypatch
):
    out = tmp_path / "runs"
    argv = ["run", "alpha", "broken", "gamma", "--profile", "smoke", "--out", str(out)]
    assert main([*argv, "--cluster", dask_cluster.address]) == 1  # broken fails on its worker
    err = capsys.readouterr().err
    assert "running on tcp://127.0.0.1:" in err and "alpha: ok on tcp://127.0.0.1:" in err
    index = json.loads((out / "index.json").read_text())
    runs = {r["pilot"]: r for r in index["runs"]}
    assert {p: r["status"] for p, r in runs.items()} == {"alpha": "ok", "broken": "failed", "gamma": "ok"}
    assert "intentional failure" in runs["broken"]["error"]
    assert runs["broken"]["metrics"] == {"before_failure": 1}
    assert runs["alpha"]["metrics"]["total"] == 3.0 and runs["alpha"]["metrics"]["cwd_is_pilot"] is True
    run_dir = out / runs["alpha"]["run_id"]
    for name in ("alpha/alpha.html", "alpha/params.json", "gamma/gamma.html", "broken/broken.ipynb"):
        assert (run_dir / name).is_file(), name
    assert sorted(os.listdir(out / "latest")) == ["alpha", "gamma"]  # the failed pilot has no latest result
    # the same two good pilots: exit 0 and latest moves, exactly as a local run
    monkeypatch.setenv("LIVINGLAB_CLUSTER", dask_cluster.address)  # how scheduled runs name the cluster
    assert main(["run", "alpha", "gamma", "--profile", "smoke", "--out", str(out)]) == 0
    latest = os.readlink(out / "latest" / "gamma")
    assert latest != f"../{run_dir.name}/gamma" and (out / "latest" / "gamma" / "metrics.json").is_file()
    assert latest.split("/")[1] in (out / "index.html").read_text()


def test_a_2x2_sweep_on_the_cluster_shows_mean_and_spread(fixture_project, tmp_path, dask_cluster):
    _seeded_pilot(fixture_project)
    out = tmp_path / "runs"
    argv = ["sweep", "seeded", "-p", "scale", "1,2", "--seeds", "2", "--out", str(out)]
    assert main([*argv, "--cluster", dask_cluster.address]) == 0
    index = json.loads((out / "index.json").read_text())
    assert len(index["runs"]) == 4 and {r["status"] for r in index["runs"]} == {"ok"}
    assert sorted(r["metrics"]["total"] for r in index["runs"]) == [10.0, 11.0, 20.0, 21.0]
    (sweep,) = index["sweeps"]
    assert sweep["names"] == ["scale"] and sweep["n_ok"] == 4 and sweep["seeds"] == 2
    cells = {row["grid"][0]: row["cells"][0] for row in sweep["rows"]}
    assert cells["1"]["mean"] == 10.5 and cells["2"]["min"] == 20.0 and cells["2"]["max"] == 21.0
    assert cells["1"]["sd"] == pytest.approx(0.5**0.5)
    html = (out / "index.html").read_text()
    assert "10.5 ± 0.7071" in html and "20–21" in html and "scale=2, seed=1" in html
    assert not (out / "latest").exists()  # sweeps do not move latest


def test_a_worker_lost_mid_run_fails_only_its_pilot(fixture_project, tmp_path, dask_cluster):
    _slow_pilot(fixture_project)
    out = tmp_path / "runs"
    env = {**os.environ, "LIVINGLAB_ROOT": str(fixture_project)}
    cli = [str(BIN / "livinglab"), "run", "slow", "alpha", "gamma", "--profile", "smoke", "--out", str(out)]
    proc = subprocess.Popen(
        [*cli, "--cluster", dask_cluster.address], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not list(out.glob("*/slow/.recorded.jsonl")):
            time.sleep(0.2)
        (attempt,) = out.glob("*/slow/.attempt")
        victim = dask_cluster.worker_at(attempt.read_text().split()[0])
        os.killpg(victim.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=50)
    finally:
        stop_process_group(proc)
    assert proc.returncode == 1, err
    index = json.loads((out / "index.json").read_text())
    runs = {r["pilot"]: r for r in index["runs"]}
    assert {p: r["status"] for p, r in runs.items()} == {"slow": "failed", "alpha": "ok", "gamma": "ok"}, err
    assert "worker lost while running" in runs["slow"]["error"]
    assert runs["slow"]["metrics"] == {"started": 1}  # recorded before the loss, written by the client
    assert "worker lost while running" in err and "Traceback" not in err
    html = (out / "index.html").read_text()
    assert html.count("worker lost while running") == 1 and "alpha/alpha.html" in html
    assert sorted(os.listdir(out / "latest")) == ["alpha", "gamma"]  # the lost pilot has no latest result


def test_an_unreachable_scheduler_is_one_sentence_and_exit_2(fixture_project, tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["run", "alpha", "--out", str(out), "--cluster", f"tcp://127.0.0.1:{_free_port()}"]) == 2
    err = capsys.readouterr().err
    assert "Cannot reach the Dask scheduler at tcp://127.0.0.1:" in err and err.count("\n") == 1
    assert not out.exists() or not any(out.iterdir())  # nothing submitted, no run folder
    assert main(["run", "alpha", "--out", str(out), "--cluster", "slurm:nosuch"]) == 2
    assert "No Slurm profile 'nosuch'" in capsys.readouterr().err


def test_a_unit_reading_personal_data_needs_a_worker_that_may_hold_it(
    fixture_project, tmp_path, dask_cluster, capsys
):
    partner = tmp_path / "amounts.csv"
    partner.write_text("day,amount\n2024-01-01,3\n")
    out = tmp_path / "runs"
    argv = ["run", "gamma", "-p", "data_path", str(partner), "--out", str(out)]
    assert main([*argv, "--cluster", dask_cluster.address]) == 2  # no worker has personal_data=1
    err = capsys.readouterr().err
    assert "gamma reads real or partner data" in err and "--resources personal_data=1" in err
    assert err.count("\n") == 1
    assert not list(out.glob("*/gamma"))  # nothing was submitted
    assert not [p for p in out.iterdir() if p.is_dir()]  # refused before the run's folder was made
    sweep = ["sweep", "gamma", "-p", "data_path", str(partner), "--out", str(out)]
    assert main([*sweep, "--cluster", dask_cluster.address]) == 2
    assert "gamma reads real or partner data" in capsys.readouterr().err
    assert not [p for p in out.iterdir() if p.is_dir()]  # nor a sweep's point folder


def test_slurm_profile_becomes_the_job_script(fixture_project, capsys):
    from livinglab.cluster import slurm_cluster

    (fixture_project / "cluster.yaml").write_text(
        "slurm:\n  hpc:\n    partition: cpu\n    account: p200117\n    cores: 8\n    processes: 2\n"
        '    memory: 32GB\n    walltime: "01:30:00"\n    job_extra_directives: ["--qos=default"]\n    jobs: 3\n'
        "  typo:\n    cores: 2\n    memory: 4GB\n    walltme: '01:00:00'\n"
    )
    cluster = slurm_cluster("hpc")
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in ("-p cpu", "-A p200117", "-t 01:30:00", "--cpus-per-task=8", "--mem=30G", "--qos=default"):
        assert f"#SBATCH {line}\n" in script, line
    assert f"{sys.executable} -m distributed.cli.dask_worker" in script and "--nworkers 2" in script
    assert "tls://" in script and "--tls-ca-file" in script and "--tls-key" in script  # TLS, always
    assert main(["run", "alpha", "--cluster", "slurm:hpc"]) == 2  # no sbatch on this machine
    assert "needs sbatch" in capsys.readouterr().err
    assert main(["run", "alpha", "--cluster", "slurm:typo"]) == 2
    err = capsys.readouterr().err
    assert "unexpected keyword argument 'walltme'" in err and err.count("\n") == 1


def test_without_a_cluster_dask_is_not_imported():
    code = "import sys, livinglab.cli, livinglab.runner; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        == "[]\n"
    )


def test_a_local_cluster_leaves_dask_s_configuration_whole_for_the_next_one(tmp_path):
    """Two local clusters one after the other in a fresh process (Dask not yet imported), as a sweep then a
    run in one notebook: the first must not take ``distributed``'s configuration away with it. The runs'
    scheduler fails a pilot whose worker is lost (allowed_failures 0) through its own option: the
    process-wide setting (which another run or the user's own client in this process reads) is untouched."""
    code = (
        "import sys, dask.config; from pathlib import Path; from livinglab.cluster import connect\n"
        "for _ in range(2):\n"
        "    with connect('local', Path(sys.argv[1]), local_workers=1) as client:\n"
        "        assert client.submit(sum, [1, 2]).result() == 3\n"
        "        print(client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures),\n"
        "              dask.config.get('distributed.scheduler.allowed-failures'),\n"
        "              dask.config.get('distributed.comm.timeouts.connect'))\n"
        "print(dask.config.get('distributed.comm.require-encryption', 'missing'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[-1] != "missing"
    import dask.config
    import distributed  # noqa: F401  # its defaults in dask's configuration

    defaults = f"{dask.config.get('distributed.scheduler.allowed-failures')} "
    defaults += str(dask.config.get("distributed.comm.timeouts.connect"))
    assert lines[-3:-1] == [f"0 {defaults}"] * 2, lines


def _seeded_pilot(project: Path) -> None:
    """A copy of alpha with a ``seed`` parameter: total = n_rows * scale + seed."""
    import shutil

    import nbformat

    target = project / "pilots" / "seeded"
    shutil.copytree(project / "pilots" / "alpha", target)
    (target / "alpha.ipynb").rename(target / "seeded.ipynb")
    nb = nbformat.read(target / "seeded.ipynb", as_version=4)
    nb.cells[1].source += "\nseed = 0"
    nb.cells[2].source = nb.cells[2].source.replace("total = n_rows * scale", "total = n_rows * scale + seed")
    nb.cells = nb.cells[:4]
    nbformat.write(nb, target / "seeded.ipynb")
    spec = (
        (target / "pilot.yaml").read_text().replace("notebooks: [alpha.ipynb]", "notebooks: [seeded.ipynb]")
    )
    (target / "pilot.yaml").write_text(spec)


def _slow_pilot(project: Path) -> None:
    """A copy of alpha whose second code cell records 'started' and waits (as in test_runner.py)."""
    import shutil

    import nbformat

    target = project / "pilots" / "slow"
    shutil.copytree(project / "pilots" / "alpha", target)
    (target / "alpha.ipynb").rename(target / "slow.ipynb")
    nb = nbformat.read(target / "slow.ipynb", as_version=4)
    nb.cells[2].source = "import time\n\nimport livinglab\n\nlivinglab.record('started', 1)\ntime.sleep(120)"
    nb.cells = nb.cells[:3]
    nbformat.write(nb, target / "slow.ipynb")
    (target / "pilot.yaml").write_text(
        "title: Slow fixture\nnotebooks: [slow.ipynb]\nprofiles: {smoke: {}, full: {}}\n"
    )


def test_the_shipped_cluster_yaml_makes_a_job_script(monkeypatch):
    from livinglab.cluster import slurm_cluster

    monkeypatch.setenv("LIVINGLAB_ROOT", str(Path(__file__).resolve().parents[1]))
    cluster = slurm_cluster("cpu")
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH -p cpu\n" in script and "export LIVINGLAB_THREADS=4\n" in script
