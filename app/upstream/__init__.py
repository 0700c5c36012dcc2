"""Where the service leans on more of a library than its documented API: one module per library.

Each module's docstring lists every such reach into its library, why no documented hook does
the job (most are memory or CPU measured per socket), and the version it was read from. Each
reach has a guard in tests/upstream/ that fails, naming the upstream change, once a new version
moves what it relies on; pyproject.toml bounds these libraries below their next release that
may do so. The rest of app/ goes through these modules for what they cover.
"""
