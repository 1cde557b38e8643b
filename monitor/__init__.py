"""Watches, alerts, scheduled crawls and source health: what tells communications teams."""
