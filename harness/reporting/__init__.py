"""`harness-report`: a sweep's runs -> a self-contained report (REPORT.md, PNG figures, CSV tables)."""
