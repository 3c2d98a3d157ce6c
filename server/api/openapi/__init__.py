"""OpenAPI fragments (YAML), one per route module; merged by server.api.docs."""
