"""Admin for working calendars."""
