"""Offline geography for the travel marts: the gazetteer seed built from cpca's adcodes."""
