"""tabular_train.py on several hosts: a real Ray cluster of local host processes.

Each "host" is a process running tabular_train.py with its own SageMaker-style directories
(SM_MODEL_DIR, SM_OUTPUT_DATA_DIR, the failure file) and SM_HOSTS / SM_CURRENT_HOST, as the
local runner starts them; all on 127.0.0.1 with a block of ports of their own, and a shared
directory as the file system the fold models meet in (AUTOML_SHARED_DIR). Real Ray, real
AutoGluon, data from scikit-learn. Fits are LightGBM only on a few hundred rows.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import PYTHON, SCRIPTS, TRAIN_SCRIPT, _split, load_script, run_train, sklearn_frame, train_env, write_channel

try:
    import psutil
except ImportError:  # pragma: no cover - the install script pins it
    pytest.fail("psutil is missing from the test venv: run bash tests/tools/install-autogluon.sh",
                pytrace=False)

ray_cluster = load_script(SCRIPTS / "ray_cluster.py", "ray_cluster_under_test")

HOSTS = ["algo-1", "algo-2"]
BAG_FOLDS = 4
# Bagged LightGBM only: the folds are what the cluster spreads.
BAGGED_FIT = {"hyperparameters": {"GBM": {}}, "num_bag_folds": BAG_FOLDS, "time_limit": 120}
HPS = {"init_args": {"label": "target", "problem_type": "binary"}, "fit_args": BAGGED_FIT}


# --------------------------------------------------------------------------- helpers


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_ray_port(hosts: int) -> int:
    """A base port whose whole block (see ray_cluster.node_ports) is free right now."""
    for _ in range(200):
        port = random.randrange(20000, 40000)
        wanted = [port + k for k in range(5)]
        for index in range(hosts):
            ports = ray_cluster.node_ports(port, index)
            wanted += [v for k, v in ports.items() if k != "--max-worker-port"]
            wanted += [ports["--min-worker-port"] + k for k in range(1, 10)]
        if all(_free(p) for p in wanted):
            return port
    pytest.fail("no free block of ports for a Ray cluster on 127.0.0.1")


@dataclass
class Host:
    name: str
    root: Path
    proc: subprocess.Popen

    @property
    def log(self) -> str:
        return (self.root / "log").read_text(errors="replace")

    @property
    def failure(self) -> str | None:
        path = self.root / "output" / "failure"
        return path.read_text() if path.exists() else None

    @property
    def summary(self) -> dict:
        return json.loads((self.root / "output" / "data" / "training_summary.json").read_text())


def start_hosts(job: Path, data: Path, hps: dict, port: int, *, names=HOSTS, hosts=HOSTS,
                join_timeout: float = 60, extra_env: dict | None = None) -> dict[str, Host]:
    """Start tabular_train.py as the hosts ``names`` of a job whose SM_HOSTS is ``hosts``."""
    shared = job / "shared"
    shared.mkdir(parents=True, exist_ok=True)
    started = {}
    for name in names:
        root = job / "hosts" / name
        (root / "output").mkdir(parents=True, exist_ok=True)
        env = train_env(root, hps, train=data / "train", test=data / "test")
        env.update({
            "SM_HOSTS": json.dumps(hosts), "SM_CURRENT_HOST": name,
            "AUTOML_SHARED_DIR": str(shared), "AUTOML_RAY_PORT": str(port),
            "AUTOML_RAY_HEAD_ADDRESS": "127.0.0.1", "AUTOML_RAY_NODE_ADDRESS": "127.0.0.1",
            "AUTOML_RAY_NUM_CPUS": "1", "AUTOML_RAY_OBJECT_STORE_BYTES": str(100 * 1024 * 1024),
            "AUTOML_RAY_JOIN_TIMEOUT": str(join_timeout),
        })
        env.update(extra_env or {})
        log = open(root / "log", "w")
        proc = subprocess.Popen([PYTHON, str(TRAIN_SCRIPT)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        log.close()
        started[name] = Host(name, root, proc)
    return started


def wait_all(hosts: dict[str, Host], timeout: float = 240) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    for host in hosts.values():
        try:
            host.proc.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for h in hosts.values():
                h.proc.kill()
            pytest.fail(f"hosts still running after {timeout} s:\n" +
                        "\n".join(f"--- {h.name}\n{h.log[-3000:]}" for h in hosts.values()))
    return {name: host.proc.returncode for name, host in hosts.items()}


def cluster_processes(port: int) -> list[psutil.Process]:
    """Every live process of the cluster on ``port``: Ray's processes name the head's
    address (``127.0.0.1:<port>``) or its port on their command line."""
    marks = (f"127.0.0.1:{port}", f"--port={port}")
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            line = " ".join(proc.info["cmdline"] or [])
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(m in line for m in marks):
            found.append(proc)
    return found


def assert_nothing_left(port: int, also: list[psutil.Process] = (), timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p in [*also, *cluster_processes(port)] if _alive(p)]
        if not alive:
            return
        if time.monotonic() > deadline:
            names = ", ".join(f"{p.pid} {' '.join(p.cmdline())[:120]}" for p in alive if _alive(p))
            for p in alive:
                if _alive(p):
                    p.kill()
            pytest.fail(f"processes of the cluster left behind: {names}")
        time.sleep(0.5)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def descendants(hosts: dict[str, Host]) -> list[psutil.Process]:
    found = []
    for host in hosts.values():
        try:
            found += psutil.Process(host.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            pass
    return found


def pd_read(path: Path):
    import pandas as pd

    return pd.read_csv(path)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cancer")
    train_df, test_df = _split(sklearn_frame("breast_cancer"))
    write_channel(root / "train", train_df)
    write_channel(root / "test", test_df)
    return root


@pytest.fixture(scope="module")
def other_cluster(tmp_path_factory):
    """Another job's Ray cluster on the same machine, as when two local multi-host runs (or
    two test binaries) train at once: a job must talk to its own cluster only. Ray's
    lookups without an address scan the machine's processes and fail with "Found multiple
    active Ray instances" when there are two."""
    port = pick_ray_port(1)
    temp = tmp_path_factory.mktemp("other-ray")
    cmd = ray_cluster._ray_command() + [
        "start", "--block", "--head", "--disable-usage-stats", "--node-ip-address=127.0.0.1",
        f"--port={port}", f"--temp-dir={temp}", "--include-dashboard=false", "--num-cpus=0",
        f"--ray-client-server-port={port + 1}",
        *[f"{k}={v}" for k, v in ray_cluster.node_ports(port, 0).items()]]
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    log = open(temp / "log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    log.close()
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the other Ray cluster did not start:\n{(temp / 'log').read_text()[-3000:]}")
            time.sleep(0.2)
    yield port
    proc.terminate()
    proc.wait(timeout=30)
    assert_nothing_left(port)


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory, data, other_cluster):
    job = tmp_path_factory.mktemp("two-hosts")
    port = pick_ray_port(len(HOSTS))
    started = time.monotonic()
    hosts = start_hosts(job, data, HPS, port)
    codes = wait_all(hosts)
    seconds = time.monotonic() - started
    if any(codes.values()):
        pytest.fail(f"two-host training failed {codes}:\n" +
                    "\n".join(f"--- {h.name}\n{h.log[-4000:]}" for h in hosts.values()))
    return hosts, port, seconds


