terraform {
  # The module uses nothing newer than Terraform 1.0: CI formats it with
  # Terraform 1.0.3, the newest release a package registry ships. Bounded
  # above so that a future major release cannot change its meaning unseen.
  #
  # No .terraform.lock.hcl is committed: the lock file records the provider's
  # checksums, which only `terraform init` against the provider registry can
  # compute, and this repository's CI runs offline. The first `terraform
  # init` writes one; commit it in your deployment's copy.
  required_version = ">= 1.0, < 2.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
  }
}
