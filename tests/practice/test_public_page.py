def test_public_page_shows_the_practice_by_slug(client, practice_a, location_a):
    response = client.get(f"/p/{practice_a.slug}/")
    assert response.status_code == 200
    assert practice_a.name in response.content.decode()
    assert location_a.name in response.content.decode()


def test_unknown_practice_slug_is_404(client, practice_a):
    assert client.get("/p/no-such-practice/").status_code == 404


def test_public_page_lists_only_that_practices_locations(
    client, practice_b, location_a, location_b
):
    content = client.get(f"/p/{practice_b.slug}/").content.decode()
    assert location_b.name in content
    assert location_a.name not in content
