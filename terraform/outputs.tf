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
  description = "The image the job runs; push it here before the full apply (README.md)."
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
  description = "Stores the Strava credentials in the three secrets (run once, by a person)."
  value       = "strava-warehouse login --secrets ${local.secrets}"
}

output "run_now_command" {
  description = "Starts one execution now, without waiting for the schedule."
  value       = "gcloud run jobs execute ${google_cloud_run_v2_job.sync.name} --region ${var.region} --wait"
}

output "looker_url_command" {
  description = "Prints a Looker Studio link that opens a report on the views."
  value       = "strava-warehouse looker-url --warehouse ${local.warehouse}"
}
