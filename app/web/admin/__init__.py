"""Admin pages: the server-rendered settings page, its forms, the admin session and who the admin is."""
