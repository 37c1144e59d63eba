"""The web page for people: a claim or an article in, the verdicts and their evidence out (served at ``/``)."""
