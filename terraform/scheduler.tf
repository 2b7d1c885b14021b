# Starts the job on a schedule through the Cloud Run Admin API
# (POST .../jobs/NAME:run), authenticated with an OAuth access token of the
# scheduler service account, which may run this job and nothing else.
resource "google_cloud_scheduler_job" "sync" {
  name        = "${var.job_name}-schedule"
  description = "Starts the Cloud Run job ${var.job_name} (strava-warehouse sync)."
  region      = var.region
  schedule    = var.schedule
  time_zone   = var.time_zone

  # The :run call only starts an execution and answers at once.
  attempt_deadline = "60s"

  # No retries of the start call either: if Cloud Run started the execution
  # but the answer was lost, a retry would start a second sync beside the
  # first, both refreshing the same Strava token. The next tick retries.
  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = "https://run.googleapis.com/v2/projects/${var.project_id}/locations/${var.region}/jobs/${google_cloud_run_v2_job.sync.name}:run"

    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }

  depends_on = [
    google_project_service.apis,
    google_cloud_run_v2_job_iam_member.scheduler_runs_job,
  ]
}
