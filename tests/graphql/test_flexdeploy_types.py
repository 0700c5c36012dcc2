"""Every event type FlexDeploy 9.0 documents is its own union member, with its payload typed."""

from __future__ import annotations

from typing import Any

from app.families.flexdeploy.payloads import FLEXDEPLOY_PAYLOADS
from app.graphql.payloads import payload_field_name
from tests.utils.service import RunningService

# Per type, one field its typed payload documents: its path there and a value to send.
DOCUMENTED_FIELD: dict[str, tuple[tuple[str, ...], Any]] = {
    "Branch Activated": (("branchName",), "hotfix"),
    "Branch Created": (("branchName",), "release/9.0"),
    "Branch Deleted": (("project", "projectName"), "HR Payroll"),
    "Branch Inactivated": (("projectBranchId",), 10461),
    "Comment Added": (("commentId",), 1913),
    "Comment Updated": (("oldCommentText",), "test3"),
    "Comment Deleted": (("objectType",), "WORK_ITEM"),
    "Error Occurred": (("createdBy",), "fdadmin"),
    "Package Created": (("packageName",), "XXHR-10089"),
    "Package Status Updated": (("packageStatus",), "INACTIVE"),
    "Pipeline Stage Completed": (("pipelineStageExecution", "executionStatus"), "FAILED"),
    "Pipeline Version Activated": (("updatedBy",), "release.manager"),
    "Project Created": (("projectName",), "HR Payroll"),
    "Project Activated": (("active",), True),
    "Project Inactivated": (("active",), False),
    "Project Deleted": (("folder", "folderPath"), "/FlexDeploy/HR"),
    "Release Content Changed": (("release", "releaseName"), "Q4 HR"),
    "Release Started": (("release", "releaseId"), 90210),
    "Release Ended": (("pipeline", "pipelineName"), "HR Pipeline"),
    "Release Updated": (("updatedOn",), "2023-10-18 05:45:44 -0500"),
    "Snapshot Completed": (("snapshot", "snapshotStatus"), "COMPLETED"),
    "Tag Assigned": (("tag", "tagKey"), "urgent"),
    "Tag Unassigned": (("objectId",), 33313),
    "Task Created": (("taskType",), "APPROVAL"),
    "Task Approved": (("taskStatus",), "APPROVED"),
    "Task Rejected": (("environment", "environmentCode"), "PROD"),
    "User Created": (("userName",), "jdoe"),
    "Workflow Completed": (("createdOn",), "2023-10-18 05:45:44 -0500"),
    "Workflow Version Activated": (("updatedBy",), "build.admin"),
    "Work Item Created": (("title",), "Payroll rounding"),
    "Work Item Updated": (("createdBy",), "jdoe"),
}

