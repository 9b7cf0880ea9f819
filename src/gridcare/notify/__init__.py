"""Notifications: one outbox for browser pop-ups, SMS, voice calls, email and WeCom robots."""
