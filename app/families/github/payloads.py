"""GitHub's webhook payloads for the kinds the delivery metrics and dashboards read, as GitHub
documents them ("Webhook events and payloads").

Lenient like every payload here: each field optional, unknown fields kept (GitHub adds fields
over time and sends far more than is typed). Times stay strings exactly as sent: GitHub writes
`push` commit times with their offset (`2026-11-05T10:00:00+01:00`) and others in UTC.
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

__all__ = ["GITHUB_PAYLOADS", "GitHubPayload"]


class GitHubPayload(BaseModel):
    """Base of every typed payload: lenient, keeps what it does not know."""

    model_config = ConfigDict(extra="allow", frozen=True)


class GitHubUser(GitHubPayload):
    """An account: who sent the delivery, pushed, opened or merged."""

    login: str | None = None
    id: int | None = None
    type: str | None = None


class GitHubRepository(GitHubPayload):
    id: int | None = None
    name: str | None = None
    full_name: str | None = None
    default_branch: str | None = None
    html_url: str | None = None


class GitHubCommitAuthor(GitHubPayload):
    name: str | None = None
    email: str | None = None
    username: str | None = None


class GitHubCommit(GitHubPayload):
    """A commit of a push: its id (SHA) and when it was authored, with its offset."""

    id: str | None = None
    tree_id: str | None = None
    message: str | None = None
    timestamp: str | None = None
    url: str | None = None
    distinct: bool | None = None
    author: GitHubCommitAuthor | None = None
    committer: GitHubCommitAuthor | None = None


class GitHubPushPayload(GitHubPayload):
    """Commits pushed to a branch or tag: `ref`, `before` and `after` (SHAs), each commit."""

    ref: str | None = None
    before: str | None = None
    after: str | None = None
    created: bool | None = None
    deleted: bool | None = None
    forced: bool | None = None
    compare: str | None = None
    commits: list[GitHubCommit] | None = None
    head_commit: GitHubCommit | None = None
    pusher: GitHubCommitAuthor | None = None
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


class GitHubBranchRef(GitHubPayload):
    ref: str | None = None
    sha: str | None = None
    label: str | None = None


class GitHubPullRequest(GitHubPayload):
    id: int | None = None
    number: int | None = None
    state: str | None = None
    title: str | None = None
    merged: bool | None = None
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    closed_at: str | None = None
    html_url: str | None = None
    user: GitHubUser | None = None
    merged_by: GitHubUser | None = None
    base: GitHubBranchRef | None = None
    head: GitHubBranchRef | None = None


class GitHubPullRequestPayload(GitHubPayload):
    """A pull request opened, closed (merged when `pull_request.merged`), synchronised, …"""

    action: str | None = None
    number: int | None = None
    pull_request: GitHubPullRequest | None = None
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


class GitHubDeployment(GitHubPayload):
    id: int | None = None
    sha: str | None = None
    ref: str | None = None
    task: str | None = None
    environment: str | None = None
    original_environment: str | None = None
    production_environment: bool | None = None
    transient_environment: bool | None = None
    description: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    creator: GitHubUser | None = None


class GitHubDeploymentPayload(GitHubPayload):
    """A deployment created: which commit (`deployment.sha`) to which environment."""

    action: str | None = None
    deployment: GitHubDeployment | None = None
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


class GitHubDeploymentStatus(GitHubPayload):
    id: int | None = None
    state: str | None = None
    environment: str | None = None
    description: str | None = None
    target_url: str | None = None
    log_url: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    creator: GitHubUser | None = None


class GitHubDeploymentStatusPayload(GitHubPayload):
    """A deployment's status: `deployment_status.state` is error, failure, inactive,
    in_progress, queued, pending or success."""

    action: str | None = None
    deployment_status: GitHubDeploymentStatus | None = None
    deployment: GitHubDeployment | None = None
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


class GitHubWorkflowRun(GitHubPayload):
    id: int | None = None
    name: str | None = None
    head_branch: str | None = None
    head_sha: str | None = None
    event: str | None = None
    status: str | None = None
    conclusion: str | None = None
    run_number: int | None = None
    run_attempt: int | None = None
    run_started_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    html_url: str | None = None


class GitHubWorkflowRunPayload(GitHubPayload):
    """A workflow run requested, in progress or completed (with its `conclusion`)."""

    action: str | None = None
    workflow_run: GitHubWorkflowRun | None = None
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


class GitHubRelease(GitHubPayload):
    id: int | None = None
    tag_name: str | None = None
    target_commitish: str | None = None
    name: str | None = None
    draft: bool | None = None
    prerelease: bool | None = None
    created_at: str | None = None
    published_at: str | None = None
    html_url: str | None = None
    author: GitHubUser | None = None


class GitHubReleasePayload(GitHubPayload):
    """A release published, created, edited, …"""

    action: str | None = None
    release: GitHubRelease | None = None
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


class GitHubLabel(GitHubPayload):
    id: int | None = None
    name: str | None = None


class GitHubIssue(GitHubPayload):
    id: int | None = None
    number: int | None = None
    title: str | None = None
    state: str | None = None
    labels: list[GitHubLabel] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    closed_at: str | None = None
    html_url: str | None = None
    user: GitHubUser | None = None


class GitHubIssuesPayload(GitHubPayload):
    """An issue opened, closed, labelled, …: an `incident`-labelled one is an incident."""

    action: str | None = None
    issue: GitHubIssue | None = None
    label: GitHubLabel | None = None
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


# By `X-GitHub-Event`: the kinds typed here; any other is kept as a generic GitHub event.
GITHUB_PAYLOADS: MappingProxyType[str, type[GitHubPayload]] = MappingProxyType(
    {
        "push": GitHubPushPayload,
        "pull_request": GitHubPullRequestPayload,
        "deployment": GitHubDeploymentPayload,
        "deployment_status": GitHubDeploymentStatusPayload,
        "workflow_run": GitHubWorkflowRunPayload,
        "release": GitHubReleasePayload,
        "issues": GitHubIssuesPayload,
    }
)
