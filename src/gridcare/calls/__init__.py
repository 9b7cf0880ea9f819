"""Calls: CTI events from any PBX, screen pop, call routing, local repair lines, statistics and QA."""
