"""The GraphQL documents the tests send, written as a client would write them."""

EVENT_FIELDS = """
    __typename
    ... on Event { id source type action teamId timestamp receivedAt cursor raw }
    ... on CustomLifecycleEvent { repo branch commit data }
    ... on BuildEvent { repo branch commit data }
    ... on CommentAddedEvent { actor object payload commentPayload { commentId objectType } }
    ... on CommentUpdatedEvent { commentPayload { commentId oldCommentText commentText } }
    ... on PackageCreatedEvent { packagePayload { packageName project { projectName } } }
    ... on PipelineStageCompletedEvent {
        pipelineStagePayload {
            pipelineStageExecution { executionStatus }
            environment { environmentCode }
        }
    }
    ... on ReleaseStartedEvent {
        releasePayload { startDate projects { projectName buildEnvironment { environmentCode } } }
    }
    ... on SnapshotCompletedEvent { snapshotPayload { createdOn snapshot { snapshotId } } }
    ... on TaskApprovedEvent { taskPayload { taskStatus pipelineExecution { pipelineId } } }
    ... on UserCreatedEvent { userPayload { userName groups { groupName isAdminGroup } } }
    ... on WorkItemCreatedEvent { workItemPayload { title status { name } } }
    ... on OtherFlexDeployEvent { payload }
"""

INGEST_LIFECYCLE = f"""
mutation Ingest($input: LifecycleEventInput!, $key: String) {{
    ingestLifecycleEvent(input: $input, idempotencyKey: $key) {{
        created
        event {{ {EVENT_FIELDS} }}
    }}
}}
"""

INGEST_FLEXDEPLOY = f"""
mutation Ingest($input: FlexDeployEventInput!, $key: String) {{
    ingestFlexDeployEvent(input: $input, idempotencyKey: $key) {{
        created
        event {{ {EVENT_FIELDS} }}
    }}
}}
"""

INGEST_BATCH = """
mutation Batch($lifecycle: [LifecycleEventInput!], $flexDeploy: [FlexDeployEventInput!]) {
    ingestEvents(lifecycle: $lifecycle, flexDeploy: $flexDeploy) {
        count
        events { __typename ... on Event { id type } }
    }
}
"""

EVENT_BY_ID = f"""
query One($id: ID!) {{
    event(id: $id) {{ {EVENT_FIELDS} }}
}}
"""

EVENTS_PAGE = """
query Page($limit: Int, $after: String) {
    events(limit: $limit, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { __typename ... on Event { id type timestamp cursor } } }
        nodes { __typename ... on Event { id } }
    }
}
"""
