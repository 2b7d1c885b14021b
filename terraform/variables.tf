variable "project_id" {
  description = "Google Cloud project id that holds everything (the job, the dataset, the secrets, the image repository)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "A project id is 6 to 30 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region of the Cloud Run job, the Cloud Scheduler job, the Artifact Registry repository and (unless `location` says otherwise) the BigQuery dataset: one setting keeps the athlete's data where the job runs."
  type        = string
  default     = "europe-west1"
}

variable "dataset" {
  description = "BigQuery dataset id that receives the tables and views (WAREHOUSE=bigquery:PROJECT.DATASET)."
  type        = string
  default     = "strava"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,1024}$", var.dataset))
    error_message = "A dataset id is letters, digits and underscores only."
  }
}

variable "location" {
  description = "BigQuery location of the dataset, when it must differ from `region`: a multi-region (US, EU) or a region. Load jobs run there. Empty (the default): the dataset is in `region`. A dataset cannot move: a deployment made when this defaulted to US keeps it with location = \"US\"."
  type        = string
  default     = ""
}

variable "schedule" {
  description = "When the sync runs, in cron syntax, interpreted in time_zone. Default: every 6 hours. Keep the interval well above job_timeout_seconds."
  type        = string
  default     = "0 */6 * * *"
}

variable "time_zone" {
  description = "Time zone of the schedule (tz database name, e.g. Europe/Paris)."
  type        = string
  default     = "Etc/UTC"
}

variable "image_tag" {
  description = "Tag of the strava-warehouse image in the Artifact Registry repository (e.g. 0.1.0 or a git commit). Cloud Run resolves it to a digest when the job is applied: push a new tag and apply again to roll out."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "A Docker tag is up to 128 letters, digits, underscores, periods and hyphens."
  }
}

variable "job_name" {
  description = "Name of the Cloud Run job; also the prefix of the scheduler job and of the two service accounts."
  type        = string
  default     = "strava-warehouse"

  validation {
    # Service account ids are 6-30 characters: the job name gets "-run" and
    # "-sched" appended.
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.job_name))
    error_message = "Use 2 to 24 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "repository_id" {
  description = "Artifact Registry repository (Docker format) that holds the image."
  type        = string
  default     = "strava-warehouse"
}

variable "job_timeout_seconds" {
  description = "Time limit of one execution of the job, in seconds. The BigQuery job timeout the binary waits at most is derived from it (a third), so the binary gives up and records the run before Cloud Run's SIGTERM."
  type        = number
  default     = 1800

  validation {
    condition     = var.job_timeout_seconds >= 300 && var.job_timeout_seconds <= 10800
    error_message = "Between 300 s (room for one rate-limit wait) and 3 hours (half the default schedule interval)."
  }
}

variable "job_memory" {
  description = "Memory limit of the job's container (Kubernetes quantity). One athlete's history fits in far less."
  type        = string
  default     = "512Mi"
}

variable "export_object" {
  description = "Name of the athlete's bulk export in the exports bucket (e.g. export.zip, uploaded with the upload_export_command output). Set: every run reads it (FROM_EXPORT=gs://BUCKET/NAME) and merges the API's newer activities. Empty (the default): the job reads the API only. The run downloads the export into the container's in-memory file system, so job_memory must exceed the export's size by 512Mi."
  type        = string
  default     = ""
}

variable "alert_email" {
  description = "Email address the alert on the job's ERROR logs goes to (a notification channel is created for it). Empty: no email channel."
  type        = string
  default     = ""
}

variable "notification_channels" {
  description = "Ids of existing Cloud Monitoring notification channels (projects/P/notificationChannels/N) the alert on the job's ERROR logs also goes to."
  type        = list(string)
  default     = []
}
