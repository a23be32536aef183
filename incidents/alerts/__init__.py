"""Alerts in: monitoring (Alertmanager, Grafana, the Events API shape, heartbeats) as a way to
open, page and close incidents. Pure: grouping, severity mapping, the storm guard, heartbeat
due times and the words; the application (`bot/alerts`) stores and applies what they decide.
"""
