"""Built-in plugins. They are loaded through the same `forensic_triage.plugins` entry-point
group as third-party plugins, and serve as the SDK's worked examples."""
