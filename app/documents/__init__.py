"""Documents: versions, parties, personal links, agreements and the seal."""
