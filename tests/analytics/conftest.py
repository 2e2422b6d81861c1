from tests.analytics.fixtures import known, known_any, known_engine, known_template  # noqa: F401
