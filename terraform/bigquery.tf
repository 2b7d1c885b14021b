# The warehouse: the job replaces the `activities` table in one load job
# (WRITE_TRUNCATE), appends to `sync_runs` and (re)creates the views here.
resource "google_bigquery_dataset" "strava" {
  #checkov:skip=CKV_GCP_81:One athlete's own activity history, readable only by the job and the project's own principals. Google-managed encryption at rest applies; a customer-managed KMS key would add a billed key and key administration the threat model does not need.
  dataset_id  = var.dataset
  location    = local.location
  description = "Strava activities loaded by strava-warehouse, and the views over them."
  labels      = local.labels

  # The data is the product: `terraform destroy` refuses to delete a dataset
  # that still holds tables (run `strava-warehouse purge` first).
  delete_contents_on_destroy = false

  # No `access` blocks: they would be authoritative and fight the IAM member
  # below. Access is granted with google_bigquery_dataset_iam_member only.

  depends_on = [google_project_service.apis]
}
