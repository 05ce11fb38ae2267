# A constant changed: the default target temperature.
s/setting_get("target", 21\.5)/setting_get("target", 22.5)/
