"""Structural test of the Terraform in terraform/: the least-privilege shape.

`terraform validate` needs the google provider, which cannot be downloaded
here, so this test reads the .tf files with python-hcl2 and checks what the
deployment promises (issue 6):

- no basic role (roles/owner, roles/editor, roles/viewer) anywhere;
- IAM is additive (*_iam_member) and every role is a literal, so it can be read;
- the only project-level grant is roles/bigquery.jobUser, to the job SA;
- roles/bigquery.dataEditor on the dataset only;
- no secret access at the project level;
- secretAccessor on the three secrets only, secretVersionAdder and a custom
  role holding exactly versions.disable/get/list on the refresh-token secret
  only;
- no secret value in Terraform: secrets are containers, no secret versions,
  no data source that reads one;
- a Cloud Run v2 job with one task, parallelism 1, a timeout and at most one
  retry, running `sync` with WAREHOUSE, STRAVA_SECRETS, BIGQUERY_LOCATION and
  LOG_FORMAT=json;
- one private bucket for the bulk export (uniform access, public access
  enforced off, versioning), readable (roles/storage.objectViewer) by the
  job's service account on that bucket only, and the job's FROM_EXPORT names it;
- Cloud Scheduler POSTs to that job's `:run` with an OAuth token of its own
  service account, which holds roles/run.invoker on that job and nothing else;
- the needed APIs are enabled, the provider is pinned, the syntax is
  Terraform 1.0's, variables are documented and the outputs are there;
- every checkov suppression carries a reason.

Each check is a plain function that raises AssertionError. `test_checks_pass`
runs them on the real files; `test_check_catches` runs each one on copies of
the files with a deliberate violation and expects it to fail, which proves
that every check is able to fail.

Run: pytest terraform/tests (the venv .ci/lint-deploy builds has pytest and
python-hcl2).
"""

from __future__ import annotations

import functools
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import hcl2
import pytest

TERRAFORM_DIR = Path(__file__).resolve().parent.parent
DOCKERFILE = TERRAFORM_DIR.parent / "Dockerfile"

SECRET_IDS = {"strava-client-id", "strava-client-secret", "strava-refresh-token"}
REFRESH_TOKEN = "strava-refresh-token"
ACCESSOR = "roles/secretmanager.secretAccessor"
VERSION_ADDER = "roles/secretmanager.secretVersionAdder"
# The custom role that disables superseded refresh tokens: exactly these.
TOKEN_VERSION_PERMISSIONS = {
    "secretmanager.versions.disable",
    "secretmanager.versions.get",
    "secretmanager.versions.list",
}
REQUIRED_APIS = {
    "run.googleapis.com",
    "cloudscheduler.googleapis.com",
    "secretmanager.googleapis.com",
    "bigquery.googleapis.com",
    "artifactregistry.googleapis.com",
    "iam.googleapis.com",
    "monitoring.googleapis.com",
    "storage.googleapis.com",
}
# Block types Terraform 1.0 knows at the top level of a module.
CUSTOM_ROLE_TYPE = "google_project_iam_custom_role"
TF_1_0_BLOCKS = {"terraform", "provider", "variable", "locals", "resource", "data", "output", "module"}


# --- reading the module ---------------------------------------------------------------


def _unquote(value):
    """python-hcl2 keeps the quotes of string literals; drop them, and drop its
    bookkeeping keys, so a literal reads `roles/x` and an expression `${...}`."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            return value[1:-1]
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k not in ("__is_block__", "__comments__")}
    return value


@dataclass
class Module:
    """The parsed .tf files of one directory."""

    resources: dict = field(default_factory=dict)  # (type, name) -> body
    variables: dict = field(default_factory=dict)  # name -> body
    outputs: dict = field(default_factory=dict)  # name -> body
    locals: dict = field(default_factory=dict)  # name -> value
    data: dict = field(default_factory=dict)  # (type, name) -> body
    terraform: list = field(default_factory=list)  # terraform {} bodies
    block_types: set = field(default_factory=set)  # top-level block types seen
    texts: dict = field(default_factory=dict)  # file name -> raw text

    def of_type(self, rtype: str) -> dict:
        return {name: body for (t, name), body in self.resources.items() if t == rtype}

    def iam_resources(self) -> dict:
        """Every grant (member, binding, policy); custom role definitions are not grants."""
        return {
            key: body for key, body in self.resources.items() if "_iam_" in key[0] and key[0] != CUSTOM_ROLE_TYPE
        }


@functools.lru_cache(maxsize=None)
def _parse(text: str) -> dict:
    """hcl2.loads, once per distinct text: a broken copy differs from the real
    module in one file, so the other files are parsed only once. Callers only
    read the result (_unquote builds new values)."""
    return hcl2.loads(text)


def load(directory: Path) -> Module:
    module = Module()
    for path in sorted(directory.glob("*.tf")):
        text = path.read_text()
        module.texts[path.name] = text
        raw = _parse(text)
        module.block_types |= {k for k in raw if not k.startswith("__")}
        parsed = _unquote(raw)
        for entry in parsed.get("resource", []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    assert (rtype, name) not in module.resources, f"{rtype}.{name} defined twice"
                    module.resources[(rtype, name)] = body
        for entry in parsed.get("data", []):
            for dtype, named in entry.items():
                for name, body in named.items():
                    module.data[(dtype, name)] = body
        for entry in parsed.get("variable", []):
            module.variables.update(entry)
        for entry in parsed.get("output", []):
            module.outputs.update(entry)
        for entry in parsed.get("locals", []):
            module.locals.update(entry)
        module.terraform.extend(parsed.get("terraform", []))
    assert module.resources, f"no resources found in {directory}"
    return module


def one_block(body: dict, key: str) -> dict:
    """A nested block that must appear exactly once."""
    blocks = body.get(key)
    assert isinstance(blocks, list) and len(blocks) == 1, f"expected one `{key}` block, found {blocks!r}"
    return blocks[0]


def ref(expr, rtype: str | None = None) -> tuple[str, str] | None:
    """`${TYPE.NAME.attr}` -> (TYPE, NAME); None for anything else."""
    if not isinstance(expr, str):
        return None
    m = re.fullmatch(r"\$\{([a-z0-9_]+)\.([a-z0-9_]+)\.[a-z0-9_]+\}", expr)
    if not m or (rtype and m.group(1) != rtype):
        return None
    return m.group(1), m.group(2)


def member_sa(member) -> str | None:
    """`serviceAccount:${google_service_account.NAME.email}` -> NAME."""
    if not isinstance(member, str):
        return None
    m = re.fullmatch(r"serviceAccount:\$\{google_service_account\.([a-z0-9_]+)\.email\}", member)
    return m.group(1) if m else None


def strings(value):
    """Every string anywhere in a parsed value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)


