# The sync itself: one Cloud Run (v2) job, one task, started by the scheduler.
resource "google_cloud_run_v2_job" "sync" {
  name     = var.job_name
  location = var.region
  labels   = local.labels

  # The job holds no data (the dataset and the secrets do), so replacing or
  # destroying it through Terraform is harmless.
  deletion_protection = false

  template {
    # One athlete, one token, one truncate-and-load: one task, never two at
    # once. Two tasks would refresh the same Strava refresh token at the same
    # time, and Strava kills the old token the moment it issues a new one, so
    # one of them would save a dead token. (This bounds the tasks of one
    # execution; separate executions are kept apart by the scheduler's spacing
    # and by not starting a manual one while another runs: see docs/deploy.md.)
    task_count  = 1
    parallelism = 1

    template {
      service_account = google_service_account.job.email

      # A sync is a few dozen Strava calls and one BigQuery load job: minutes.
      # The bound covers the binary's own waits (up to RATE_LIMIT_MAX_WAIT_SECS,
      # 300 s, for a 15-minute rate-limit window; 60 s per HTTP request with
      # retries) with room to spare, and stays far below the schedule's
      # interval so two runs never overlap.
      timeout = "${var.job_timeout_seconds}s"

      # No retries. Cloud Run cannot tell exit codes apart, and none of the
      # failures benefits from an immediate retry: exit 3 means Strava's rate
      # limit is spent (a retry seconds later only spends calls the next
      # window needs), exit 2 is bad configuration (a retry fails the same
      # way), exit 1 left the previous table intact. The next scheduled run,
      # hours later, is the retry; a failed execution shows in the logs and
      # in an alert on severity>=ERROR instead of being papered over.
      max_retries = 0

      containers {
        image = local.image
        args  = ["sync"]

        env {
          name  = "WAREHOUSE"
          value = local.warehouse
        }
        env {
          name  = "STRAVA_SECRETS"
          value = local.secrets
        }
        # Where the load and query jobs run: the dataset's own location.
        env {
          name  = "BIGQUERY_LOCATION"
          value = google_bigquery_dataset.strava.location
        }
        # Below the task timeout (see local.bigquery_job_timeout_seconds).
        env {
          name  = "BIGQUERY_JOB_TIMEOUT_SECS"
          value = local.bigquery_job_timeout_seconds
        }
        # The export, when one is uploaded (var.export_object).
        dynamic "env" {
          for_each = var.export_object == "" ? [] : [var.export_object]
          content {
            name  = "FROM_EXPORT"
            value = "gs://${google_storage_bucket.exports.name}/${env.value}"
          }
        }
        # Cloud Logging's structured form (one JSON object per line with
        # `severity`); the binary would pick it anyway when not on a terminal.
        env {
          name  = "LOG_FORMAT"
          value = "json"
        }

        resources {
          limits = {
            cpu    = "1"
            memory = var.job_memory
          }
        }
      }
    }
  }

  depends_on = [
    google_project_service.apis,
    # The first execution must find its permissions in place.
    google_project_iam_member.job_bigquery_job_user,
    google_bigquery_dataset_iam_member.job_data_editor,
    google_secret_manager_secret_iam_member.job_reads_client_id,
    google_secret_manager_secret_iam_member.job_reads_client_secret,
    google_secret_manager_secret_iam_member.job_reads_refresh_token,
    google_secret_manager_secret_iam_member.job_adds_refresh_token,
    google_secret_manager_secret_iam_member.job_disables_old_refresh_tokens,
    google_storage_bucket_iam_member.job_reads_exports,
  ]
}
