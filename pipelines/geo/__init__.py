"""Geocoding: event locations resolved to gazetteer places in the article's context."""