def job(module: Module) -> tuple[str, dict]:
    jobs = module.of_type("google_cloud_run_v2_job")
    assert len(jobs) == 1, f"expected one google_cloud_run_v2_job, found {sorted(jobs)}"
    return next(iter(jobs.items()))


def job_sa(module: Module) -> str:
    """Name of the google_service_account the Cloud Run job runs as."""
    _, body = job(module)
    sa = ref(one_block(one_block(body, "template"), "template").get("service_account"), "google_service_account")
    assert sa, "the Cloud Run job must run as a google_service_account of this module"
    return sa[1]


def scheduler(module: Module) -> dict:
    schedulers = module.of_type("google_cloud_scheduler_job")
    assert len(schedulers) == 1, f"expected one google_cloud_scheduler_job, found {sorted(schedulers)}"
    return next(iter(schedulers.values()))


def scheduler_sa(module: Module) -> str:
    token = one_block(one_block(scheduler(module), "http_target"), "oauth_token")
    sa = ref(token.get("service_account_email"), "google_service_account")
    assert sa, "the scheduler's OAuth token must be of a google_service_account of this module"
    return sa[1]


def secret_id_of(module: Module, expr) -> str:
    """The literal secret_id of the google_secret_manager_secret an expression names."""
    target = ref(expr, "google_secret_manager_secret")
    assert target, f"secret IAM must name a google_secret_manager_secret of this module, not {expr!r}"
    body = module.resources.get(target)
    assert body is not None, f"{expr} names no resource"
    return body["secret_id"]


def custom_role_ref(m: Module, role) -> str | None:
    """`${google_project_iam_custom_role.NAME.name}` (or .id) -> NAME, if NAME is defined here."""
    if not isinstance(role, str):
        return None
    hit = re.fullmatch(r"\$\{" + CUSTOM_ROLE_TYPE + r"\.([a-z0-9_]+)\.(name|id)\}", role)
    if hit and (CUSTOM_ROLE_TYPE, hit.group(1)) in m.resources:
        return hit.group(1)
    return None


def role_key(m: Module, role) -> str:
    """A predefined role as itself, a custom role of this module as `custom:NAME`."""
    name = custom_role_ref(m, role)
    return f"custom:{name}" if name else role


def token_versions_role(m: Module) -> str:
    """`custom:NAME` of the one custom role (the refresh-token versions role)."""
    roles = m.of_type(CUSTOM_ROLE_TYPE)
    assert len(roles) == 1, f"expected one custom role (refresh-token versions), found {sorted(roles)}"
    return f"custom:{next(iter(roles))}"


def grants(module: Module) -> set[tuple]:
    """Every IAM member as (resource kind, target, role, service account name)."""
    found = set()
    for (rtype, name), body in module.iam_resources().items():
        sa = member_sa(body.get("member")) or body.get("member") or body.get("members")
        if rtype == "google_project_iam_member":
            target = "project"
        elif rtype == "google_bigquery_dataset_iam_member":
            target = ref(body.get("dataset_id"), "google_bigquery_dataset")
        elif rtype == "google_secret_manager_secret_iam_member":
            target = secret_id_of(module, body.get("secret_id"))
        elif rtype == "google_storage_bucket_iam_member":
            target = ref(body.get("bucket"), "google_storage_bucket")
        elif rtype == "google_cloud_run_v2_job_iam_member":
            target = ref(body.get("name"), "google_cloud_run_v2_job")
        else:
            target = f"{rtype}.{name}"
        found.add((rtype, str(target), role_key(module, body.get("role")), str(sa)))
    return found


