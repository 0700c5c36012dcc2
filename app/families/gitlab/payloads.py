"""GitLab's webhook bodies for the kinds the delivery metrics and dashboards read, as GitLab
documents them ("Webhook events").

Lenient like every payload here: each field optional, unknown fields kept (GitLab adds fields
from release to release). Times stay strings exactly as sent: GitLab writes them in three
forms across its hooks (`2026-11-05T09:12:00+01:00` for commits, `2026-11-05 08:12:41 UTC` for
pipelines, `2026-11-05 10:00:00 +0100` for deployments).
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

__all__ = ["GITLAB_PAYLOADS", "GitLabPayload"]


class GitLabPayload(BaseModel):
    """Base of every typed payload: lenient, keeps what it does not know."""

    model_config = ConfigDict(extra="allow", frozen=True)


class GitLabUser(GitLabPayload):
    """Who triggered the hook."""

    id: int | None = None
    name: str | None = None
    username: str | None = None


class GitLabProject(GitLabPayload):
    id: int | None = None
    name: str | None = None
    path_with_namespace: str | None = None
    default_branch: str | None = None
    web_url: str | None = None


class GitLabAuthor(GitLabPayload):
    name: str | None = None
    email: str | None = None


class GitLabCommit(GitLabPayload):
    """A commit: its id (SHA) and when it was authored, with its offset."""

    id: str | None = None
    message: str | None = None
    title: str | None = None
    timestamp: str | None = None
    url: str | None = None
    author: GitLabAuthor | None = None


class GitLabPushPayload(GitLabPayload):
    """Commits pushed to a branch: `ref`, `before` and `after`, `checkout_sha` (null when the
    branch was deleted), the newest 20 commits oldest first (`total_commits_count` says how
    many there were)."""

    object_kind: str | None = None
    before: str | None = None
    after: str | None = None
    ref: str | None = None
    checkout_sha: str | None = None
    user_username: str | None = None
    user_name: str | None = None
    project_id: int | None = None
    project: GitLabProject | None = None
    commits: list[GitLabCommit] | None = None
    total_commits_count: int | None = None


class GitLabMergeRequest(GitLabPayload):
    id: int | None = None
    iid: int | None = None
    title: str | None = None
    state: str | None = None
    action: str | None = None
    source_branch: str | None = None
    target_branch: str | None = None
    merge_commit_sha: str | None = None
    last_commit: GitLabCommit | None = None
    created_at: str | None = None
    updated_at: str | None = None
    url: str | None = None


class GitLabMergeRequestPayload(GitLabPayload):
    """A merge request opened, updated, approved, merged (`action: merge`), closed, …"""

    object_kind: str | None = None
    user: GitLabUser | None = None
    project: GitLabProject | None = None
    object_attributes: GitLabMergeRequest | None = None


class GitLabPipeline(GitLabPayload):
    id: int | None = None
    iid: int | None = None
    ref: str | None = None
    tag: bool | None = None
    sha: str | None = None
    before_sha: str | None = None
    source: str | None = None
    status: str | None = None
    detailed_status: str | None = None
    stages: list[str] | None = None
    created_at: str | None = None
    finished_at: str | None = None
    duration: int | None = None
    url: str | None = None


class GitLabPipelinePayload(GitLabPayload):
    """A pipeline's status changed: `object_attributes.status` is created, pending, running,
    success, failed, canceled, skipped, …"""

    object_kind: str | None = None
    object_attributes: GitLabPipeline | None = None
    user: GitLabUser | None = None
    project: GitLabProject | None = None
    commit: GitLabCommit | None = None


class GitLabDeploymentPayload(GitLabPayload):
    """A deployment's status changed: `status` is running, success, failed or canceled, at
    `status_changed_at`; `environment_tier` says whether the environment is production."""

    object_kind: str | None = None
    status: str | None = None
    status_changed_at: str | None = None
    deployment_id: int | None = None
    deployable_id: int | None = None
    deployable_url: str | None = None
    environment: str | None = None
    environment_tier: str | None = None
    environment_slug: str | None = None
    environment_external_url: str | None = None
    project: GitLabProject | None = None
    short_sha: str | None = None
    user: GitLabUser | None = None
    commit_url: str | None = None
    commit_title: str | None = None
    ref: str | None = None


class GitLabLabel(GitLabPayload):
    id: int | None = None
    title: str | None = None


class GitLabIssue(GitLabPayload):
    id: int | None = None
    iid: int | None = None
    title: str | None = None
    state: str | None = None
    action: str | None = None
    labels: list[GitLabLabel] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    closed_at: str | None = None
    url: str | None = None


class GitLabIssuePayload(GitLabPayload):
    """An issue opened, updated, closed or reopened (`object_attributes.action`)."""

    object_kind: str | None = None
    user: GitLabUser | None = None
    project: GitLabProject | None = None
    object_attributes: GitLabIssue | None = None
    labels: list[GitLabLabel] | None = None


# By `X-Gitlab-Event`: the kinds typed here; any other is kept as a generic GitLab event.
GITLAB_PAYLOADS: MappingProxyType[str, type[GitLabPayload]] = MappingProxyType(
    {
        "Push Hook": GitLabPushPayload,
        "Merge Request Hook": GitLabMergeRequestPayload,
        "Pipeline Hook": GitLabPipelinePayload,
        "Deployment Hook": GitLabDeploymentPayload,
        "Issue Hook": GitLabIssuePayload,
    }
)
