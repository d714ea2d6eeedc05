"""servicebot tests: unit (fakes), channels (recorded payloads), contract, e2e."""