# --- the checks -------------------------------------------------------------------------


def check_no_basic_roles(m: Module):
    places = {f"{t}.{n}": body for (t, n), body in m.resources.items()}
    places.update({f"data.{t}.{n}": body for (t, n), body in m.data.items()})
    places.update({f"variable.{n}": body for n, body in m.variables.items()})
    places.update({f"local.{n}": body for n, body in m.locals.items()})
    for where, body in places.items():
        for s in strings(body):
            assert not re.search(r"roles/(owner|editor|viewer)\b", s), f"basic role {s!r} in {where}"


def check_iam_additive_and_literal(m: Module):
    for (rtype, name), body in m.iam_resources().items():
        assert rtype.endswith("_iam_member"), (
            f"{rtype}.{name}: only additive *_iam_member grants (policies and bindings are authoritative)"
        )
        assert not rtype.startswith(("google_organization_", "google_folder_", "google_service_account_iam")), (
            f"{rtype}.{name}: no organization, folder or service-account-level grants"
        )
        role = body.get("role")
        literal = isinstance(role, str) and re.fullmatch(r"roles/[A-Za-z0-9_.]+", role)
        assert literal or custom_role_ref(m, role), (
            f"{rtype}.{name}: role must be a literal predefined role or a custom role of this module, found {role!r}"
        )


def check_project_iam_only_job_user(m: Module):
    project_level = {k: v for k, v in m.iam_resources().items() if k[0].startswith("google_project_iam")}
    assert len(project_level) == 1, f"exactly one project-level grant allowed, found {sorted(project_level)}"
    (rtype, name), body = next(iter(project_level.items()))
    assert body.get("role") == "roles/bigquery.jobUser", f"{rtype}.{name}: project-level role must be jobUser"
    assert member_sa(body.get("member")) == job_sa(m), f"{rtype}.{name}: jobUser goes to the job's service account"


def check_no_project_level_secret_access(m: Module):
    """Nothing at the project level reaches Secret Manager: no secretmanager role
    and no custom role granted on the project, where it would cover every secret."""
    for (rtype, name), body in m.iam_resources().items():
        if not rtype.startswith(("google_project_iam", "google_folder_iam", "google_organization_iam")):
            continue
        role = body.get("role")
        assert "secretmanager" not in str(role), f"{rtype}.{name}: secret access granted on the project ({role})"
        assert not custom_role_ref(m, role), f"{rtype}.{name}: the custom role is granted on the project"


def check_token_versions_role(m: Module):
    """The custom role holds exactly versions.disable/get/list and is granted only
    on the refresh-token secret, to the job."""
    key = token_versions_role(m)
    body = m.resources[(CUSTOM_ROLE_TYPE, key[len("custom:"):])]
    permissions = set(body.get("permissions") or [])
    assert permissions == TOKEN_VERSION_PERMISSIONS, (
        f"custom role permissions differ: extra {sorted(permissions - TOKEN_VERSION_PERMISSIONS)}, "
        f"missing {sorted(TOKEN_VERSION_PERMISSIONS - permissions)}"
    )
    where = {(g[0], g[1], g[3]) for g in grants(m) if g[2] == key}
    expected = {("google_secret_manager_secret_iam_member", REFRESH_TOKEN, job_sa(m))}
    assert where == expected, f"the custom role must be granted on {REFRESH_TOKEN} to the job only, found {sorted(where)}"


def check_dataset_iam(m: Module):
    datasets = m.of_type("google_bigquery_dataset")
    assert len(datasets) == 1, f"expected one google_bigquery_dataset, found {sorted(datasets)}"
    ds_name, ds = next(iter(datasets.items()))
    assert "access" not in ds, "no authoritative `access` blocks on the dataset; use dataset IAM members"
    members = m.of_type("google_bigquery_dataset_iam_member")
    assert len(members) == 1, f"expected one dataset IAM member, found {sorted(members)}"
    body = next(iter(members.values()))
    assert body.get("role") == "roles/bigquery.dataEditor", "the job gets dataEditor on the dataset"
    assert ref(body.get("dataset_id"), "google_bigquery_dataset") == ("google_bigquery_dataset", ds_name)
    assert member_sa(body.get("member")) == job_sa(m), "dataEditor goes to the job's service account"
    for other in ("google_bigquery_dataset_iam_binding", "google_bigquery_dataset_iam_policy", "google_bigquery_table_iam_member"):
        assert not m.of_type(other), f"no {other}"


def check_secrets_are_containers_only(m: Module):
    secrets = m.of_type("google_secret_manager_secret")
    ids = sorted(body.get("secret_id") for body in secrets.values())
    assert ids == sorted(SECRET_IDS), f"expected the three secrets {sorted(SECRET_IDS)}, found {ids}"
    for name, body in secrets.items():
        replication = one_block(body, "replication")
        assert "auto" in replication, f"google_secret_manager_secret.{name}: automatic replication"
    versions = m.of_type("google_secret_manager_secret_version")
    assert not versions, f"no secret versions in Terraform (values would land in state): {sorted(versions)}"
    reads = [f"{t}.{n}" for (t, n) in m.data if t.startswith("google_secret_manager_secret_version")]
    assert not reads, f"no data source reads a secret value (it would land in state): {reads}"
    for (rtype, name), body in m.resources.items():
        for s in strings(body):
            assert s not in ("secret_data", "secret_data_wo"), f"{rtype}.{name} carries secret data"
    for name, body in m.variables.items():
        assert "secret" not in name.lower() and "token" not in name.lower(), (
            f"variable {name}: credentials never pass through Terraform"
        )


