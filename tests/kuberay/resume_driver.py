"""The "new cluster" side of test_cluster_replaced: another process, on a Ray of its own, resumes the
jobs whose runner died, as the API replicas of a freshly upgraded RayService do, and prints what it did.

    python resume_driver.py MONGODB_URI DB_NAME     (settings from the DRISYA_* environment)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys


async def main(mongodb_uri: str, db_name: str) -> dict:
    import ray

    from cluster.settings import Settings
    from data_jobs.resume import resume_stale_jobs
    from data_jobs.runner import ensure_ray
    from store.db import connect
    from store.repositories import Repositories

    settings = Settings.from_env()
    ensure_ray(settings)
    db = connect(mongodb_uri, db_name)
    try:
        started = await resume_stale_jobs(
            Repositories(db), settings, stale_after=dt.timedelta(seconds=1), wait=True
        )
    finally:
        await db.client.close()
    return {"started": started, "gcs_address": ray.get_runtime_context().gcs_address}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(*sys.argv[1:]))), flush=True)
