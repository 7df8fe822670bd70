"""The officers' workbench: server-rendered pages under /console over the same core as the API
(`api.console.site.install` adds them to the app)."""
