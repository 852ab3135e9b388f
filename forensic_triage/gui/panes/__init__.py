"""The panes around the central table: evidence tree, categories, detail, custody."""
