"""Who is calling and what they may touch: API tokens (`tokens`), the caller every request
carries (`caller`) and team isolation for every path (`teams`)."""
