# An alert on the job's failures: any log line of the job at severity ERROR
# or above (the binary logs every failed run, bad setting or usage error as
# one JSON line with `severity: ERROR`). Notifications go to the channels in
# `notification_channels` and, when `alert_email` is set, to an email channel
# made here. With neither, the alert still opens incidents in the console.

resource "google_monitoring_notification_channel" "email" {
  count        = var.alert_email == "" ? 0 : 1
  display_name = "${var.job_name} failures"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }
  user_labels = local.labels

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "job_errors" {
  display_name = "${var.job_name}: a run failed"
  combiner     = "OR"
  user_labels  = local.labels

  conditions {
    display_name = "ERROR in the job's logs"
    condition_matched_log {
      filter = join(" AND ", [
        "resource.type=\"cloud_run_job\"",
        "resource.labels.job_name=\"${google_cloud_run_v2_job.sync.name}\"",
        "severity>=ERROR",
      ])
    }
  }

  notification_channels = concat(
    var.notification_channels,
    google_monitoring_notification_channel.email[*].id,
  )

  # A log-match alert needs a rate limit: at most one notification an hour
  # (a run fails at most once per schedule tick); incidents close after a
  # day without a new error line.
  alert_strategy {
    notification_rate_limit {
      period = "3600s"
    }
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A run of the Cloud Run job `${var.job_name}` logged an error. The log line says what failed and what to do; `sync_runs` in the dataset keeps every run's outcome. Exit 2 is a setting to fix, exit 3 Strava's rate limit (the next run catches up), exit 1 a failure that kept the previous data."
  }

  depends_on = [google_project_service.apis]
}
