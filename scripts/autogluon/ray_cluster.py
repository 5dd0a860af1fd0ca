"""Several SageMaker training hosts as one Ray cluster, for tabular_train.py.

With one host (``SM_HOSTS`` absent or a list of one) nothing here runs: ``join`` returns
None and tabular_train.py fits as always. With several, every host runs tabular_train.py
and this module turns them into one Ray cluster that AutoGluon's distributed mode spreads
the bagged folds over (autogluon.core's ParallelDistributedFoldFittingStrategy, switched
on by ``AG_DISTRIBUTED_MODE``):

* The head is the first host in ``SM_HOSTS`` order: the SageMaker training toolkit calls
  ``list(hosts)[0]`` its ``master_hostname`` (sagemaker_training/environment.py), and
  SageMaker lists hosts sorted (``algo-1`` first), so every host agrees on the head
  without talking to the others, and the toolkit's own notion of "master" is the same.
* The head starts a Ray head node (``ray start --head --block``, a child process of this
  one) bound to its address, connects to it as the driver, opens a small control port,
  and waits until every other host has said hello on that port and its Ray node is alive
  in the cluster (``AUTOML_RAY_JOIN_TIMEOUT`` seconds, default 300; past that the error
  names the hosts that are missing). Then it fits; only the head reads the data (the
  workers get it through Ray's object store) and only the head writes the model and the
  reports.
* A worker connects to the head's control port (retrying until the same timeout), starts
  its Ray node joined to the head's, and blocks until the head says done; then it stops
  its node and exits 0. The control connection is how failures travel: a worker whose
  Ray node stops reports it to the head before it exits non-zero; a worker process that
  dies closes the connection, and the head notices at once (Ray itself would only retry
  the lost folds elsewhere, which hides the failure); a head that fails tells the workers,
  and a head that vanishes closes their connections. Every host's failure thus ends the
  whole job with that host's message (and the failure file on the host it happened on).
* Fold models travel through ``AG_MODEL_SYNC_PATH`` (an S3 prefix of the job: workers
  upload each fold they fit there, the head downloads it; what SageMaker runs) or, when
  ``AUTOML_SHARED_DIR`` names a directory every host sees at the same path (a shared
  file system; what the local runner gives its host processes), through that directory
  (``AG_DISTRIBUTED_FILESYSTEM=NFS``). The predictor is fitted in a scratch directory
  (``<shared dir>/predictor``, or ``automl-fit/predictor`` beside ``SM_MODEL_DIR``, the
  same path on every host) and copied to ``SM_MODEL_DIR`` when the fit is done, so that a
  worker never leaves fold files in its own model directory for SageMaker to upload.
* After the fit the head spreads the permutation feature importance over every host's
  node as one Ray task per block of features (feature_importance.py beside this module);
  each task reports the node it ran on, which ``record_importance`` maps to its host.
* Which host fitted what comes from the cluster's own records: Ray's state API lists the
  fold tasks (``_ray_fit``) with the node each ran on, and a node is mapped to its host by
  the custom resource ``automl_host_<host>`` each host's node is started with. A fold is
  attributed to the bagged model whose fit window (AutoGluon's model-fit callbacks on the
  head) contains the task's start.

Environment
-----------
SM_HOSTS, SM_CURRENT_HOST   as SageMaker sets them; when unset, the ``hosts`` and
                            ``current_host`` of $SM_INPUT_CONFIG_DIR/resourceconfig.json
                            (default /opt/ml/input/config/resourceconfig.json).
AG_MODEL_SYNC_PATH          s3://bucket/prefix/ where fold models are synced (S3 mode).
AUTOML_SHARED_DIR           a directory shared by all hosts (shared file system mode; wins
                            over AG_MODEL_SYNC_PATH).
AUTOML_RAY_PORT             the head's Ray (GCS) port, default 6379. Every port the cluster
                            uses is derived from it, so that several local "hosts" on one
                            machine never collide: on the head P (GCS), P+1 (Ray client
                            server), P+2 (dashboard), P+3 (control), P+4 (dashboard gRPC);
                            on the host at index i of SM_HOSTS P+10+10i .. P+15+10i (node
                            manager, object manager, dashboard agent x2, metrics, runtime
                            env agent) and P+1000+100i .. P+1099+100i (worker processes).
AUTOML_RAY_HEAD_ADDRESS     the head's IP address as the others reach it; default: the
                            head's host name resolved by DNS (SageMaker's algo-N names).
AUTOML_RAY_NODE_ADDRESS     this host's IP address; default: its host name resolved.
AUTOML_RAY_JOIN_TIMEOUT     seconds to wait for the cluster to form, default 300.
AUTOML_RAY_NUM_CPUS         CPUs this host's Ray node offers (default: Ray's detection).
AUTOML_RAY_OBJECT_STORE_BYTES   object store size of this host's node (default: Ray's).
AUTOML_RAY_TEMP_DIR         Ray's session directory (logs, sockets); default
                            <tmp>/automl-ray-<port>. Never Ray's default /tmp/ray: `ray start`
                            leaves its address in /tmp/ray/ray_current_cluster, and every
                            later plain ``ray.init()`` on the machine (AutoGluon's own, for a
                            one-host bagged fit) would then try to join this cluster. Removed
                            by the head when the job succeeds.
"""

