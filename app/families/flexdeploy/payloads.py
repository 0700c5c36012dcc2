"""FlexDeploy event messages: the documented event types and their payloads.

Every payload field is optional and unknown fields are kept: FlexDeploy versions differ in
what they send. Dates inside payloads stay strings exactly as sent (FlexDeploy itself sends
`2020-58-16 …`); fields documented with two shapes are `Any`. The types are the 31 FlexDeploy
9.0 documents; where its docs show no payload, only the audit fields are typed.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["FLEXDEPLOY_PAYLOADS", "FlexDeployPayload", "canonical_flexdeploy_type"]


class FlexDeployPayload(BaseModel):
    """Base of every typed payload: lenient, keeps what it does not know."""

    model_config = ConfigDict(extra="allow", frozen=True)


class AuditedPayload(FlexDeployPayload):
    createdBy: str | None = None
    createdOn: str | None = None
    updatedBy: str | None = None
    updatedOn: str | None = None


class FlexDeployProject(FlexDeployPayload):
    projectId: int | None = None
    projectName: str | None = None


class FlexDeployEnvironment(FlexDeployPayload):
    environmentId: int | None = None
    environmentName: str | None = None
    environmentCode: str | None = None


class FlexDeployPipeline(FlexDeployPayload):
    pipelineId: int | None = None
    pipelineName: str | None = None


class FlexDeployRelease(FlexDeployPayload):
    releaseId: int | None = None
    releaseName: str | None = None
    releaseDescription: str | None = None


class FlexDeploySnapshot(FlexDeployPayload):
    snapshotId: int | None = None
    snapshotName: str | None = None
    snapshotStatus: str | None = None
    description: str | None = None
    releaseId: int | None = None


class FlexDeployStep(FlexDeployPayload):
    id: int | None = None
    executionId: int | None = None
    executionStatus: str | None = None
    isGate: bool | None = None


class FlexDeployStageExecution(FlexDeployPayload):
    stageExecutionId: int | None = None
    environmentId: int | None = None
    executionStatus: str | None = None
    startTime: str | None = None
    endTime: str | None = None
    activeStep: FlexDeployStep | None = None


class FlexDeployPipelineExecution(FlexDeployPayload):
    pipelineId: int | None = None
    pipelineExecutionId: int | None = None
    executionStatus: str | None = None
    activeStageExecution: FlexDeployStageExecution | None = None


class CommentPayload(AuditedPayload):
    commentId: int | None = None
    oldCommentText: str | None = None
    commentText: str | None = None
    objectId: int | None = None
    objectType: str | None = None


class PackagePayload(AuditedPayload):
    projectPackageId: int | None = None
    description: str | None = None
    excludePath: str | None = None
    includePath: str | None = None
    packageName: str | None = None
    packagePath: str | None = None
    packageStatus: str | None = None
    packageType: str | None = None
    projectId: int | None = None
    tests: Any = None
    testLevel: str | None = None
    versionSyntax: str | None = None
    project: FlexDeployProject | None = None


class PipelineStagePayload(FlexDeployPayload):
    pipelineExecutionId: int | None = None
    pipelineStageExecution: FlexDeployStageExecution | None = None
    pipeline: FlexDeployPipeline | None = None
    environment: FlexDeployEnvironment | None = None
    release: FlexDeployRelease | None = None
    snapshot: FlexDeploySnapshot | None = None


class FlexDeployReleaseProject(FlexDeployPayload):
    projectId: int | None = None
    projectName: str | None = None
    packageName: str | None = None
    streamName: str | None = None
    buildEnvironment: FlexDeployEnvironment | None = None
    groupName: str | None = None


class ReleasePayload(FlexDeployPayload):
    release: FlexDeployRelease | None = None
    # Epoch milliseconds in FlexDeploy 2024, a `YYYY-MM-DD` string in 2020.
    startDate: Any = None
    endDate: Any = None
    projects: list[FlexDeployReleaseProject] | None = None
    pipeline: FlexDeployPipeline | None = None


class SnapshotPayload(AuditedPayload):
    snapshot: FlexDeploySnapshot | None = None


class FlexDeployTag(FlexDeployPayload):
    tagId: int | None = None
    tagStyle: str | None = None
    tagKey: str | None = None


class TagAssignmentPayload(AuditedPayload):
    tagAssignmentId: int | None = None
    tagId: int | None = None
    tag: FlexDeployTag | None = None
    objectId: int | None = None
    objectType: str | None = None


class TaskPayload(AuditedPayload):
    taskId: int | None = None
    taskStatus: str | None = None
    taskIdentifier: str | None = None
    taskType: str | None = None
    externalId: str | None = None
    externalSystemId: Any = None
    externalSystemType: str | None = None
    taskNotes: str | None = None
    groupId: int | None = None
    roleId: int | None = None
    environment: FlexDeployEnvironment | None = None
    release: FlexDeployRelease | None = None
    pipelineExecution: FlexDeployPipelineExecution | None = None
    snapshotId: int | None = None
    workflow: Any = None
    workflowRequestId: int | None = None
    project: FlexDeployProject | None = None


class FlexDeployUserGroup(FlexDeployPayload):
    groupId: int | None = None
    groupName: str | None = None
    description: str | None = None
    isActive: bool | None = None
    isAdminGroup: bool | None = None


class UserPayload(AuditedPayload):
    userId: int | None = None
    email: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    userName: str | None = None
    isActive: bool | None = None
    localUser: bool | None = None
    loginFailedAttempts: int | None = None
    groups: list[FlexDeployUserGroup] | None = None
    extGroups: list[Any] | None = None


class FlexDeployWorkItemType(FlexDeployPayload):
    name: str | None = None
    code: str | None = None


class FlexDeployWorkItemStatus(FlexDeployPayload):
    id: int | None = None
    name: str | None = None


class FlexDeployWorkItemUser(FlexDeployPayload):
    id: int | None = None
    userName: str | None = None
    email: str | None = None


class WorkItemPayload(AuditedPayload):
    flxWorkItemId: int | None = None
    workItemNumber: str | None = None
    title: str | None = None
    description: str | None = None
    type: FlexDeployWorkItemType | None = None
    status: FlexDeployWorkItemStatus | None = None
    assignee: FlexDeployWorkItemUser | None = None
    tags: Any = None
    customFields: list[Any] | None = None
    workItemUpdates: Any = None


class WorkflowPayload(AuditedPayload):
    """The docs elide this payload; only the fields every FlexDeploy payload shares are typed."""


class BranchPayload(AuditedPayload):
    """A project branch; the message's `object` is its `projectBranchId` as a string."""

    projectBranchId: int | None = None
    branchName: str | None = None
    description: str | None = None
    versionSyntax: str | None = None
    # The docs show no value for the flag; pydantic's bool takes `Y`/`N` and `1`/`0` too.
    mainBranchFlag: bool | None = None
    attribute1: str | None = None
    attribute2: str | None = None
    attribute3: str | None = None
    lastDiscoveredOn: str | None = None
    project: FlexDeployProject | None = None


