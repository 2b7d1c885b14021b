# The three Strava credentials, as containers only. Terraform never holds a
# value: no google_secret_manager_secret_version here, so nothing secret ever
# reaches the Terraform state. `strava-warehouse login --secrets gcp:PROJECT`
# adds the first versions (docs/deploy.md, step 5), and the job itself
# adds a new version of the refresh token whenever Strava rotates it.

resource "google_secret_manager_secret" "client_id" {
  secret_id = "strava-client-id"
  labels    = local.labels
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret" "client_secret" {
  secret_id = "strava-client-secret"
  labels    = local.labels
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret" "refresh_token" {
  secret_id = "strava-refresh-token"
  labels    = local.labels
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}
