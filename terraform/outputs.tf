output "job_name" {
  description = "The Cloud Run job that runs `strava-warehouse sync`."
  value       = google_cloud_run_v2_job.sync.name
}

output "dataset" {
  description = "The BigQuery dataset, as PROJECT.DATASET."
  value       = "${var.project_id}.${google_bigquery_dataset.strava.dataset_id}"
}

output "warehouse" {
  description = "The WAREHOUSE setting the job runs with."
  value       = local.warehouse
}

output "image" {
  description = "The image the job runs; push it here before the full apply (docs/deploy.md)."
  value       = local.image
}

output "job_service_account" {
  description = "Identity of the job."
  value       = google_service_account.job.email
}

output "scheduler_service_account" {
  description = "Identity Cloud Scheduler starts the job with."
  value       = google_service_account.scheduler.email
}

output "login_command" {
  description = "Stores the Strava credentials in the three secrets (run once, by a person, after `gcloud auth application-default login` and `gcloud auth configure-docker ${var.region}-docker.pkg.dev`). Runs the job's own image: no local Rust build."
  value       = "docker run --rm -it -e STRAVA_CLIENT_SECRET -e GOOGLE_APPLICATION_CREDENTIALS=/adc.json -v \"$HOME/.config/gcloud/application_default_credentials.json:/adc.json:ro\" ${local.image} login --no-browser --secrets ${local.secrets}"
}

output "run_now_command" {
  description = "Starts one execution now, without waiting for the schedule."
  value       = "gcloud run jobs execute ${google_cloud_run_v2_job.sync.name} --region ${var.region} --wait"
}

output "looker_url_command" {
  description = "Prints a Looker Studio link that opens a report on the views (with the job's image; needs no credentials)."
  value       = "docker run --rm ${local.image} looker-url --warehouse ${local.warehouse}"
}

output "alert_policy" {
  description = "The alert on the job's ERROR logs; add channels with `notification_channels` or `alert_email`."
  value       = google_monitoring_alert_policy.job_errors.name
}

output "export_bucket" {
  description = "The private bucket for the athlete's bulk export."
  value       = google_storage_bucket.exports.name
}

output "upload_export_command" {
  description = "Uploads the bulk export (Strava's \"Download your data\" zip); then set export_object = \"export.zip\" and apply again."
  value       = "gcloud storage cp export.zip gs://${google_storage_bucket.exports.name}/export.zip"
}
