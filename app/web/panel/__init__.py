"""The widget/panel API: widget session exchange, panel read, refresh-now."""
