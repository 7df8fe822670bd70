"""Officer accounts, their jurisdiction, the audit log and the officers' dashboard."""
