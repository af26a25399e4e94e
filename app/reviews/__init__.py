"""Annual review of contracts, and chasing personal links with reminders and expiry notices."""
