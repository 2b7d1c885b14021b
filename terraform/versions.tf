terraform {
  # The module uses nothing newer than Terraform 1.0: CI formats it with
  # Terraform 1.0.3, the newest release a package registry ships.
  required_version = ">= 1.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
  }
}
