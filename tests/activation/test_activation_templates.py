"""E-mail from a sample: the conversion, Vietnamese honorifics, and the sandbox refusing bad templates."""

from __future__ import annotations

import unicodedata

import pytest

from centric.activation import (
    TemplateRefusedError,
    check_template,
    given_name,
    greeting,
    honorific,
    render_email,
    template_from_sample,
)
from centric.activation._render import sample_context

SAMPLE = """Subject: Chị Lan ơi, giỏ hàng của chị đang chờ
Chào chị Lan,

Chị còn để quên vài món trong giỏ hàng:
- Áo dài lụa
- Khăn choàng

Lan ơi, đặt ngay hôm nay nhé. Cảm ơn chị!
Shop Hoa"""


def _ctx(**kw):
    ctx = sample_context()
    ctx.update(kw)
    return ctx


@pytest.mark.parametrize(
    ("name", "gender", "expected"),
    [
        ("Lê Bảo Thủy", "female", "Chào chị Thủy,"),
        ("Huỳnh Minh Sơn", "male", "Chào anh Sơn,"),
        ("Nguyễn Thị Minh Anh", "female", "Chào chị Anh,"),
        ("Trần Văn Nam", None, "Kính chào Quý khách,"),
        ("Trần Văn Nam", "other", "Kính chào Quý khách,"),
        ("", "female", "Kính chào Quý khách,"),
    ],
)
def test_greeting_uses_the_right_honorific_and_given_name(name, gender, expected):
    assert greeting(name, gender) == expected


def test_given_name_is_the_last_word_and_nfc():
    decomposed = unicodedata.normalize("NFD", "Lê Bảo Thủy")
    assert given_name(decomposed) == "Thủy"
    assert unicodedata.is_normalized("NFC", given_name(decomposed))
    assert honorific("Nữ") == "chị" and honorific("Nam") == "anh" and honorific(None) == "Quý khách"
    assert greeting("Lê Bảo Thủy", "female", "en") == "Hi Thủy,"


def test_text_sample_becomes_a_template_with_fields():
    subject, text, html = template_from_sample(SAMPLE)
    assert html is None
    assert subject == "{{ Addressee }} ơi, giỏ hàng của {{ honorific }} đang chờ"
    assert text.startswith("{{ greeting }}{% if persona_line %}\n{{ persona_line }}{% endif %}\n")
    assert "{% for p in products %}" in text and "Áo dài lụa" not in text  # the sample's list became the products
    assert "{{ given_name }} ơi, đặt ngay" in text
    assert "Cảm ơn {{ honorific }}!" in text
    assert "{{ preferences_url }}" in text  # unsubscribe footer added


def test_rendered_for_a_man_and_for_unknown_gender():
    subject, text, html = template_from_sample(SAMPLE)
    man = _ctx(
        greeting="Chào anh Sơn,",
        honorific="anh",
        Honorific="Anh",
        addressee="anh Sơn",
        Addressee="Anh Sơn",
        given_name="Sơn",
        products=[{"name": "Giày da", "category": "", "because": ""}],
        persona_line="",
    )
    em = render_email(subject, text, html, man)
    assert em.subject == "Anh Sơn ơi, giỏ hàng của anh đang chờ"
    assert em.text.splitlines()[0] == "Chào anh Sơn,"
    assert "- Giày da\n" in em.text and "Cảm ơn anh!" in em.text
    assert "<p>Chào anh Sơn,</p>" in em.html  # HTML part derived from the text
    unknown = _ctx(
        greeting="Kính chào Quý khách,",
        honorific="Quý khách",
        Honorific="Quý khách",
        addressee="Quý khách",
        Addressee="Quý khách",
        given_name="Nam",
    )
    em = render_email(subject, text, html, unknown)
    assert em.subject == "Quý khách ơi, giỏ hàng của Quý khách đang chờ"


def test_html_sample_keeps_markup_and_escapes_values():
    sample = "<html><body><p>Chào anh Minh,</p><p>Anh Minh ơi, ưu đãi mới:</p><ul><li>Giày</li></ul></body></html>"
    subject, text, html = template_from_sample(sample)
    assert text is None
    assert "<p>{{ greeting }}</p>{% if persona_line %}<p>{{ persona_line }}</p>{% endif %}" in html
    assert "<p>{{ Addressee }} ơi, ưu đãi mới:</p>" in html
    assert 'href="{{ preferences_url }}"' in html
    em = render_email(
        subject, text, html, _ctx(products=[{"name": "<script>x</script>", "category": "", "because": ""}])
    )
    assert "&lt;script&gt;x&lt;/script&gt;" in em.html and "<script>" not in em.html
    assert "Giày" not in em.html


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ("Chào {{ first_name }}", "uses the field 'first_name', which does not exist"),
        ("{{ greeting }} {{ coupon }} {{ zz }}", "uses the field 'coupon', which does not exist (also: zz)"),
        ("{{ ''.__class__.__mro__ }}", "reaches for the Python internal '__mro__'"),
        ("{{ greeting.__class__ }}", "reaches for the Python internal '__class__'"),
        ("{{ products['__len__'] }}", "reaches for the Python internal '__len__'"),
        ("{{ greeting|attr('__class__') }}", "reaches for Python internals"),
        ("{% for x in products %}{{ x.name }", "is not valid Jinja"),
    ],
)
def test_bad_templates_are_refused_with_a_clear_message(body, phrase):
    with pytest.raises(TemplateRefusedError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        check_template("Subject", body, None)


def test_missing_attribute_at_render_is_refused():
    with pytest.raises(TemplateRefusedError, match="has no attribute 'price'"):
        check_template("Hi", "{% for p in products %}{{ p.price }}{% endfor %}", None)


def test_subject_cannot_inject_headers():
    em = render_email("{{ given_name }}\r\nBcc: x@y.z", "{{ greeting }}", None, _ctx(given_name="Lan"))
    assert "\n" not in em.subject and "\r" not in em.subject