class FlexDeployFolder(FlexDeployPayload):
    folderId: int | None = None
    folderPath: str | None = None


class ProjectPayload(FlexDeployPayload):
    """A project, as documented for Project Deleted; Created, Activated and Inactivated match."""

    projectId: int | None = None
    projectName: str | None = None
    projectType: str | None = None
    scmType: str | None = None
    description: str | None = None
    # No value shown in the docs either; pydantic's bool takes `Y`/`N` and `1`/`0` too.
    active: bool | None = None
    folder: FlexDeployFolder | None = None


class FlexDeployReleaseWorkItem(FlexDeployPayload):
    workItemId: int | None = None


class ReleaseContentPayload(FlexDeployPayload):
    """A release's content after a change: once per shopping-cart change set, otherwise once
    per project or work item added or removed.

    The docs name the added work items without a field name, so they stay in `payload` only.
    """

    release: FlexDeployRelease | None = None
    projects: list[FlexDeployReleaseProject] | None = None
    workItems: list[FlexDeployReleaseWorkItem] | None = None
    # Elided in the docs (`[…]`), so not assumed to be shaped like `projects`.
    addedProjects: list[Any] | None = None


class ErrorPayload(AuditedPayload):
    """The docs show no payload; only the fields every FlexDeploy payload shares are typed."""


class PipelineVersionPayload(AuditedPayload):
    """The docs show no payload; only the fields every FlexDeploy payload shares are typed."""


class ReleaseUpdatePayload(AuditedPayload):
    """The docs show no payload; only the fields every FlexDeploy payload shares are typed."""


class WorkflowVersionPayload(AuditedPayload):
    """The docs show no payload; only the fields every FlexDeploy payload shares are typed."""


class WorkItemUpdatePayload(AuditedPayload):
    """The docs show no payload; only the fields every FlexDeploy payload shares are typed."""


_PAYLOADS: dict[str, type[FlexDeployPayload]] = {
    "Branch Activated": BranchPayload,
    "Branch Created": BranchPayload,
    "Branch Deleted": BranchPayload,
    "Branch Inactivated": BranchPayload,
    "Comment Added": CommentPayload,
    "Comment Updated": CommentPayload,
    "Comment Deleted": CommentPayload,
    "Error Occurred": ErrorPayload,
    "Package Created": PackagePayload,
    "Package Status Updated": PackagePayload,
    "Pipeline Stage Completed": PipelineStagePayload,
    "Pipeline Version Activated": PipelineVersionPayload,
    "Project Created": ProjectPayload,
    "Project Activated": ProjectPayload,
    "Project Inactivated": ProjectPayload,
    "Project Deleted": ProjectPayload,
    "Release Content Changed": ReleaseContentPayload,
    "Release Started": ReleasePayload,
    "Release Ended": ReleasePayload,
    "Release Updated": ReleaseUpdatePayload,
    "Snapshot Completed": SnapshotPayload,
    "Tag Assigned": TagAssignmentPayload,
    "Tag Unassigned": TagAssignmentPayload,
    "Task Created": TaskPayload,
    "Task Approved": TaskPayload,
    "Task Rejected": TaskPayload,
    "User Created": UserPayload,
    "Workflow Completed": WorkflowPayload,
    "Workflow Version Activated": WorkflowVersionPayload,
    "Work Item Created": WorkItemPayload,
    "Work Item Updated": WorkItemUpdatePayload,
}

FLEXDEPLOY_PAYLOADS = MappingProxyType(_PAYLOADS)
_BY_FOLDED_NAME = {" ".join(name.lower().split()): name for name in _PAYLOADS}


def canonical_flexdeploy_type(event_type: str) -> str | None:
    """The documented type `event_type` spells (ignoring case and spacing), or None."""
    return _BY_FOLDED_NAME.get(" ".join(event_type.lower().split()))
