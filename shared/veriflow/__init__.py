"""Veriflow: the package every Veriflow Lambda function imports."""


def _defer_pydantic_schema_builds() -> None:
    """Pydantic models defined from here on build their validators on first use, not when their
    class is created. FastAPI defines some fifty OpenAPI models at import that only the OpenAPI
    document uses (about a fifth of `import fastapi`), and every settings or event model of a
    domain is built even in functions that never read it. Every function imports this package
    before FastAPI, so each of them skips that work at init; a model a request uses is built
    then, once. pydantic has no public default for `defer_build`: the private table of defaults
    is set, and tests/unit/test_function_imports.py notices if it stops working."""
    try:
        from pydantic._internal._config import config_defaults
    except ImportError:  # a pydantic that moved it: models are built eagerly, as before
        return
    if "defer_build" in config_defaults:
        config_defaults["defer_build"] = True


_defer_pydantic_schema_builds()
