"""MQTT adapter: topic registry, publish-on-change filter, bridge thread, HA discovery, docs."""
