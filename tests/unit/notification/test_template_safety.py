"""Templates are written by staff and filled with customers' own text: the sandbox refuses
reaching into Python objects, and HTML bodies escape what customers typed (ASVS 5.2.5, 5.3.1)."""

from __future__ import annotations

import pytest

from omni_kit.errors import InvalidArgument
from omni_notification.domain.common import ContactChannel
from omni_notification.domain.templates import Template, render


def template(**texts: str) -> Template:
    return Template(channel=ContactChannel.EMAIL, language="en", subject="Hello", **texts)


def test_customer_text_is_escaped_in_html_and_kept_in_plain_text():
    typed = '<script>alert("x")</script> & <b>Ola</b>'
    message = render(
        template(body="Hi {{ name }}", html_body="<p>Hi {{ name }}</p>"), {"name": typed}
    )
    assert "<script>" not in message.html_body
    assert "&lt;script&gt;" in message.html_body and "&amp;" in message.html_body
    assert message.body == f"Hi {typed}"  # plain text is not HTML: nothing to escape


@pytest.mark.parametrize(
    "expression",
    [
        "{{ name.__class__.__mro__ }}",
        "{{ name.__class__.__base__.__subclasses__() }}",
        "{{ name.__init__.__globals__ }}",
        "{{ name.format.__globals__ }}",
    ],
)
def test_the_sandbox_refuses_reaching_into_python(expression):
    with pytest.raises(InvalidArgument) as refused:
        render(template(body=expression), {"name": "Ola"})
    assert refused.value.reason == "TEMPLATE_RENDER_ERROR"