# The three payloads 9.0 documents that the seed lacks, sent in full to come back whole.
FULL_PAYLOADS: dict[str, tuple[dict[str, Any], str]] = {
    "Branch Created": (
        {
            "createdBy": "fdadmin",
            "createdOn": "2023-10-18 05:45:44 -0500",
            "updatedBy": "fdadmin",
            "updatedOn": "2023-10-18 05:45:44 -0500",
            "project": {"projectId": 195743, "projectName": "HR Payroll"},
            "description": "9.0 release line",
            "versionSyntax": "9.0.#",
            "projectBranchId": 10461,
            "attribute1": "a1",
            "attribute2": None,
            "attribute3": "a3",
            "mainBranchFlag": False,
            "branchName": "release/9.0",
            "lastDiscoveredOn": None,
        },
        """createdBy createdOn updatedBy updatedOn project { projectId projectName }
        description versionSyntax projectBranchId attribute1 attribute2 attribute3
        mainBranchFlag branchName lastDiscoveredOn""",
    ),
    "Project Deleted": (
        {
            "description": "Payroll calculations",
            "active": True,
            "folder": {"folderId": 17, "folderPath": "/FlexDeploy/HR"},
            "projectName": "HR Payroll",
            "projectId": 195743,
            "projectType": "PARTIAL_JDBC",
            "scmType": "GIT",
        },
        """description active folder { folderId folderPath } projectName projectId
        projectType scmType""",
    ),
    "Release Content Changed": (
        {
            "release": {"releaseId": 90210, "releaseName": "Q4 HR", "releaseDescription": None},
            "projects": [
                {
                    "projectId": 195743,
                    "projectName": "HR Payroll",
                    "packageName": "XXHR-10089",
                    "streamName": "main",
                    "buildEnvironment": {
                        "environmentId": 3,
                        "environmentName": "Build",
                        "environmentCode": "503BUILD",
                    },
                    "groupName": None,
                }
            ],
            "workItems": [{"workItemId": 33313}, {"workItemId": 33314}],
            "addedProjects": [{"projectId": 195743}],
        },
        """release { releaseId releaseName releaseDescription }
        projects {
            projectId projectName packageName streamName groupName
            buildEnvironment { environmentId environmentName environmentCode }
        }
        workItems { workItemId } addedProjects""",
    ),
}

INGEST = """
mutation Batch($flexDeploy: [FlexDeployEventInput!]) {
    ingestEvents(flexDeploy: $flexDeploy) { count }
}
"""


def member_name(event_type: str) -> str:
    return event_type.title().replace(" ", "") + "Event"


def nested(path: tuple[str, ...], leaf: Any) -> Any:
    """`leaf` under `path`, as a payload (or an answer) holds it."""
    for key in reversed(path):
        leaf = {key: leaf}
    return leaf


def selection(path: tuple[str, ...]) -> str:
    return " { ".join(path) + " }" * (len(path) - 1)


def message(event_type: str) -> dict[str, Any]:
    path, value = DOCUMENTED_FIELD[event_type]
    payload = FULL_PAYLOADS[event_type][0] if event_type in FULL_PAYLOADS else nested(path, value)
    return {
        "eventType": event_type,
        "actor": "fdadmin",
        "object": "10461" if event_type.startswith("Branch ") else event_type,
        "timestamp": "2023-10-18 05:45:44 -0500",
        "payload": payload,
    }


def read_query() -> str:
    fragments = []
    for event_type, model in FLEXDEPLOY_PAYLOADS.items():
        path, _ = DOCUMENTED_FIELD[event_type]
        fields = FULL_PAYLOADS[event_type][1] if event_type in FULL_PAYLOADS else selection(path)
        fragments.append(
            f"... on {member_name(event_type)} {{ {payload_field_name(model)} {{ {fields} }} }}"
        )
    return f"""
    query All {{
        flexDeployEvents(limit: 100) {{
            nodes {{ __typename ... on Event {{ type }} {" ".join(fragments)} }}
        }}
    }}
    """


async def test_each_documented_type_reads_back_as_its_own_member(
    service: RunningService,
) -> None:
    sent = [message(event_type) for event_type in FLEXDEPLOY_PAYLOADS]

    ingested = await service.graphql(INGEST, flexDeploy=sent)
    read = await service.graphql(read_query())

    assert ingested.errors == []
    assert ingested.data["ingestEvents"]["count"] == 31
    assert read.errors == []
    by_type = {node["type"]: node for node in read.data["flexDeployEvents"]["nodes"]}
    assert sorted(by_type) == sorted(DOCUMENTED_FIELD)
    for event_type, model in FLEXDEPLOY_PAYLOADS.items():
        node = by_type[event_type]
        assert node["__typename"] == member_name(event_type)
        typed = node[payload_field_name(model)]
        path, value = DOCUMENTED_FIELD[event_type]
        if event_type in FULL_PAYLOADS:
            assert typed == FULL_PAYLOADS[event_type][0], event_type
        else:
            assert typed == nested(path, value), event_type
