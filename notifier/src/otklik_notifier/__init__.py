"""Otklik's desktop notifier: pairs with an Otklik server once (a code confirmed in the portal),
then shows the person's notifications on the desktop as they arrive."""

__version__ = "0.1.0"