@pytest.fixture(scope="module")
def one_host(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("one-host")
    proc = run_train(train_env(root, HPS, train=data / "train", test=data / "test"))
    assert proc.returncode == 0, proc.stderr[-4000:]
    return root


# --------------------------------------------------------------------------- two hosts


def test_two_hosts_make_one_predictor_as_good_as_one_host(two_hosts, one_host):
    hosts, _, seconds = two_hosts
    head, worker = hosts["algo-1"], hosts["algo-2"]
    print(f"two-host job: {seconds:.1f} s")
    head_scores = json.loads((head.root / "output" / "data" / "scores.json").read_text())
    single_scores = json.loads((one_host / "output" / "data" / "scores.json").read_text())
    assert head_scores["accuracy"] > 0.9
    # Same data, same folds (AutoGluon's splits are seeded): within noise of each other.
    assert head_scores["accuracy"] == pytest.approx(single_scores["accuracy"], abs=0.03)
    assert head_scores["roc_auc"] == pytest.approx(single_scores["roc_auc"], abs=0.02)
    # Only the head wrote the model and the reports; the worker wrote nothing.
    assert (head.root / "model" / "predictor.pkl").is_file()
    assert (head.root / "model" / "serving_metadata.json").is_file()
    assert not (worker.root / "model").exists() or not any((worker.root / "model").iterdir())
    assert not (worker.root / "output" / "data").exists()
    assert head.failure is None and worker.failure is None
    # The scratch predictor in the shared directory is gone once copied.
    assert not (head.root.parent.parent / "shared" / "predictor").exists()


def test_both_hosts_fitted_folds_by_the_clusters_records(two_hosts):
    hosts, _, _ = two_hosts
    cluster = hosts["algo-1"].summary["hosts"]
    assert cluster["head"] == "algo-1" and cluster["sync"] == "shared_dir"
    per_host = cluster["per_host"]
    assert set(per_host) == set(HOSTS)
    # Ray's task records: every fold of the one bagged model, each on a known node.
    assert sum(h["folds"] for h in per_host.values()) == BAG_FOLDS
    for name, entry in per_host.items():
        assert entry["folds"] >= 1, f"{name} fitted no fold: {per_host}"
        assert entry["models"] == ["LightGBM_BAG_L1"]
        assert entry["fold_seconds"] > 0
    assert per_host["algo-1"]["node_id"] != per_host["algo-2"]["node_id"]
    assert cluster["formed_seconds"] > 0


def test_both_hosts_computed_feature_importance_by_the_node_ids_their_tasks_reported(two_hosts, data):
    """The importance (on by default) is spread: each host's node computed a block of
    features (the node id each Ray task read from its own runtime context, mapped to the
    host whose node had that id when the cluster formed), the table has AutoGluon's
    columns for every feature, and each feature's numbers are exactly what AutoGluon alone
    gives on the saved predictor for the same rows and number of shuffle sets."""
    from autogluon.tabular import TabularPredictor

    hosts, _, _ = two_hosts
    head = hosts["algo-1"]
    summary = head.summary
    per_host = summary["hosts"]["per_host"]
    features = summary["feature_columns"]
    for name in HOSTS:
        assert per_host[name]["importance_features"] >= 1, f"{name} computed no importance: {per_host}"
        assert per_host[name]["importance_seconds"] > 0
    assert sum(per_host[h]["importance_features"] for h in HOSTS) == len(features)
    assert "algo-2: importance of" in head.log
    info = summary["feature_importance"]
    assert info["computed"] and info["data"] == "test" and info["rows"] >= 1
    assert info["seconds"] < info["time_limit"] + 15

    table = pd_read(head.root / "output" / "data" / "feature_importance.csv")
    assert list(table.columns) == ["feature", "importance", "stddev", "p_value", "n", "p99_high", "p99_low"]
    assert sorted(table["feature"]) == sorted(features)
    assert list(table["importance"]) == sorted(table["importance"], reverse=True)
    assert info["shuffle_sets"] == table["n"].max() >= 1

    import pandas as pd

    predictor = TabularPredictor.load(str(head.root / "model"), verbosity=0)
    test = pd.read_csv(data / "test" / "data.csv", float_precision="round_trip")  # as the script reads it
    for n, group in table.groupby("n"):
        alone = predictor.feature_importance(test, features=list(group["feature"]), subsample_size=info["rows"],
                                             num_shuffle_sets=int(n), silent=True)
        got = group.set_index("feature").loc[alone.index]
        assert got["importance"].to_numpy() == pytest.approx(alone["importance"].to_numpy(), rel=1e-9, abs=1e-12)


def test_the_model_does_not_depend_on_the_cluster(two_hosts, data, tmp_path):
    hosts, _, _ = two_hosts
    model = hosts["algo-1"].root / "model"
    for path in model.rglob("*.pkl"):
        assert b"ray_cluster" not in path.read_bytes(), f"{path} refers to ray_cluster"
    # Loaded as the inference container does: a fresh interpreter, without the scripts
    # directory on its path and without AutoGluon's distributed-mode variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "AG_", "AUTOML_"))}
    code = ("import pandas as pd; from autogluon.tabular import TabularPredictor; "
            f"p = TabularPredictor.load({str(model)!r}); "
            f"t = pd.read_csv({str(data / 'test' / 'data.csv')!r}); "
            "print(len(p.predict(t.drop(columns=['target'])))); print(p.model_best)")
    proc = subprocess.run([PYTHON, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "WeightedEnsemble_L2" and int(lines[-2]) == len(pd_read(data / "test" / "data.csv"))


def test_the_cluster_leaves_no_process_behind(two_hosts):
    _, port, _ = two_hosts
    assert_nothing_left(port)


def test_the_worker_logs_its_part(two_hosts):
    hosts, _, _ = two_hosts
    worker_log = hosts["algo-2"].log
    assert "algo-2: worker; connecting to the head algo-1" in worker_log
    assert "the head is done; stopping" in worker_log
    head_log = hosts["algo-1"].log
    assert "all 2 hosts joined" in head_log
    # Ray's records had every fold the predictor holds (no gap in the state API).
    assert "warning: Ray's records show" not in head_log


def test_a_bagged_preset_with_dynamic_stacking_spreads_too(tmp_path, data):
    # best_quality bags and stacks, and turns on dynamic stacking, whose sub-fit AutoGluon
    # would otherwise send to Ray as one task asking for every CPU of the cluster.
    hps = {"init_args": {"label": "target"},
           "fit_args": {"presets": "best_quality", "hyperparameters": {"GBM": {}}, "num_bag_folds": 2,
                        "num_bag_sets": 1, "dynamic_stacking": True, "time_limit": 150}}
    port = pick_ray_port(len(HOSTS))
    hosts = start_hosts(tmp_path, data, hps, port)
    codes = wait_all(hosts)
    head = hosts["algo-1"]
    assert codes == {"algo-1": 0, "algo-2": 0}, head.log[-4000:] + hosts["algo-2"].log[-2000:]
    assert "DyStack" in head.log
    per_host = head.summary["hosts"]["per_host"]
    # The sub-fit's folds and the full fit's (two layers) all ran as fold tasks.
    assert sum(h["folds"] for h in per_host.values()) >= 4
    assert all(h["folds"] >= 1 for h in per_host.values()), per_host
    assert "LightGBM_BAG_L1" in {m for h in per_host.values() for m in h["models"]}
    assert_nothing_left(port)


# --------------------------------------------------------------------------- failures


def test_a_worker_that_dies_mid_job_fails_the_job_naming_it(tmp_path, data):
    # Long folds (many boosting rounds at a tiny learning rate), so that the kill lands
    # while they run; the time limit bounds the fit should the kill come too late.
    slow = {"init_args": {"label": "target"},
            "fit_args": {"hyperparameters": {"GBM": {"num_boost_round": 200000, "learning_rate": 0.0005,
                                                     "ag.early_stop": 200000}},
                         "num_bag_folds": BAG_FOLDS, "time_limit": 90}}
    port = pick_ray_port(len(HOSTS))
    hosts = start_hosts(tmp_path, data, slow, port)
    head, worker = hosts["algo-1"], hosts["algo-2"]
    deadline = time.monotonic() + 90
    while "Fitting 4 child models" not in head.log and "Fitting model: LightGBM_BAG_L1" not in head.log:
        if time.monotonic() > deadline or head.proc.poll() is not None or worker.proc.poll() is not None:
            wait_all(hosts, timeout=30)
            pytest.fail(f"the fit never started:\n--- head\n{head.log[-3000:]}\n--- worker\n{worker.log[-3000:]}")
        time.sleep(0.2)
    time.sleep(3)  # the folds are running on both nodes now
    assert head.proc.poll() is None, head.log[-3000:]
    tree = descendants(hosts)
    assert any("raylet" in " ".join(p.cmdline()) for p in tree if _alive(p))
    killed_at = time.monotonic()
    worker.proc.send_signal(signal.SIGKILL)  # the worker "host" dies, abruptly
    codes = wait_all(hosts, timeout=120)
    print(f"head failed {time.monotonic() - killed_at:.1f} s after the kill")
    assert codes["algo-1"] == 1, head.log[-3000:]
    assert codes["algo-2"] == -signal.SIGKILL
    failure = head.failure
    assert failure and "algo-2" in failure and "went away" in failure, failure
    assert f"error: {failure}" in head.log
    assert time.monotonic() - killed_at < 60
    # The head wrote no model and no reports.
    assert not (head.root / "model" / "predictor.pkl").exists()
    assert not (head.root / "output" / "data" / "scores.json").exists()
    assert_nothing_left(port, also=tree)


def test_a_host_that_never_joins_makes_the_head_time_out_naming_it(tmp_path, data):
    port = pick_ray_port(3)
    hosts = start_hosts(tmp_path, data, HPS, port, names=["algo-1", "algo-2"],
                        hosts=["algo-1", "algo-2", "algo-3"], join_timeout=25)
    started = time.monotonic()
    codes = wait_all(hosts, timeout=120)
    assert codes["algo-1"] == 1, hosts["algo-1"].log[-3000:]
    failure = hosts["algo-1"].failure
    assert failure.startswith("host algo-3 did not join the Ray cluster within 25 s"), failure
    assert "joined: algo-1, algo-2" in failure
    # The worker that did join is told and stops with the head's reason.
    assert codes["algo-2"] == 1, hosts["algo-2"].log[-3000:]
    assert "the head algo-1 failed: host algo-3 did not join" in hosts["algo-2"].failure
    assert time.monotonic() - started < 90
    assert_nothing_left(port)


def test_a_worker_without_a_head_gives_up_naming_the_head(tmp_path, data):
    port = pick_ray_port(2)
    hosts = start_hosts(tmp_path, data, HPS, port, names=["algo-2"], join_timeout=3)
    codes = wait_all(hosts, timeout=60)
    assert codes["algo-2"] == 1
    assert hosts["algo-2"].failure.startswith(
        f"host algo-2: cannot reach the head algo-1 at 127.0.0.1:{port + 3} within 3 s"), hosts["algo-2"].failure
    assert_nothing_left(port)


# --------------------------------------------------------------------------- contract


def test_one_host_is_not_a_cluster(tmp_path):
    assert ray_cluster.join({"SM_HOSTS": '["algo-1"]', "SM_CURRENT_HOST": "algo-1"}) is None
    assert ray_cluster.join({"SM_INPUT_CONFIG_DIR": str(tmp_path)}) is None


def test_hosts_come_from_resourceconfig_when_the_environment_has_none(tmp_path):
    (tmp_path / "resourceconfig.json").write_text(json.dumps(
        {"current_host": "algo-2", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0"}))
    assert ray_cluster.read_hosts({"SM_INPUT_CONFIG_DIR": str(tmp_path)}) == (["algo-1", "algo-2"], "algo-2")


@pytest.mark.parametrize("env, message", [
    ({"SM_HOSTS": "[algo-1", "SM_CURRENT_HOST": "algo-1"}, "SM_HOSTS is not valid JSON"),
    ({"SM_HOSTS": "{}", "SM_CURRENT_HOST": "algo-1"}, "hosts must be a non-empty JSON list"),
    ({"SM_HOSTS": '["algo-1", "algo-1"]', "SM_CURRENT_HOST": "algo-1"}, "hosts are not unique"),
    ({"SM_HOSTS": '["algo-1", "algo-2"]', "SM_CURRENT_HOST": "algo-9"}, "SM_CURRENT_HOST 'algo-9' is not one of"),
    ({"SM_HOSTS": '["algo-1", "algo-2"]'}, "SM_CURRENT_HOST is not set"),
])
def test_bad_host_lists_are_named(env, message):
    with pytest.raises(ray_cluster.ClusterError, match=message.replace("[", r"\[")):
        ray_cluster.read_hosts(env)


def test_several_hosts_need_somewhere_to_sync_folds(tmp_path):
    env = {"SM_HOSTS": '["algo-1", "algo-2"]', "SM_CURRENT_HOST": "algo-1",
           "AUTOML_RAY_NODE_ADDRESS": "127.0.0.1", "SM_MODEL_DIR": str(tmp_path / "model")}
    with pytest.raises(ray_cluster.ClusterError, match="nowhere to sync the fold models: set AG_MODEL_SYNC_PATH"):
        ray_cluster.Cluster(env, ["algo-1", "algo-2"], "algo-1")
    with pytest.raises(ray_cluster.ClusterError, match="AG_MODEL_SYNC_PATH must be an S3 prefix"):
        ray_cluster.Cluster({**env, "AG_MODEL_SYNC_PATH": "/mnt/x"}, ["algo-1", "algo-2"], "algo-1")


def test_an_s3_sync_prefix_gets_its_trailing_slash_and_a_scratch_fit_dir(tmp_path):
    env = {"SM_HOSTS": '["algo-1", "algo-2"]', "SM_CURRENT_HOST": "algo-2", "AUTOML_RAY_NODE_ADDRESS": "127.0.0.1",
           "AUTOML_RAY_HEAD_ADDRESS": "127.0.0.1", "SM_MODEL_DIR": str(tmp_path / "model"),
           "AG_MODEL_SYNC_PATH": "s3://bucket/jobs/j-1/sync"}
    cluster = ray_cluster.Cluster(env, ["algo-1", "algo-2"], "algo-2")
    assert cluster.settings == {"AG_DISTRIBUTED_MODE": "1", "AG_MODEL_SYNC_PATH": "s3://bucket/jobs/j-1/sync/"}
    # The same path on every host, outside the model directory SageMaker uploads.
    assert cluster.fit_dir == tmp_path / "automl-fit" / "predictor"
    assert not cluster.is_head and cluster.head == "algo-1"
    doubled = ray_cluster.Cluster({**env, "AG_MODEL_SYNC_PATH": "s3://bucket/out//j-1/ray-sync/"},
                                  ["algo-1", "algo-2"], "algo-2")
    assert doubled.settings["AG_MODEL_SYNC_PATH"] == "s3://bucket/out/j-1/ray-sync/"
    assert "AG_DISTRIBUTED_MODE" not in os.environ  # only join() applies them


def test_each_host_gets_its_own_ports():
    ports = [ray_cluster.node_ports(6379, i) for i in range(50)]
    flat = [p for host in ports for k, p in host.items() if k not in ("--min-worker-port", "--max-worker-port")]
    ranges = [range(h["--min-worker-port"], h["--max-worker-port"] + 1) for h in ports]
    workers = [p for r in ranges for p in r]
    head = list(range(6379, 6384))
    everything = flat + workers + head
    assert len(everything) == len(set(everything)) and max(everything) < 65536


@pytest.mark.parametrize("name, value, message", [
    ("AUTOML_RAY_PORT", "six", "AUTOML_RAY_PORT must be an integer"),
    ("AUTOML_RAY_JOIN_TIMEOUT", "-1", "AUTOML_RAY_JOIN_TIMEOUT must be a positive number"),
])
def test_bad_settings_are_named(tmp_path, name, value, message):
    env = {"AUTOML_RAY_NODE_ADDRESS": "127.0.0.1", "AUTOML_SHARED_DIR": str(tmp_path), name: value}
    with pytest.raises(ray_cluster.ClusterError, match=message):
        ray_cluster.Cluster(env, ["algo-1", "algo-2"], "algo-1")


def test_the_script_reports_a_cluster_error_in_one_line(tmp_path, data):
    env = train_env(tmp_path, HPS, train=data / "train", test=data / "test")
    env.update({"SM_HOSTS": '["algo-1", "algo-2"]', "SM_CURRENT_HOST": "algo-1", "AUTOML_RAY_NODE_ADDRESS": "127.0.0.1"})
    proc = run_train(env, timeout=60)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: 2 hosts (algo-1, algo-2) but nowhere to sync the fold models"), proc.stderr[-2000:]
    assert (tmp_path / "output" / "failure").read_text() == last[len("error: "):]
