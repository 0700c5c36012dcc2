"""The API tokens of the `guarded` service: two teams and an admin."""

TEAM_A, TEAM_B, ADMIN = "token-a", "token-b", "token-admin"
TOKENS = f"{TEAM_A}=team-a, {TEAM_B}=team-b, {ADMIN}=*"
