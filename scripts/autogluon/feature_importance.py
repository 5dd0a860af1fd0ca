"""Permutation feature importance within its time budget, on one host or over the Ray cluster.

tabular_train.py calls ``compute`` after the fit. The work is AutoGluon's own
``TabularPredictor.feature_importance`` (autogluon.core.utils.utils.
compute_permutation_feature_importance); this module decides how much of it fits the budget
and, with several hosts, where it runs.

The budget. AutoGluon checks its ``time_limit`` only after a whole shuffle set (one pass
over every feature it was given) and always completes the first one, so a bagged predictor
(every shuffled feature predicted by every fold model) overran a 60 s budget by minutes.
Before asking AutoGluon for all of it, its importance of one feature over one shuffle set
of the sampled rows is timed (the predictor's models persisted in memory first, as
AutoGluon otherwise reloads them from disk for every prediction): two predictions, the
baseline and the shuffled one. A shuffle set of k features costs about k + 1 predictions
(AutoGluon's own runtime estimate), and when that does not fit the budget left the rows
are reduced until it does (never below MIN_ROWS). AutoGluon then runs as many more shuffle sets (up to
its default of 10) as its own check lets fit.

Several hosts. Features are independent: their permutations are drawn from the same seeds
whichever features are asked for together, so a block of features gives the same numbers
alone as inside the whole list. The features are cut into one block per Ray node (the
head's included), each computed by a Ray actor pinned to its node by the node's
``automl_host_<host>`` resource and given all its CPUs. The predictor directory is packed
once into Ray's object store (on SageMaker only the head has /opt/ml/model), as is the
data; each actor unpacks and loads it and times one prediction on its node; then the head
plans the rows from the slowest node and the time left (the same rows for every block, so
every feature is measured on the same sample), and each actor runs AutoGluon on its block
until the common deadline. Each block comes back with the id of the node it ran on (Ray's
runtime context), which is how the hosts record says who computed what. The tables are
concatenated and sorted as on one host.
"""

from __future__ import annotations

import io
import math
import shutil
import tarfile
import tempfile
import time
from typing import NamedTuple

# Fewer rows than this say too little about a feature; a budget that cannot afford them is
# overrun (and the log says so) rather than met with a meaningless table.
MIN_ROWS = 100
# AutoGluon's default number of shuffle sets when a time limit is given
# (TabularPredictor.feature_importance: `num_shuffle_sets = 10 if time_limit else 5`).
SHUFFLE_SETS = 10
# Of the time left, the part the first shuffle set is planned into: the estimate from one
# timed feature is rough (batch sizes, other work on the machine; the first bench run, at
# load 9 on 2 cores, overran by 12 % with 0.85 and a plain prediction as the estimate).
PLAN_SHARE = 0.75
# Seconds kept back on a node for its table to travel back to the head.
RETURN_SECONDS = 1.0


def log(message: str) -> None:
    import sys

    print(f"tabular_train: feature importance: {message}", file=sys.stderr, flush=True)


class Node(NamedTuple):
    """A Ray node that computes a block: its host, the custom resource that pins an actor
    to it, and its CPUs."""

    host: str
    resource: str
    cpus: float


class Block(NamedTuple):
    """What one block's computation returns (and the hosts record keeps)."""

    host: str | None
    node_id: str | None
    features: int
    rows: int
    shuffle_sets: int
    seconds: float


def compute(predictor, data, *, time_limit: float, subsample_size: int, nodes: list[Node] | None = None):
    """(table, info, blocks): AutoGluon's importance table of every feature (most important
    first), what the summary records of it, and one Block per place it ran."""
    started = time.monotonic()
    deadline = time.time() + time_limit
    features = list(predictor.features())
    rows = min(len(data), subsample_size)
    blocks = _split(features, len(nodes) if nodes else 1)
    if nodes:
        parts, planned = _spread(predictor, data, blocks, nodes, rows, deadline)
    else:
        predictor.persist(models="best")
        planned = _plan(rows, _timed_prediction(predictor, data, rows), len(features), deadline)
        parts = [_block(predictor, data, features, planned, deadline, host=None, node_id=None)]
    import pandas as pd

    table = pd.concat([table for table, _ in parts])
    table = table.sort_values("importance", ascending=False, kind="stable")
    table.index.name = "feature"
    seconds = time.monotonic() - started
    shuffle_sets = int(table["n"].max()) if len(table) else None
    if seconds > time_limit * 1.1 + 1:
        log(f"warning: took {seconds:.1f} s, past its budget of {time_limit:g} s")
    info = {"seconds": round(seconds, 3), "shuffle_sets": shuffle_sets, "rows": planned}
    return table, info, [block for _, block in parts]


def _plan(rows: int, predict_seconds: float, block_features: int, deadline: float) -> int:
    planned = plan_rows(rows, predict_seconds, block_features, deadline - time.time())
    if planned < rows:
        log(f"one shuffle set of {rows} rows would outlast the budget ({predict_seconds:.2f} s a "
            f"prediction, {block_features + 1} predictions a set): {planned} rows")
    return planned


