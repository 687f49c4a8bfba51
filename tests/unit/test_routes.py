"""Routes are unique and redirect targets stay on this site."""

from mpp_digital import routes


def test_page_routes_are_unique():
    paths = [p.path for p in routes.PAGES]
    assert len(paths) == len(set(paths))


def test_safe_next_only_allows_local_paths():
    assert routes.safe_next("/profil") == "/profil"
    for bad in ("https://evil.example", "//evil.example/x", "/\\evil.example", "", None, "javascript:alert(1)"):
        assert routes.safe_next(bad) == routes.PROFILE