def check_secret_iam(m: Module):
    expected = {(sid, ACCESSOR) for sid in SECRET_IDS} | {
        (REFRESH_TOKEN, VERSION_ADDER),
        (REFRESH_TOKEN, token_versions_role(m)),
    }
    found = set()
    for name, body in m.of_type("google_secret_manager_secret_iam_member").items():
        assert member_sa(body.get("member")) == job_sa(m), f"{name}: secret access is for the job's service account only"
        found.add((secret_id_of(m, body.get("secret_id")), role_key(m, body.get("role"))))
    assert found == expected, f"secret grants differ: missing {sorted(expected - found)}, extra {sorted(found - expected)}"
    assert not any(t.startswith("google_secret_manager_secret_iam_") and not t.endswith("_member") for t, _ in m.resources)


def check_job_sa_grants_exactly(m: Module):
    sa = job_sa(m)
    (job_name, _) = job(m)
    dataset = ("google_bigquery_dataset", next(iter(m.of_type("google_bigquery_dataset"))))
    bucket = ("google_storage_bucket", next(iter(m.of_type("google_storage_bucket"))))
    expected = {
        ("google_storage_bucket_iam_member", str(bucket), "roles/storage.objectViewer", sa),
        ("google_project_iam_member", "project", "roles/bigquery.jobUser", sa),
        ("google_bigquery_dataset_iam_member", str(dataset), "roles/bigquery.dataEditor", sa),
        ("google_secret_manager_secret_iam_member", REFRESH_TOKEN, VERSION_ADDER, sa),
        ("google_secret_manager_secret_iam_member", REFRESH_TOKEN, token_versions_role(m), sa),
    } | {("google_secret_manager_secret_iam_member", sid, ACCESSOR, sa) for sid in SECRET_IDS}
    found = {g for g in grants(m) if g[3] == sa}
    assert found == expected, f"job SA grants differ: missing {sorted(expected - found)}, extra {sorted(found - expected)}"


def check_export_bucket(m: Module):
    buckets = m.of_type("google_storage_bucket")
    assert len(buckets) == 1, f"expected one google_storage_bucket (the export's), found {sorted(buckets)}"
    name, body = next(iter(buckets.items()))
    assert body.get("uniform_bucket_level_access") is True, "the export bucket needs uniform bucket-level access"
    assert body.get("public_access_prevention") == "enforced", "the export bucket must refuse public access"
    assert one_block(body, "versioning").get("enabled") is True, "the export bucket keeps object versions"
    members = m.of_type("google_storage_bucket_iam_member")
    assert len(members) == 1, f"expected one bucket IAM member, found {sorted(members)}"
    member = next(iter(members.values()))
    assert member.get("role") == "roles/storage.objectViewer", "the job only reads the export"
    assert ref(member.get("bucket"), "google_storage_bucket") == ("google_storage_bucket", name)
    assert member_sa(member.get("member")) == job_sa(m), "objectViewer goes to the job's service account"
    for other in ("google_storage_bucket_iam_binding", "google_storage_bucket_iam_policy", "google_storage_bucket_acl",
                  "google_storage_default_object_acl", "google_storage_object_acl"):
        assert not m.of_type(other), f"no {other}"
    # The job's FROM_EXPORT points into this bucket.
    _, job_body = job(m)
    container = one_block(one_block(job_body, "template"), "template")["containers"][0]
    dynamic = [d["env"] for d in container.get("dynamic", []) if "env" in d]
    values = [str(c.get("value")) for d in dynamic for c in (d.get("content") or [])]
    names = [c.get("name") for d in dynamic for c in (d.get("content") or [])]
    assert names == ["FROM_EXPORT"], f"the job's FROM_EXPORT env is a dynamic block, found {names}"
    assert values[0].startswith(f"gs://${{google_storage_bucket.{name}.name}}/"), (
        f"FROM_EXPORT must name the export bucket, found {values[0]!r}"
    )


def check_scheduler_invokes_only_this_job(m: Module):
    sa = scheduler_sa(m)
    job_name, _ = job(m)
    assert sa != job_sa(m), "the scheduler needs its own identity, not the job's"
    found = {g for g in grants(m) if g[3] == sa}
    expected = {("google_cloud_run_v2_job_iam_member", str(("google_cloud_run_v2_job", job_name)), "roles/run.invoker", sa)}
    assert found == expected, f"scheduler SA must hold run.invoker on the job only, found {sorted(found)}"
    for t in ("google_cloud_run_v2_job_iam_binding", "google_cloud_run_v2_job_iam_policy"):
        assert not m.of_type(t), f"no {t}"


