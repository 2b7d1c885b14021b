# Two identities, each with the least it needs:
#
#   job SA        runs the sync: BigQuery jobs on the project (the only
#                 project-level grant), data on the one dataset, read the three
#                 secrets, add and disable versions of the refresh token only.
#   scheduler SA  Cloud Scheduler's OAuth identity: may run this one job and
#                 nothing else.
#
# Every grant is an additive *_iam_member on the narrowest resource that
# works; no basic roles (owner/editor/viewer), no authoritative *_iam_policy or
# *_iam_binding that could remove other people's access. terraform/tests/
# test_structure.py asserts this shape; change both together.

resource "google_service_account" "job" {
  account_id   = "${var.job_name}-run"
  display_name = "strava-warehouse job"
  description  = "Identity of the Cloud Run job ${var.job_name}: loads BigQuery, reads the Strava secrets."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "scheduler" {
  account_id   = "${var.job_name}-sched"
  display_name = "strava-warehouse scheduler"
  description  = "Identity Cloud Scheduler uses to start the Cloud Run job ${var.job_name}; may do nothing else."
  depends_on   = [google_project_service.apis]
}

# --- job SA -------------------------------------------------------------------

# Load and query jobs are created in a project, not in a dataset: jobUser
# (bigquery.jobs.create) cannot be granted any narrower. It gives no data
# access by itself.
resource "google_project_iam_member" "job_bigquery_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.job.email}"
}

# Tables and views in this dataset only: create, truncate-and-load, delete
# (purge). No other dataset in the project is reachable.
resource "google_bigquery_dataset_iam_member" "job_data_editor" {
  dataset_id = google_bigquery_dataset.strava.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.job.email}"
}

# Read the three credentials, each granted on its own secret (never on the
# project, which would expose every secret in it).
resource "google_secret_manager_secret_iam_member" "job_reads_client_id" {
  secret_id = google_secret_manager_secret.client_id.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.job.email}"
}

resource "google_secret_manager_secret_iam_member" "job_reads_client_secret" {
  secret_id = google_secret_manager_secret.client_secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.job.email}"
}

resource "google_secret_manager_secret_iam_member" "job_reads_refresh_token" {
  secret_id = google_secret_manager_secret.refresh_token.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.job.email}"
}

# Strava may rotate the refresh token on any refresh; the job saves the new one
# as a new version of this secret before doing anything else.
resource "google_secret_manager_secret_iam_member" "job_adds_refresh_token" {
  secret_id = google_secret_manager_secret.refresh_token.secret_id
  role      = "roles/secretmanager.secretVersionAdder"
  member    = "serviceAccount:${google_service_account.job.email}"
}

# ...and then disables the older versions, so a superseded token cannot be
# read back. Disabling needs secretmanager.versions.disable, and finding the
# older versions needs versions.list and versions.get. No predefined role
# carries just these: the narrowest, roles/secretmanager.secretVersionManager,
# also carries versions.destroy (irreversible) and versions.enable (would bring
# a dead token back), which the job never calls. So a custom role with exactly
# the three permissions. Custom roles are defined in a project, but this one is
# granted on the refresh-token secret only: it reaches no other secret, and the
# client id and client secret stay read-only for the job.
resource "google_project_iam_custom_role" "token_versions" {
  role_id     = "${replace(var.job_name, "-", "_")}_token_versions"
  title       = "${var.job_name} refresh-token versions"
  description = "Lists and disables versions of a secret; granted on the Strava refresh-token secret only."
  permissions = [
    "secretmanager.versions.disable",
    "secretmanager.versions.get",
    "secretmanager.versions.list",
  ]
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_iam_member" "job_disables_old_refresh_tokens" {
  secret_id = google_secret_manager_secret.refresh_token.secret_id
  role      = google_project_iam_custom_role.token_versions.name
  member    = "serviceAccount:${google_service_account.job.email}"
}

# --- scheduler SA ---------------------------------------------------------------

# run.invoker on this job only (run.jobs.run): the scheduler can start the sync
# and cannot change the job, read its secrets or touch any other job.
# The job reads the export the athlete uploaded, in that bucket only.
resource "google_storage_bucket_iam_member" "job_reads_exports" {
  bucket = google_storage_bucket.exports.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.job.email}"
}

resource "google_cloud_run_v2_job_iam_member" "scheduler_runs_job" {
  location = google_cloud_run_v2_job.sync.location
  name     = google_cloud_run_v2_job.sync.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler.email}"
}