def plan_rows(rows: int, predict_seconds: float, block_features: int, seconds_left: float) -> int:
    """The rows a shuffle set of ``block_features`` features can afford in ``seconds_left``,
    from ``predict_seconds`` for one prediction of ``rows`` rows: ``rows`` when it fits,
    else proportionally fewer, never fewer than MIN_ROWS (or ``rows``, when that is less)."""
    per_set = (block_features + 1) * predict_seconds
    if per_set <= 0 or per_set <= seconds_left * PLAN_SHARE:
        return rows
    affordable = math.floor(rows * max(seconds_left, 0.0) * PLAN_SHARE / per_set)
    return max(min(rows, MIN_ROWS), min(rows, affordable))


def _timed_prediction(predictor, data, rows: int) -> float:
    """Seconds of one prediction of ``rows`` rows as AutoGluon's importance makes it: half of
    its own computation for one feature and one shuffle set (the baseline prediction and the
    shuffled one, with the data transform and the scoring that go with each)."""
    feature = predictor.features()[0]
    started = time.monotonic()
    predictor.feature_importance(data, features=[feature], subsample_size=rows, num_shuffle_sets=1,
                                 include_confidence_band=False, silent=True)
    return (time.monotonic() - started) / 2


def _split(features: list, parts: int) -> list[list]:
    """Contiguous blocks of nearly equal size, none empty."""
    parts = max(1, min(parts, len(features)))
    size, extra = divmod(len(features), parts)
    blocks, at = [], 0
    for i in range(parts):
        end = at + size + (1 if i < extra else 0)
        blocks.append(features[at:end])
        at = end
    return blocks


def _block(predictor, data, features: list, rows: int, deadline: float, *, host, node_id):
    """AutoGluon's importance of ``features`` on ``rows`` sampled rows, in the time left."""
    started = time.monotonic()
    time_left = max(deadline - time.time() - (RETURN_SECONDS if node_id else 0.0), 0.001)
    table = predictor.feature_importance(
        data, features=features, subsample_size=rows, time_limit=time_left,
        num_shuffle_sets=SHUFFLE_SETS, silent=True)
    shuffle_sets = int(table["n"].max()) if len(table) else 0
    return table, Block(host=host, node_id=node_id, features=len(features), rows=rows,
                        shuffle_sets=shuffle_sets, seconds=round(time.monotonic() - started, 3))


# --------------------------------------------------------------------------- several hosts


def _spread(predictor, data, blocks: list[list], nodes: list[Node], rows: int, deadline: float):
    """([(table, Block)], rows): the blocks computed by one actor per node. The actors load
    the predictor and time a prediction on their own node first, so that the rows are
    planned (the same for every block) from what is left of the budget once every node is
    ready, and from the slowest node's prediction."""
    import ray

    packed = time.monotonic()
    archive = ray.put(_pack(predictor.path))
    frame = ray.put(data)
    log(f"predictor packed into Ray's object store in {time.monotonic() - packed:.1f} s")
    actor = ray.remote(NodeWorker)
    workers = [actor.options(num_cpus=node.cpus, resources={node.resource: 1}, max_restarts=0)
               .remote(archive, frame) for node in nodes[:len(blocks)]]
    try:
        predict_seconds = max(ray.get([w.time_prediction.remote(rows) for w in workers]))
        planned = _plan(rows, predict_seconds, max(len(b) for b in blocks), deadline - RETURN_SECONDS)
        log(f"{len(blocks)} blocks of {', '.join(str(len(b)) for b in blocks)} features on "
            f"{', '.join(n.host for n in nodes[:len(blocks)])}, {planned} rows each, "
            f"{max(deadline - time.time(), 0):.1f} s left")
        parts = ray.get([w.block.remote(block, planned, deadline, node.host)
                         for w, block, node in zip(workers, blocks, nodes)])
        ray.get([w.close.remote() for w in workers])
    finally:
        for w in workers:
            ray.kill(w)
    return parts, planned


class NodeWorker:
    """A Ray actor on one node: the packed predictor unpacked, loaded and its models
    persisted there, then one block of features. Module-level, so that Ray pickles it by
    reference (its workers get the driver's sys.path, which holds this directory)."""

    def __init__(self, archive: bytes, data):
        import ray
        from autogluon.tabular import TabularPredictor

        self.node_id = ray.get_runtime_context().get_node_id()
        self.where = tempfile.mkdtemp(prefix="automl-importance-")
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            # The archive is the head's own (_pack), but refuse anything that would land
            # outside ``where`` all the same: tarfile's "data" filter (Python 3.11.4+; the
            # training image's Python 3.11 patch level is not pinned, so older ones extract
            # the head's archive as it is).
            if hasattr(tarfile, "data_filter"):
                tar.extractall(self.where, filter="data")
            else:
                tar.extractall(self.where)
        self.predictor = TabularPredictor.load(self.where, verbosity=0, require_py_version_match=False)
        self.predictor.persist(models="best")
        self.data = data

    def time_prediction(self, rows: int) -> float:
        return _timed_prediction(self.predictor, self.data, rows)

    def block(self, features: list, rows: int, deadline: float, host: str):
        """``deadline`` is wall-clock time: the hosts of a training job keep their clocks in
        sync (NTP)."""
        return _block(self.predictor, self.data, features, rows, deadline, host=host, node_id=self.node_id)

    def close(self) -> None:
        shutil.rmtree(self.where, ignore_errors=True)


def _pack(path: str) -> bytes:
    """The predictor directory as an uncompressed tar (compressing costs more than it saves
    between nodes of one job)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(path, arcname=".")
    return buffer.getvalue()
