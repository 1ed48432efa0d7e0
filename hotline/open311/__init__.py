"""Open311 GeoReport v2 server (http://wiki.open311.org/GeoReport_v2) at /open311/v2:
existing 311 clients list our services and file and follow requests."""