def check_run_job_shape(m: Module):
    name, body = job(m)
    outer = one_block(body, "template")
    assert outer.get("task_count") == 1, "task_count must be 1"
    assert outer.get("parallelism") == 1, "parallelism must be 1"
    inner = one_block(outer, "template")
    retries = inner.get("max_retries")
    assert retries in (0, 1), f"max_retries must be 0 or 1 (exit 3 must not burn retries), found {retries!r}"
    timeout = inner.get("timeout")
    assert isinstance(timeout, str), "the job needs an explicit timeout"
    m_var = re.fullmatch(r"\$\{var\.([a-z0-9_]+)\}s", timeout)
    seconds = int(m.variables[m_var.group(1)]["default"]) if m_var else int(re.fullmatch(r"(\d+)s", timeout).group(1))
    assert 0 < seconds <= 3 * 3600, f"timeout {seconds}s must be set and below the schedule interval"
    containers = inner.get("containers")
    assert isinstance(containers, list) and len(containers) == 1, "one container"
    c = containers[0]
    assert c.get("args", ["sync"]) == ["sync"], f"the job runs `sync`, found args {c.get('args')!r}"
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    for var, prefix in (("WAREHOUSE", "bigquery:"), ("STRAVA_SECRETS", "gcp:")):
        value = env.get(var)
        assert isinstance(value, str), f"env {var} must be set"
        assert resolve_locals(m, value).startswith(prefix), f"env {var} must start with {prefix!r}, found {value!r}"
    dataset = next(iter(m.of_type("google_bigquery_dataset")), None)
    assert env.get("BIGQUERY_LOCATION") == f"${{google_bigquery_dataset.{dataset}.location}}", (
        f"env BIGQUERY_LOCATION must be the dataset's location, found {env.get('BIGQUERY_LOCATION')!r}"
    )
    assert env.get("LOG_FORMAT") == "json", "env LOG_FORMAT=json: Cloud Logging reads `severity` from JSON lines"
    # The binary must give up on a BigQuery job (and record the run) before
    # Cloud Run's SIGTERM: its job timeout is a fraction of the task's.
    bq_timeout = resolve_locals(m, str(env.get("BIGQUERY_JOB_TIMEOUT_SECS")))
    derived = re.fullmatch(r"\$\{floor\(var\.([a-z0-9_]+) / (\d+)\)\}", bq_timeout)
    assert derived and f"${{var.{derived.group(1)}}}s" == timeout and int(derived.group(2)) >= 2, (
        f"env BIGQUERY_JOB_TIMEOUT_SECS must be derived from the task timeout ({timeout}), at most half of it; found {bq_timeout!r}"
    )
    for secret_env in ("STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET", "STRAVA_REFRESH_TOKEN"):
        assert secret_env not in env, f"env {secret_env}: credentials come from Secret Manager at run time"


def check_scheduler_shape(m: Module):
    body = scheduler(m)
    job_name, job_body = job(m)
    target = one_block(body, "http_target")
    assert target.get("http_method") == "POST", "the Admin API's :run takes a POST"
    location = job_body.get("location")
    assert body.get("region") == location, "the scheduler runs in the job's region"
    expected_uri = (
        "https://run.googleapis.com/v2/projects/${var.project_id}/locations/"
        + str(location)
        + "/jobs/${google_cloud_run_v2_job."
        + job_name
        + ".name}:run"
    )
    assert target.get("uri") == expected_uri, f"scheduler URI must be {expected_uri!r}, found {target.get('uri')!r}"
    assert "oidc_token" not in target, "the Admin API takes an OAuth access token, not an OIDC token"
    token = one_block(target, "oauth_token")
    assert token.get("scope", "https://www.googleapis.com/auth/cloud-platform") == "https://www.googleapis.com/auth/cloud-platform"
    schedule = body.get("schedule")
    m_var = re.fullmatch(r"\$\{var\.([a-z0-9_]+)\}", schedule or "")
    assert m_var, "the schedule comes from a variable"
    assert m.variables[m_var.group(1)].get("default") == "0 */6 * * *", "default schedule: every 6 hours"


def check_apis_enabled(m: Module):
    enabled = set()
    for body in m.of_type("google_project_service").values():
        enabled |= set(re.findall(r'"?([a-z]+\.googleapis\.com)"?', " ".join(strings(body))))
    assert REQUIRED_APIS <= enabled, f"APIs not enabled: {sorted(REQUIRED_APIS - enabled)}"
    for name, body in m.of_type("google_project_service").items():
        assert body.get("disable_on_destroy") is False, f"google_project_service.{name}: keep APIs on destroy"


def check_versions_pinned(m: Module):
    assert len(m.terraform) == 1, "one terraform {} block"
    tf = m.terraform[0]
    assert re.fullmatch(r">= ?1\.0(\.\d+)?, ?< ?2\.0", tf.get("required_version", "")), "required_version >= 1.0, < 2.0"
    providers = one_block(tf, "required_providers")
    google = providers.get("google")
    assert google and google.get("source") == "hashicorp/google", "google provider from hashicorp/google"
    assert re.fullmatch(r"~> ?6\.\d+(\.\d+)?", google.get("version", "")), f"pin google ~> 6.x, found {google.get('version')!r}"


