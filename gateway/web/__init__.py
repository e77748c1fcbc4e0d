"""The web: thin blueprints for the public pages, the back office, its JSON API and Open311; templates/ and static/."""
