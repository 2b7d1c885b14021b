# The athlete's bulk export ("Download your data"), uploaded once by a person
# (the `upload_export_command` output) and read by every run with
# --from-export, merged with the API's newer activities. Private: one bucket
# for it, uniform access (IAM only, no object ACLs), public access refused,
# and versioning, so a re-upload never loses the export before it.
resource "google_storage_bucket" "exports" {
  #checkov:skip=CKV_GCP_62:Access logs would go to a second bucket that holds nothing but reads by the job's own service account; Cloud Audit Logs can record data access on this bucket if wanted.
  name                        = "${var.project_id}-${var.job_name}-exports"
  location                    = local.location
  labels                      = local.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # The export is the athlete's only copy of their history outside Strava:
  # never deleted with a `terraform destroy` while it holds objects.
  force_destroy = false

  versioning {
    enabled = true
  }
}