def check_terraform_1_0_syntax(m: Module):
    extra = m.block_types - TF_1_0_BLOCKS
    assert not extra, f"blocks Terraform 1.0 does not know: {sorted(extra)}"
    for name, text in m.texts.items():
        assert "provider::" not in text, f"{name}: provider-defined functions need Terraform 1.8"
        assert "optional(" not in text, f"{name}: optional() object attributes need Terraform 1.3"
        assert "nullable" not in text, f"{name}: `nullable` needs Terraform 1.1"
        for newer in ("moved", "import", "check", "removed"):
            assert not re.search(rf"^{newer}\s*\{{", text, re.M), f"{name}: `{newer}` blocks are newer than 1.0"


def check_variables_documented(m: Module):
    for name, body in m.variables.items():
        assert isinstance(body.get("description"), str) and len(body["description"]) > 10, f"variable {name} needs a description"
    required = {"project_id", "region", "dataset", "location", "schedule", "image_tag", "job_name"}
    assert required <= set(m.variables), f"missing variables {sorted(required - set(m.variables))}"
    assert m.variables["region"].get("default") in ("europe-west1", "us-central1")
    # One setting places the data: the dataset follows the job's region
    # unless `location` is set (personal location data stays where chosen).
    assert m.variables["location"].get("default") == "", "location defaults to empty: the dataset follows region"
    dataset = next(iter(m.of_type("google_bigquery_dataset").values()))
    where = resolve_locals(m, str(dataset.get("location")))
    assert "var.region" in where and "var.location" in where, f"the dataset's location must default to var.region, found {where!r}"


def check_outputs(m: Module):
    for name in ("job_name", "dataset", "looker_url_command"):
        assert name in m.outputs, f"output {name} missing"
        assert m.outputs[name].get("description"), f"output {name} needs a description"
    # Commands print in a form that runs as is: the job's own image (its
    # entrypoint is the binary), not a `strava-warehouse` nobody installed.
    image = "docker run --rm " + str(m.locals.get("image"))
    looker = resolve_locals(m, m.outputs["looker_url_command"].get("value", ""))
    assert looker.startswith(image + " looker-url --warehouse bigquery:"), f"looker_url_command is {looker!r}"
    login = resolve_locals(m, m.outputs["login_command"].get("value", ""))
    assert login.startswith("docker run --rm -it ") and " login --no-browser --secrets gcp:" in login, (
        f"login_command is {login!r}"
    )
    job_name, _ = job(m)
    assert m.outputs["job_name"].get("value") == "${google_cloud_run_v2_job." + job_name + ".name}"


def check_alert_on_errors(m: Module):
    policies = m.of_type("google_monitoring_alert_policy")
    assert len(policies) == 1, f"one alert policy on the job's errors, found {sorted(policies)}"
    body = next(iter(policies.values()))
    condition = one_block(one_block(body, "conditions"), "condition_matched_log")
    text = " ".join(strings(condition.get("filter")))
    job_name, _ = job(m)
    for part in ('resource.type=\\"cloud_run_job\\"', "google_cloud_run_v2_job." + job_name + ".name", "severity>=ERROR"):
        assert part in text, f"the alert's log filter lacks {part!r}: {text!r}"
    channels = " ".join(strings(body.get("notification_channels")))
    assert "var.notification_channels" in channels, f"the alert notifies var.notification_channels, found {channels!r}"


def check_checkov_skips_justified(m: Module):
    texts = dict(m.texts)
    if DOCKERFILE.exists():
        texts["Dockerfile"] = DOCKERFILE.read_text()
    for name, text in texts.items():
        for line in text.splitlines():
            if "checkov:skip" not in line:
                continue
            hit = re.search(r"checkov:skip=([A-Z0-9_]+):(.*)", line)
            assert hit, f"{name}: checkov skip without a check id and reason: {line.strip()}"
            assert len(hit.group(2).strip()) >= 40, f"{name}: skip of {hit.group(1)} needs a real reason"


def resolve_locals(m: Module, value: str) -> str:
    """Substitute `${local.X}` (one level) so a prefix can be checked."""
    return re.sub(r"\$\{local\.([a-z0-9_]+)\}", lambda h: str(m.locals.get(h.group(1), h.group(0))), value)


CHECKS = [
    check_no_basic_roles,
    check_iam_additive_and_literal,
    check_project_iam_only_job_user,
    check_no_project_level_secret_access,
    check_token_versions_role,
    check_dataset_iam,
    check_secrets_are_containers_only,
    check_secret_iam,
    check_job_sa_grants_exactly,
    check_scheduler_invokes_only_this_job,
    check_export_bucket,
    check_run_job_shape,
    check_scheduler_shape,
    check_apis_enabled,
    check_versions_pinned,
    check_terraform_1_0_syntax,
    check_variables_documented,
    check_outputs,
    check_alert_on_errors,
    check_checkov_skips_justified,
]


@pytest.fixture(scope="module")
def module() -> Module:
    return load(TERRAFORM_DIR)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__[len("check_"):])
def test_checks_pass(module, check):
    check(module)


# --- every check can fail ---------------------------------------------------------------

APPEND = None  # marker: append `new` to the file instead of replacing `old`

