"""Staff: the people who run supervision, signed in by emailed link, each seeing only what their role allows."""