from __future__ import annotations

import _thread
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_RAY_PORT = 6379
DEFAULT_JOIN_TIMEOUT = 300.0
RESOURCE_PREFIX = "automl_host_"
# The function AutoGluon runs as a Ray task for each fold (autogluon.core.models.ensemble.
# fold_fitting_strategy._ray_fit), and the one it runs per model with fit_strategy="parallel".
FOLD_TASK = "_ray_fit"
MODEL_TASK = "_remote_train_multi_fold"
# How long the head waits for the workers to stop their nodes once told the job is over.
WORKER_GOODBYE_SECONDS = 30.0
# How long a fit interrupted by a host's failure may take to unwind before the head ends
# the job from the watching thread.
UNWIND_SECONDS = 5.0


class ClusterError(Exception):
    """The cluster could not form, or a host failed: the job fails with this message."""


def log(message: str) -> None:
    print(f"tabular_train: cluster: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- hosts


def read_hosts(env) -> tuple[list[str], str] | None:
    """(hosts, current host) from SM_HOSTS/SM_CURRENT_HOST or resourceconfig.json; None when
    neither says anything (a plain single-host run)."""
    raw_hosts, current = env.get("SM_HOSTS"), env.get("SM_CURRENT_HOST")
    source = "SM_HOSTS"
    if raw_hosts is None:
        config = Path(env.get("SM_INPUT_CONFIG_DIR", "/opt/ml/input/config")) / "resourceconfig.json"
        if not config.is_file():
            return None
        try:
            resource = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ClusterError(f"{config} is not readable JSON: {err}") from None
        if not isinstance(resource, dict):
            raise ClusterError(f"{config} must be a JSON object with hosts and current_host")
        hosts, current, source = resource.get("hosts"), current or resource.get("current_host"), str(config)
    else:
        try:
            hosts = json.loads(raw_hosts)
        except json.JSONDecodeError as err:
            raise ClusterError(f"SM_HOSTS is not valid JSON ({err.msg}): {raw_hosts[:200]}") from None
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) and h for h in hosts):
        raise ClusterError(f"{source}: hosts must be a non-empty JSON list of host names, got {json.dumps(hosts)[:200]}")
    if len(set(hosts)) != len(hosts):
        raise ClusterError(f"{source}: hosts are not unique: {', '.join(hosts)}")
    if len(hosts) == 1 and not current:
        current = hosts[0]
    if not current:
        raise ClusterError(f"SM_CURRENT_HOST is not set ({len(hosts)} hosts in {source})")
    if current not in hosts:
        raise ClusterError(f"SM_CURRENT_HOST {current!r} is not one of the hosts {', '.join(hosts)}")
    return hosts, current


