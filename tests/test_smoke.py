from conftest import SiteDir


def test_minimal_site_builds(site: SiteDir) -> None:
    result = site.run("build")
    assert result.code == 0, result.err
    assert (site.public / "briefings" / "patrols" / "index.html").is_file()
