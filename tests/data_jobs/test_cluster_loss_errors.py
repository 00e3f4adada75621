"""Which errors mean "the cluster went away" (the job is left to be resumed) and which mean "the batch
failed" (the job fails): `data_jobs.execution.is_cluster_loss`, on Ray's own public exceptions."""

from __future__ import annotations

import ray.exceptions as rex

from data_jobs.execution import ClusterLost, is_cluster_loss


def _raised_from(outer: BaseException, cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise outer from inner
    except BaseException as exc:  # noqa: BLE001 - the chained error itself is the subject
        return exc


def test_the_cluster_going_away_is_a_cluster_loss():
    for error in (
        rex.ActorDiedError(),
        rex.ActorUnavailableError("the actor is temporarily unavailable: RpcError: Socket closed", None),
        rex.NodeDiedError("node died"),
        rex.LocalRayletDiedError(),
        rex.OwnerDiedError("00" * 28, None, "the batch's host"),
        rex.RpcError("connection reset"),
        rex.RaySystemError("gcs unreachable"),
        ConnectionError("could not connect to the GCS"),
        ClusterLost("lost"),
    ):
        assert is_cluster_loss(error), error
    # wrapped by whatever raised it on the way up (Ray Data, the runner)
    assert is_cluster_loss(_raised_from(RuntimeError("iteration failed"), rex.NodeDiedError("node died")))


def test_errors_of_the_batch_itself_are_not():
    for error in (
        ValueError("bad recipe"),
        rex.RayTaskError("finish_stage", "Traceback ...", ConnectionError("s3 endpoint")),
        rex.WorkerCrashedError(),  # an input can crash its worker: the stall timeout handles that
        # an actor whose own __init__ raised (the network stage's model does not load): every run would
        rex.ActorDiedError(
            rex.RayTaskError("NetworkStage.__init__", "Traceback ...", ValueError("not ONNX"))
        ),
        _raised_from(
            RuntimeError("map failed"), rex.ActorDiedError(rex.RayTaskError("init", "tb", OSError()))
        ),
        rex.OutOfMemoryError("the task used too much memory"),
        _raised_from(RuntimeError("stage failed"), ValueError("no such template")),
    ):
        assert not is_cluster_loss(error), error
