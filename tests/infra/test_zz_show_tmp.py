import re
from tests.infra.test_translations import SCHOOLS_PAGES, _h1_texts, _nav_text, compiled_catalogue, secretariat_client, school_data  # noqa
from django.urls import reverse
from django.conf import settings
import pytest

@pytest.mark.parametrize("url_name", SCHOOLS_PAGES)
def test_show(compiled_catalogue, secretariat_client, school_data, url_name):
    secretariat_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = secretariat_client.get(reverse(url_name)).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    body = html.split("<main",1)[-1]
    text = " ".join(re.sub(r"<script.*?</script>|<[^>]+>", " ", body, flags=re.S).split())
    print("\n##", url_name, "|", title, "|", _h1_texts(html), "\n", text[:600])
