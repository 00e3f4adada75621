"""Settings come from DRISYA_* variables only, validate early, and survive a round trip to workers."""

from __future__ import annotations

import pytest

from cluster.settings import Settings, ensure_jwt_secret


def test_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert s.mongodb_uri is None and s.blob_backend == "local" and s.port == 8000
    assert s.blob_path == s.data_path / "blobs"


def test_values_and_limits_are_read_and_typed() -> None:
    s = Settings.from_env(
        {"DRISYA_PORT": "9001", "DRISYA_MAX_ZIP_ENTRIES": "12", "DRISYA_DATA_DIR": "/tmp/x"}
    )
    assert s.port == 9001 and s.limits.max_zip_entries == 12 and str(s.data_path) == "/tmp/x"


def test_the_batch_cluster_size_is_unset_by_default_and_read_as_numbers() -> None:
    assert (Settings.from_env({}).batch_cluster_cpus, Settings.from_env({}).batch_cluster_gpus) == (
        None,
        None,
    )
    s = Settings.from_env({"DRISYA_BATCH_CLUSTER_CPUS": "224", "DRISYA_BATCH_CLUSTER_GPUS": "4"})
    assert (s.batch_cluster_cpus, s.batch_cluster_gpus) == (224, 4)
    assert Settings.from_env(s.as_env()) == s


def test_round_trip_through_environment() -> None:
    s = Settings.from_env({"DRISYA_PORT": "9002", "DRISYA_MAX_COMPRESSION_RATIO": "50"})
    assert Settings.from_env(s.as_env()) == s


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DRISYA_PORT": "eighty"}, "DRISYA_PORT"),
        ({"DRISYA_BLOB_BACKEND": "ftp"}, "DRISYA_BLOB_BACKEND"),
        ({"DRISYA_BLOB_BACKEND": "s3"}, "DRISYA_S3_BUCKET"),
        ({"DRISYA_PORT": "70000"}, "DRISYA_PORT"),
        ({"DRISYA_BATCH_CLUSTER_CPUS": "-8"}, "DRISYA_BATCH_CLUSTER_CPUS"),
        ({"DRISYA_BATCH_CLUSTER_GPUS": "one"}, "DRISYA_BATCH_CLUSTER_GPUS"),
        ({"DRISYA_JOB_MAX_RUNS": "0"}, "DRISYA_JOB_MAX_RUNS"),
    ],
)
def test_bad_values_fail_with_the_variable_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_jwt_secret_is_generated_once_and_kept(tmp_path) -> None:
    s = Settings.from_env({"DRISYA_DATA_DIR": str(tmp_path)})
    first = ensure_jwt_secret(s).jwt_secret
    second = ensure_jwt_secret(Settings.from_env({"DRISYA_DATA_DIR": str(tmp_path)})).jwt_secret
    assert first and first == second and len(first) >= 32
    assert ensure_jwt_secret(s.with_(jwt_secret="given")).jwt_secret == "given"


def test_the_model_runtimes_settings_accept_are_the_ones_the_engine_runs() -> None:
    """cluster may not import the engine, so the list lives twice; this keeps the two one list."""
    from cluster.settings import MODEL_RUNTIMES
    from engine.matting.runtimes import RUNTIMES

    assert MODEL_RUNTIMES == RUNTIMES


def test_an_unknown_model_runtime_is_refused_at_startup() -> None:
    with pytest.raises(ValueError, match="DRISYA_MODEL_RUNTIME"):
        Settings.from_env({"DRISYA_MODEL_RUNTIME": "tensorrt"})
