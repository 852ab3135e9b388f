"""PigeonPost: the plugin guide's tutorial plugin as a separately installable package."""