def node_ports(ray_port: int, index: int) -> dict[str, int]:
    """`ray start` port options of the host at ``index``: fixed and disjoint per host."""
    base = ray_port + 10 + 10 * index
    workers = ray_port + 1000 + 100 * index
    return {
        "--node-manager-port": base,
        "--object-manager-port": base + 1,
        "--dashboard-agent-listen-port": base + 2,
        "--dashboard-agent-grpc-port": base + 3,
        "--metrics-export-port": base + 4,
        "--runtime-env-agent-port": base + 5,
        "--min-worker-port": workers,
        "--max-worker-port": workers + 99,
    }


def _resolve(name: str, deadline: float) -> str:
    # SageMaker's algo-N names may take a moment to appear in DNS when the job starts.
    while True:
        try:
            return socket.gethostbyname(name)
        except OSError as err:
            if time.monotonic() > deadline:
                raise ClusterError(f"cannot resolve host {name!r}: {err}") from None
            time.sleep(1)


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when this process dies, however it dies.

    `ray start --block` stops its node's processes on SIGTERM (and its reaper takes down the
    rest of its process group), so a host process killed with SIGKILL leaves nothing behind.
    """
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _ray_command() -> list[str]:
    beside = Path(sys.executable).with_name("ray")
    if beside.is_file():
        return [str(beside)]
    return [sys.executable, "-m", "ray.scripts.scripts"]


# --------------------------------------------------------------------------- the cluster


class Cluster:
    """This host's part of the cluster. The head drives the fit; a worker only serves."""

    def __init__(self, env, hosts: list[str], current: str):
        self.env = env
        self.hosts = hosts
        self.current = current
        self.index = hosts.index(current)
        self.head = hosts[0]
        self.is_head = current == self.head
        self.workers = hosts[1:]
        self.ray_port = _int_env(env, "AUTOML_RAY_PORT", DEFAULT_RAY_PORT)
        self.control_port = self.ray_port + 3
        self.temp_dir = Path(env.get("AUTOML_RAY_TEMP_DIR") or
                             Path(tempfile.gettempdir()) / f"automl-ray-{self.ray_port}")
        self.join_timeout = _float_env(env, "AUTOML_RAY_JOIN_TIMEOUT", DEFAULT_JOIN_TIMEOUT)
        self.started = time.monotonic()
        self.deadline = self.started + self.join_timeout
        self.node_address = env.get("AUTOML_RAY_NODE_ADDRESS") or _resolve(current, self.deadline)
        self.head_address = (self.node_address if self.is_head else
                             env.get("AUTOML_RAY_HEAD_ADDRESS") or _resolve(self.head, self.deadline))
        self.node: subprocess.Popen | None = None
        self.failure: tuple[str, str] | None = None
        self._lock = threading.Lock()
        self._fitting = False
        self._over = False
        self._conns: dict[str, socket.socket] = {}
        self._gone: set[str] = set()
        self._node_ids: dict[str, str] = {}
        self._windows: list[tuple[str, float, float]] = []
        self.formed_seconds: float | None = None
        # Set by the caller: writes the job's failure (file and last stderr line).
        self.report_failure = None
        self._unwound = False
        self._finished = False
        self._configure_sync()

    # ----- where fold models meet

    def _configure_sync(self) -> None:
        env = self.env
        model_dir = Path(env.get("SM_MODEL_DIR") or "/opt/ml/model")
        shared = env.get("AUTOML_SHARED_DIR")
        sync = env.get("AG_MODEL_SYNC_PATH")
        # Ray worker processes inherit these from the `ray start` process; AutoGluon reads
        # them in the driver (the head's main process) and in every fold task.
        settings = {"AG_DISTRIBUTED_MODE": "1"}
        if shared:
            shared_dir = Path(shared)
            if not shared_dir.is_dir():
                raise ClusterError(f"AUTOML_SHARED_DIR {shared} is not a directory")
            settings["AG_DISTRIBUTED_FILESYSTEM"] = "NFS"
            settings["AG_UTIL_PATH"] = str(shared_dir / "util")
            self.fit_dir = shared_dir / "predictor"
            self.sync = f"shared directory {shared_dir}"
        elif sync:
            if not sync.startswith("s3://") or len(sync) <= len("s3://"):
                raise ClusterError(f"AG_MODEL_SYNC_PATH must be an S3 prefix (s3://bucket/prefix/), got {sync!r}")
            # AutoGluon appends "<bag name>/<fold name>/" to it without a separator; the
            # Train machine joins TrainingOutput and the job name with "/", which doubles
            # when TrainingOutput ends with one.
            bucket, _, key = sync[len("s3://"):].partition("/")
            key = "/".join(part for part in key.split("/") if part)
            settings["AG_MODEL_SYNC_PATH"] = f"s3://{bucket}/{key}/" if key else f"s3://{bucket}/"
            self.fit_dir = model_dir.parent / "automl-fit" / "predictor"
            self.sync = settings["AG_MODEL_SYNC_PATH"]
        else:
            raise ClusterError(
                f"{len(self.hosts)} hosts ({', '.join(self.hosts)}) but nowhere to sync the fold "
                "models: set AG_MODEL_SYNC_PATH to an S3 prefix of the job, or AUTOML_SHARED_DIR "
                "to a directory every host shares")
        self.settings = settings

    def apply_settings(self) -> None:
        """AutoGluon's distributed-mode variables into this process's environment."""
        for key, value in self.settings.items():
            self.env[key] = value
            os.environ[key] = value

    @property
    def resource(self) -> str:
        return RESOURCE_PREFIX + self.current

    # ----- the Ray node of this host

    def _start_node(self) -> None:
        cmd = _ray_command() + ["start", "--block", "--disable-usage-stats",
                                f"--node-ip-address={self.node_address}",
                                f"--resources={json.dumps({self.resource: 1})}"]
        cmd += [f"{k}={v}" for k, v in node_ports(self.ray_port, self.index).items()]
        if self.is_head:
            cmd += ["--head", f"--port={self.ray_port}", f"--temp-dir={self.temp_dir}",
                    f"--ray-client-server-port={self.ray_port + 1}",
                    "--include-dashboard=true", f"--dashboard-host={self.node_address}",
                    f"--dashboard-port={self.ray_port + 2}",
                    f"--dashboard-grpc-port={self.ray_port + 4}"]
        else:
            cmd += [f"--address={self.head_address}:{self.ray_port}"]
        if self.env.get("AUTOML_RAY_NUM_CPUS"):
            cmd.append(f"--num-cpus={_int_env(self.env, 'AUTOML_RAY_NUM_CPUS', 0)}")
        if self.env.get("AUTOML_RAY_OBJECT_STORE_BYTES"):
            cmd.append(f"--object-store-memory={_int_env(self.env, 'AUTOML_RAY_OBJECT_STORE_BYTES', 0)}")
        node_env = {**{k: v for k, v in self.env.items() if isinstance(v, str) and k != "RAY_ADDRESS"},
                    **self.settings, "RAY_USAGE_STATS_ENABLED": "0"}
        log(f"{self.current}: starting its Ray {'head ' if self.is_head else ''}node at "
            f"{self.node_address} ({'port ' + str(self.ray_port) if self.is_head else 'joining ' + self.head_address + ':' + str(self.ray_port)})")
        # Its own session (process group), so that stopping it never signals this process;
        # its output goes to this host's log.
        self.node = subprocess.Popen(cmd, env=node_env, stdin=subprocess.DEVNULL, stdout=sys.stderr,
                                     stderr=sys.stderr, start_new_session=True,
                                     preexec_fn=_die_with_parent)

    def _node_exited(self) -> int | None:
        return None if self.node is None else self.node.poll()

    def stop_node(self) -> None:
        node, self.node = self.node, None
        if node is None:
            return
        if node.poll() is None:
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(timeout=30)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait()
        # Anything of its process group still alive (its reaper normally sees to that).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(node.pid, signal.SIGKILL)

    # ----- failures

    def _fail(self, host: str, message: str) -> None:
        with self._lock:
            if self.failure is not None or self._over:
                return
            self.failure = (host, message)
            fitting = self._fitting
        log(f"failure on {host}: {message}")
        if fitting:
            # The fit runs in the main thread, waiting on Ray: stop it now rather than let
            # Ray quietly re-run the lost folds on the hosts that are left.
            _thread.interrupt_main()
            threading.Thread(target=self._end_unless_unwound, daemon=True).start()

    def _end_unless_unwound(self) -> None:
        """interrupt_main takes effect only when the main thread runs Python again, and a
        fit waiting on Ray for a fold that runs for minutes may not for that long: then end
        the job from here, as the main thread would have."""
        deadline = time.monotonic() + UNWIND_SECONDS
        while time.monotonic() < deadline:
            if self._unwound:
                return
            time.sleep(0.1)
        host, message = self.failure
        text = message if message.startswith("host ") else f"host {host}: {message}"
        log(f"the fit did not stop within {UNWIND_SECONDS:g} s; ending the job now")
        if self.report_failure is not None:
            self.report_failure(text)
        self.finish(text, driver=False)
        os._exit(1)

    def _raise_failure(self, cause: BaseException | None = None):
        host, message = self.failure
        raise ClusterError(message if message.startswith("host ") else f"host {host}: {message}") from cause

    # ----- the head

    def _serve_control(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._read_worker, args=(conn,), daemon=True).start()

    def _read_worker(self, conn: socket.socket) -> None:
        host = None
        reader = conn.makefile("r", encoding="utf-8")
        try:
            for line in reader:
                message = json.loads(line)
                if "hello" in message:
                    host = message["hello"]
                    if host not in self.workers:
                        log(f"ignoring a hello from unknown host {host!r}")
                        return
                    with self._lock:
                        self._conns[host] = conn
                    log(f"{host} connected")
                elif "failed" in message and host is not None:
                    self._fail(host, message["failed"])
        except (OSError, ValueError):
            pass
        finally:
            if host is not None:
                with self._lock:
                    self._gone.add(host)
                    over = self._over
                if not over:
                    self._fail(host, f"host {host} went away: its training process ended before the "
                                     "head was done (the host died, or its process was killed)")

    def _watch_nodes(self) -> None:
        """Catch a worker whose node dies while its process stays silent (e.g. a lost host)."""
        import ray

        while not self._over:
            time.sleep(1.0)
            with contextlib.suppress(Exception):
                alive = {n["NodeID"] for n in ray.nodes() if n.get("Alive")}
                for host, node_id in list(self._node_ids.items()):
                    if node_id not in alive and not self._over:
                        self._fail(host, f"host {host}: its Ray node left the cluster during training")

    def _nodes_by_host(self) -> dict[str, str]:
        import ray

        found = {}
        for node in ray.nodes():
            if not node.get("Alive"):
                continue
            for key in node.get("Resources", {}):
                if key.startswith(RESOURCE_PREFIX):
                    found[key[len(RESOURCE_PREFIX):]] = node["NodeID"]
        return found

    def _form_as_head(self) -> None:
        import logging

        import ray

        self._start_node()
        address = f"{self.node_address}:{self.ray_port}"
        while True:
            code = self._node_exited()
            if code is not None:
                raise ClusterError(f"host {self.current}: the Ray head node did not start (ray start exited "
                                   f"with {code}; its output is above)")
            try:
                with socket.create_connection((self.node_address, self.ray_port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > self.deadline:
                    raise ClusterError(f"host {self.current}: the Ray head node did not open {address} "
                                       f"within {self.join_timeout:g} s") from None
                time.sleep(0.2)
        # The driver connects before any worker joins: Ray ties a driver to a node of its
        # address, and on one machine (local hosts) all nodes share 127.0.0.1.
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        server = socket.create_server((self.node_address, self.control_port))
        self._server = server
        threading.Thread(target=self._serve_control, args=(server,), daemon=True).start()
        log(f"{self.current}: head of {len(self.hosts)} hosts; waiting up to {self.join_timeout:g} s "
            f"for {', '.join(self.workers)} to join")
        while True:
            if self.failure is not None:
                self._raise_failure()
            nodes = self._nodes_by_host()
            with self._lock:
                connected = set(self._conns)
            missing = [h for h in self.workers if h not in nodes or h not in connected]
            if not missing:
                break
            if time.monotonic() > self.deadline:
                raise ClusterError(
                    f"host{'s' if len(missing) > 1 else ''} {', '.join(missing)} did not join the Ray "
                    f"cluster within {self.join_timeout:g} s (head {self.head} at {address}; joined: "
                    f"{', '.join(h for h in self.hosts if h in nodes) or 'none'})")
            time.sleep(0.2)
        self._node_ids = {h: nodes[h] for h in self.hosts}
        self.formed_seconds = time.monotonic() - self.started
        threading.Thread(target=self._watch_nodes, daemon=True).start()
        cpus = int(ray.cluster_resources().get("CPU", 0))
        log(f"all {len(self.hosts)} hosts joined in {self.formed_seconds:.1f} s ({cpus} CPUs); fold "
            f"models sync through {self.sync}")

    def fit_args(self, fit_args: dict) -> dict:
        """fit_args plus the callback that records each model's fit window, and dynamic
        stacking (bagged presets turn it on) kept in the head's process."""
        ds_args = dict(fit_args.get("ds_args") or {})
        if ds_args.get("memory_safe_fits", True):
            # AutoGluon 1.4 runs the dynamic-stacking sub-fit as one Ray task asking for
            # every CPU of the cluster (TabularPredictor._dynamic_stacking, "FIXME: what
            # about distributed?"): no single node has them, so Ray would wait forever. In
            # the head's process the sub-fit spreads its folds like the main fit.
            ds_args["memory_safe_fits"] = False
        return {**fit_args, "ds_args": ds_args,
                "callbacks": [*fit_args.get("callbacks", []), _model_windows(self._windows)]}

    @contextlib.contextmanager
    def fitting(self):
        """Around work the head spreads over the cluster (predictor.fit, the feature
        importance): a host's failure ends it with that host's message."""
        with self._lock:
            self._fitting = True
            failed = self.failure is not None
        if failed:
            self._raise_failure()
        try:
            yield
        except BaseException as err:
            if self.failure is not None:
                self._unwound = True
                self._raise_failure(err)
            raise
        finally:
            with self._lock:
                self._fitting = False
        if self.failure is not None:
            self._raise_failure()

    def collect(self, predictor, model_dir: Path):
        """After the fit: the predictor copied into the model directory (and loaded from
        there), and the cluster's record of who fitted what (``self.report``)."""
        started = time.monotonic()
        self.report = self._records(predictor)
        recorded = time.monotonic()
        clone = predictor.clone(path=str(model_dir), return_clone=True, dirs_exist_ok=True)
        shutil.rmtree(self.fit_dir, ignore_errors=True)
        log(f"Ray's task records read in {recorded - started:.1f} s; predictor copied to {model_dir} "
            f"in {time.monotonic() - recorded:.1f} s")
        for host, entry in self.report.items():
            log(f"{host}: {entry['folds']} folds of {len(entry['models'])} models "
                f"({', '.join(entry['models']) or '-'})")
        return clone

    def _records(self, predictor) -> dict:
        from ray.util.state import list_tasks

        expected = _expected_folds(predictor)
        host_of = {node_id: host for host, node_id in self._node_ids.items()}
        # Task events reach the state API asynchronously (about once a second).
        deadline = time.monotonic() + 15
        while True:
            # The address is explicit: without it the state API looks for "the" Ray cluster
            # on the machine (ray/_private/services.py find_gcs_addresses scans the process
            # list, since our session is not in /tmp/ray) and fails with "Found multiple
            # active Ray instances" while another local multi-host job runs beside this one.
            tasks = [t for t in list_tasks(address=f"{self.node_address}:{self.ray_port}",
                                           filters=[("state", "=", "FINISHED")], detail=True,
                                           limit=10000, raise_on_missing_output=False)
                     if t.func_or_class_name in (FOLD_TASK, MODEL_TASK)]
            folds = [t for t in tasks if t.func_or_class_name == FOLD_TASK]
            if len(folds) >= expected or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if len(folds) < expected:
            log(f"warning: Ray's records show {len(folds)} finished folds, the predictor has {expected}")
        report = {h: _host_entry(self._node_ids.get(h)) for h in self.hosts}
        for task in tasks:
            host = host_of.get(task.node_id, f"node {task.node_id}")
            entry = report.setdefault(host, _host_entry(task.node_id))
            if task.func_or_class_name == MODEL_TASK:
                entry["parallel_model_fits"] += 1
                continue
            entry["folds"] += 1
            if task.start_time_ms and task.end_time_ms:
                entry["fold_seconds"] = round(entry["fold_seconds"] + (task.end_time_ms - task.start_time_ms) / 1000, 3)
            model = _window_of(self._windows, (task.start_time_ms or 0) / 1000)
            if model is not None and model not in entry["models"]:
                entry["models"].append(model)
        return report

    def nodes(self) -> list[tuple[str, str, float]]:
        """(host, the custom resource that pins a task to its node, its CPUs) of every host,
        the head first: where the feature importance is spread."""
        import ray

        cpus = {n["NodeID"]: n.get("Resources", {}).get("CPU", 1.0) for n in ray.nodes() if n.get("Alive")}
        return [(h, RESOURCE_PREFIX + h, cpus.get(self._node_ids[h], 1.0)) for h in self.hosts]

    def record_importance(self, blocks) -> None:
        """Who computed which features' importance, by the node id each block's Ray task
        reported from its own runtime context (feature_importance.py)."""
        host_of = {node_id: host for host, node_id in self._node_ids.items()}
        for block in blocks:
            host = host_of.get(block.node_id, f"node {block.node_id}")
            entry = self.report.setdefault(host, _host_entry(block.node_id))
            entry["importance_features"] += block.features
            entry["importance_seconds"] = round(entry["importance_seconds"] + block.seconds, 3)
            log(f"{host}: importance of {block.features} features ({block.rows} rows, "
                f"{block.shuffle_sets} shuffle sets) in {block.seconds:.1f} s")

    def summary(self) -> dict:
        """What training_summary.json says of the cluster (key ``hosts``)."""
        return {"head": self.head, "formed_seconds": round(self.formed_seconds or 0.0, 3),
                "sync": "shared_dir" if "AG_DISTRIBUTED_FILESYSTEM" in self.settings else "s3",
                "per_host": self.report}

    def finish(self, error: str | None, driver: bool = True) -> None:
        """The head is done (error None) or failed: tell the workers, then stop the cluster
        (``driver`` False: leave this process's Ray connection alone, it is about to end)."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
            self._over = True
            conns = dict(self._conns)
        started = time.monotonic()
        note = {"done": True} if error is None else {"abort": error}
        for host, conn in conns.items():
            with contextlib.suppress(OSError):
                conn.sendall((json.dumps(note) + "\n").encode())
        # Let the workers stop their nodes first: a node whose head disappears under it logs
        # errors for a minute before it gives up.
        deadline = time.monotonic() + WORKER_GOODBYE_SECONDS
        while time.monotonic() < deadline:
            with self._lock:
                if set(conns) <= self._gone:
                    break
            time.sleep(0.1)
        for conn in conns.values():
            with contextlib.suppress(OSError):
                conn.close()
        with contextlib.suppress(Exception):
            self._server.close()
        if driver:
            with contextlib.suppress(Exception):
                import ray

                ray.shutdown()
        self.stop_node()
        if error is None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
        log(f"cluster stopped in {time.monotonic() - started:.1f} s")

    # ----- a worker

    def serve_as_worker(self) -> None:
        """Join the head's cluster and serve until the head is done; raises ClusterError when
        this host or the head fails."""
        address = f"{self.head_address}:{self.control_port}"
        log(f"{self.current}: worker; connecting to the head {self.head} at {address}")
        while True:
            try:
                conn = socket.create_connection((self.head_address, self.control_port), timeout=5)
                break
            except OSError as err:
                if time.monotonic() > self.deadline:
                    raise ClusterError(f"host {self.current}: cannot reach the head {self.head} at {address} "
                                       f"within {self.join_timeout:g} s: {err}") from None
                time.sleep(0.5)
        conn.settimeout(None)
        try:
            conn.sendall((json.dumps({"hello": self.current}) + "\n").encode())
            self._start_node()
            buffer = b""
            while True:
                code = self._node_exited()
                if code is not None:
                    message = f"host {self.current}: its Ray node stopped unexpectedly (ray start exited with {code})"
                    with contextlib.suppress(OSError):
                        conn.sendall((json.dumps({"failed": message}) + "\n").encode())
                    raise ClusterError(message)
                ready, _, _ = select.select([conn], [], [], 0.5)
                if not ready:
                    continue
                chunk = conn.recv(65536)
                if not chunk:
                    raise ClusterError(f"host {self.current}: the head {self.head} went away before "
                                       "training was done")
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    note = json.loads(line)
                    if note.get("done"):
                        log(f"{self.current}: the head is done; stopping")
                        return
                    if "abort" in note:
                        raise ClusterError(f"host {self.current} stopped: the head {self.head} failed: "
                                           f"{note['abort']}")
        finally:
            self.stop_node()
            with contextlib.suppress(OSError):
                conn.close()


# --------------------------------------------------------------------------- entry points


def join(env) -> Cluster | None:
    """None with one host. With several: the head's cluster formed (every host joined), or,
    on a worker, after the head is done (the caller then exits 0). Raises ClusterError."""
    found = read_hosts(env)
    if found is None or len(found[0]) == 1:
        return None
    hosts, current = found
    # SageMaker (StopTrainingJob) and the local runner stop a job with SIGTERM: unwind, so
    # that the Ray node is stopped on the way out.
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    cluster = Cluster(env, hosts, current)
    cluster.apply_settings()
    if cluster.is_head:
        try:
            cluster._form_as_head()
        except BaseException as err:
            cluster.finish(_one_line(err))
            raise
        return cluster
    cluster.serve_as_worker()
    return cluster


def _raise_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _model_windows(windows: list):
    """An AutoGluon callback appending (model name, start, end) to ``windows`` for each model
    fit. Module-level: the trainer pickles its callbacks while it fits (and drops them when
    the fit is over, so the saved predictor does not refer to this module)."""
    from autogluon.core.callbacks import AbstractCallback

    global ModelWindows

    class ModelWindows(AbstractCallback):
        def __init__(self, windows):
            super().__init__()
            self.windows = windows
            self.current = None

        def _before_model_fit(self, trainer, model, time_limit=None, stack_name="core", level=1):
            self.current = (model.name, time.time())
            return False, False

        def _after_model_fit(self, trainer, model_names, stack_name="core", level=1):
            if self.current is not None:
                name, start = self.current
                self.windows.append((name, start, time.time()))
            return False

    ModelWindows.__qualname__ = "ModelWindows"
    return ModelWindows(windows)


def _host_entry(node_id) -> dict:
    """One host's record in training_summary.json's hosts.per_host."""
    return {"node_id": node_id, "folds": 0, "fold_seconds": 0.0, "models": [],
            "parallel_model_fits": 0, "importance_features": 0, "importance_seconds": 0.0}


def _expected_folds(predictor) -> int:
    """The fold models the fitted predictor holds (weighted ensembles fit none as tasks)."""
    total = 0
    for info in predictor.info().get("model_info", {}).values():
        if info.get("model_type") == "WeightedEnsembleModel":
            continue
        total += int((info.get("bagged_info") or {}).get("num_child_models") or 0)
    return total


def _window_of(windows, at: float):
    for name, start, end in windows:
        if start - 1.0 <= at <= end:
            return name
    return None


def _int_env(env, name: str, default: int) -> int:
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ClusterError(f"{name} must be an integer, got {value!r}") from None


def _float_env(env, name: str, default: float) -> float:
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1
    if not number > 0:
        raise ClusterError(f"{name} must be a positive number of seconds, got {value!r}")
    return number


def _one_line(err) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__
