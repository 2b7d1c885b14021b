# strava-warehouse on Google Cloud: a Cloud Run job started on a schedule by
# Cloud Scheduler, reading the Strava credentials from Secret Manager and
# loading BigQuery. The order of steps (the image must be pushed before the
# job is created) is in the docs/deploy.md.

provider "google" {
  project = var.project_id
  region  = var.region
}

locals {
  labels = {
    app = "strava-warehouse"
  }

  # The image the job runs: pushed to the Artifact Registry repository below.
  image = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}/strava-warehouse:${var.image_tag}"

  # The settings the binary reads (`strava-warehouse sync --help`).
  warehouse = "bigquery:${var.project_id}.${google_bigquery_dataset.strava.dataset_id}"
  secrets   = "gcp:${var.project_id}"

  # One place decides where the data lives: the job's region unless the
  # dataset's location is set on its own.
  location = var.location != "" ? var.location : var.region

  # The longest the binary waits for one BigQuery job: a third of the task's
  # time limit, so a stuck job is given up, reported and recorded in
  # sync_runs by the binary itself, well before Cloud Run's SIGTERM at the
  # task timeout would cut the run short with nothing recorded.
  bigquery_job_timeout_seconds = floor(var.job_timeout_seconds / 3)
}

# The APIs the deployment uses. Cloud Resource Manager is what Terraform calls
# for the project-level IAM member; IAM for the service accounts.
resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "iam.googleapis.com",
    "monitoring.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])

  service = each.key
  # Other things in the project may use these APIs too: destroying this module
  # must not switch them off.
  disable_on_destroy = false
}

resource "google_artifact_registry_repository" "images" {
  #checkov:skip=CKV_GCP_84:The repository holds only the public build of this open-source binary (no data, no credentials). Google-managed encryption at rest applies; a customer-managed KMS key would add a billed key and key administration for nothing to protect.
  location      = var.region
  repository_id = var.repository_id
  description   = "Images of the strava-warehouse Cloud Run job."
  format        = "DOCKER"
  labels        = local.labels

  # Old images cost storage and serve no purpose: keep the five most recent
  # versions (KEEP wins over DELETE, so the deployed one stays even when no
  # new image is pushed for months) and delete the rest after 30 days.
  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 5
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.apis]
}