# (check, file, old text, new text): a violation each check must catch.
MUTATIONS = [
    (check_no_basic_roles, "iam.tf", '"roles/bigquery.dataEditor"', '"roles/editor"'),
    (check_no_basic_roles, "iam.tf", '"roles/run.invoker"', '"roles/viewer"'),
    (check_iam_additive_and_literal, "iam.tf", APPEND,
     'resource "google_project_iam_binding" "x" {\n  project = var.project_id\n  role = "roles/bigquery.jobUser"\n  members = []\n}\n'),
    (check_iam_additive_and_literal, "iam.tf", 'role    = "roles/bigquery.jobUser"', "role    = var.some_role"),
    (check_iam_additive_and_literal, "iam.tf", APPEND,
     'resource "google_service_account_iam_member" "x" {\n  service_account_id = google_service_account.job.name\n'
     '  role = "roles/iam.serviceAccountUser"\n  member = "serviceAccount:${google_service_account.scheduler.email}"\n}\n'),
    (check_project_iam_only_job_user, "iam.tf", APPEND,
     'resource "google_project_iam_member" "x" {\n  project = var.project_id\n  role = "roles/secretmanager.secretAccessor"\n'
     '  member = "serviceAccount:${google_service_account.job.email}"\n}\n'),
    (check_project_iam_only_job_user, "iam.tf", '"roles/bigquery.jobUser"', '"roles/bigquery.admin"'),
    (check_no_basic_roles, "main.tf", APPEND, 'locals {\n  fallback_role = "roles/owner"\n}\n'),
    (check_no_project_level_secret_access, "iam.tf", APPEND,
     'resource "google_project_iam_member" "x" {\n  project = var.project_id\n  role = "roles/secretmanager.secretAccessor"\n'
     '  member = "serviceAccount:${google_service_account.job.email}"\n}\n'),
    (check_no_project_level_secret_access, "iam.tf", APPEND,
     'resource "google_project_iam_member" "x" {\n  project = var.project_id\n'
     '  role = google_project_iam_custom_role.token_versions.name\n'
     '  member = "serviceAccount:${google_service_account.job.email}"\n}\n'),
    (check_token_versions_role, "iam.tf", '"secretmanager.versions.list",',
     '"secretmanager.versions.list",\n    "secretmanager.versions.destroy",'),
    (check_token_versions_role, "iam.tf",
     'google_secret_manager_secret.refresh_token.secret_id\n  role      = google_project_iam_custom_role',
     'google_secret_manager_secret.client_secret.secret_id\n  role      = google_project_iam_custom_role'),
    (check_dataset_iam, "iam.tf", '"roles/bigquery.dataEditor"', '"roles/bigquery.dataOwner"'),
    (check_dataset_iam, "bigquery.tf", "delete_contents_on_destroy = false",
     'delete_contents_on_destroy = false\n  access {\n    role          = "READER"\n    special_group = "allAuthenticatedUsers"\n  }'),
    (check_secrets_are_containers_only, "secrets.tf", APPEND,
     'resource "google_secret_manager_secret_version" "x" {\n  secret      = google_secret_manager_secret.client_id.id\n  secret_data = "12345"\n}\n'),
    (check_secrets_are_containers_only, "secrets.tf", '"strava-client-secret"', '"strava-secret"'),
    (check_secrets_are_containers_only, "secrets.tf", APPEND,
     'data "google_secret_manager_secret_version" "x" {\n  secret = google_secret_manager_secret.refresh_token.id\n}\n'),
    (check_secret_iam, "iam.tf",
     'google_secret_manager_secret.refresh_token.secret_id\n  role      = "roles/secretmanager.secretVersionAdder"',
     'google_secret_manager_secret.client_secret.secret_id\n  role      = "roles/secretmanager.secretVersionAdder"'),
    (check_secret_iam, "iam.tf",
     'google_secret_manager_secret.refresh_token.secret_id\n  role      = google_project_iam_custom_role',
     'google_secret_manager_secret.client_id.secret_id\n  role      = google_project_iam_custom_role'),
    (check_secret_iam, "iam.tf",
     "role      = google_project_iam_custom_role.token_versions.name",
     'role      = "roles/secretmanager.secretVersionManager"'),
    (check_secret_iam, "iam.tf",
     'google_secret_manager_secret.client_id.secret_id\n  role      = "roles/secretmanager.secretAccessor"',
     'google_secret_manager_secret.client_id.secret_id\n  role      = "roles/secretmanager.admin"'),
    (check_job_sa_grants_exactly, "iam.tf", APPEND,
     'resource "google_cloud_run_v2_job_iam_member" "x" {\n  location = google_cloud_run_v2_job.sync.location\n'
     '  name = google_cloud_run_v2_job.sync.name\n  role = "roles/run.developer"\n'
     '  member = "serviceAccount:${google_service_account.job.email}"\n}\n'),
    (check_scheduler_invokes_only_this_job, "iam.tf", APPEND,
     'resource "google_project_iam_member" "x" {\n  project = var.project_id\n  role = "roles/run.invoker"\n'
     '  member = "serviceAccount:${google_service_account.scheduler.email}"\n}\n'),
    (check_scheduler_invokes_only_this_job, "scheduler.tf", "google_service_account.scheduler.email",
     "google_service_account.job.email"),
    (check_export_bucket, "storage.tf", 'public_access_prevention    = "enforced"', 'public_access_prevention    = "inherited"'),
    (check_export_bucket, "storage.tf", "uniform_bucket_level_access = true", "uniform_bucket_level_access = false"),
    (check_export_bucket, "storage.tf", "enabled = true", "enabled = false"),
    (check_export_bucket, "iam.tf", '"roles/storage.objectViewer"', '"roles/storage.objectAdmin"'),
    (check_export_bucket, "run_job.tf", 'value = "gs://${google_storage_bucket.exports.name}/${env.value}"',
     'value = "gs://other-bucket/${env.value}"'),
    (check_job_sa_grants_exactly, "iam.tf", APPEND,
     'resource "google_storage_bucket_iam_member" "x" {\n  bucket = "someone-elses-bucket"\n'
     '  role = "roles/storage.objectViewer"\n  member = "serviceAccount:${google_service_account.job.email}"\n}\n'),
    (check_run_job_shape, "run_job.tf", "parallelism = 1", "parallelism = 2"),
    (check_run_job_shape, "run_job.tf", "task_count  = 1", "task_count  = 3"),
    (check_run_job_shape, "run_job.tf", "max_retries = 0", "max_retries = 3"),
    (check_run_job_shape, "run_job.tf", 'timeout = "${var.job_timeout_seconds}s"', ""),
    (check_run_job_shape, "run_job.tf", 'name  = "STRAVA_SECRETS"', 'name  = "STRAVA_SECRET"'),
    (check_run_job_shape, "run_job.tf", 'args  = ["sync"]', 'args  = ["purge", "--yes"]'),
    (check_run_job_shape, "run_job.tf", "value = google_bigquery_dataset.strava.location", 'value = "EU"'),
    (check_run_job_shape, "run_job.tf", 'value = "json"', 'value = "text"'),
    (check_scheduler_shape, "scheduler.tf", 'http_method = "POST"', 'http_method = "GET"'),
    (check_scheduler_shape, "scheduler.tf", "/jobs/${google_cloud_run_v2_job.sync.name}:run", "/jobs/other:run"),
    (check_scheduler_shape, "scheduler.tf", "oauth_token {", "oidc_token {"),
    (check_scheduler_shape, "variables.tf", '"0 */6 * * *"', '"* * * * *"'),
    (check_apis_enabled, "main.tf", '"cloudscheduler.googleapis.com",', ""),
    (check_versions_pinned, "versions.tf", '"~> 6.0"', '">= 4.0"'),
    (check_terraform_1_0_syntax, "bigquery.tf", APPEND,
     'import {\n  to = google_bigquery_dataset.strava\n  id = "projects/p/datasets/d"\n}\n'),
    (check_terraform_1_0_syntax, "variables.tf", APPEND,
     'variable "x" {\n  description = "an optional attribute"\n  type        = object({ a = optional(string, "b") })\n}\n'),
    (check_variables_documented, "variables.tf",
     '  description = "Memory limit of the job\'s container (Kubernetes quantity). One athlete\'s history fits in far less."\n', ""),
    (check_outputs, "outputs.tf", 'output "looker_url_command"', 'output "looker"'),
    (check_outputs, "outputs.tf", '"docker run --rm ${local.image} looker-url', '"strava-warehouse looker-url'),
    (check_alert_on_errors, "alerts.tf", '"severity>=ERROR",', ""),
    (check_alert_on_errors, "alerts.tf", "var.notification_channels,", "[],"),
    (check_run_job_shape, "main.tf", "floor(var.job_timeout_seconds / 3)", "var.job_timeout_seconds"),
    (check_versions_pinned, "versions.tf", '">= 1.0, < 2.0"', '">= 1.0"'),
    (check_variables_documented, "bigquery.tf", "location    = local.location", 'location    = "US"'),
    (check_checkov_skips_justified, "bigquery.tf", "#checkov:skip=CKV_GCP_81:", "#checkov:skip=CKV_GCP_81:ok\n  #"),
]


def _mutation_id(mutation) -> str:
    check, file, old, _ = mutation
    return f"{check.__name__[len('check_'):]}-{file}-{'append' if old is APPEND else 'edit'}"


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[f"{_mutation_id(m)}-{i}" for i, m in enumerate(MUTATIONS)])
def test_check_catches(tmp_path, mutation):
    check, file, old, new = mutation
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns("tests", ".terraform*", "*.tfstate*"))
    path = copy / file
    text = path.read_text()
    if old is APPEND:
        text += "\n" + new
    else:
        assert text.count(old) == 1, f"mutation anchor {old!r} must occur once in {file} (update the test)"
        text = text.replace(old, new)
    path.write_text(text)
    mutated = load(copy)
    with pytest.raises(AssertionError):
        check(mutated)


def test_every_check_has_a_mutation():
    covered = {m[0] for m in MUTATIONS}
    missing = [c.__name__ for c in CHECKS if c not in covered]
    assert not missing, f"checks no mutation proves able to fail: {missing}"
