"""The GraphQL API of `../shared/API.md`."""
