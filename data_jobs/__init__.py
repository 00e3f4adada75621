"""Batch jobs on Ray Data: a job's images -> an actor pool running the engine -> outputs + progress.

Entry points for the API and the CLI:
- `data_jobs.jobs`: create_job, add_zip / add_zip_stream / add_files, submit_job, cancel_job
- `data_jobs.runner.run_job`: run (or resume) a job to the end
- `data_jobs.resume`: start_job_in_background, resume_stale_jobs (start-up hook), resume_job
- `data_jobs.progress`: watch_job / subscribe (WebSocket events)
- `data_jobs.output_zip`: the streamed download with its manifest (`download.job_output_zip`)
"""
