"""Templates over real gRPC against the real store: validated at save, previewed with fallback."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import struct_pb2

from omni.common.v1 import common_pb2
from omni.notification.v1 import notification_pb2 as N
from omni_kit.errors import error_details

READY = "omni.order.order.ready_for_pickup"
EMAIL = common_pb2.CONTACT_CHANNEL_EMAIL
SMS = common_pb2.CONTACT_CHANNEL_SMS


@pytest.fixture
async def stub(start_app, notification_stub):
    return notification_stub(await start_app("notification", seed_templates=False))


def ready_template(language: str = "en", body: str = "Code {{ pickup_code }}") -> N.Template:
    return N.Template(event_type=READY, channel=SMS, language=language, body=body, urgent=True)


def variables(**values: object) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


async def test_a_template_is_saved_versioned_read_listed_and_deleted(stub):
    first = (await stub.UpsertTemplate(N.UpsertTemplateRequest(template=ready_template()))).template
    assert first.id.startswith("tpl_")
    assert first.version == 1
    assert list(first.variables) == ["pickup_code"]
    assert first.purpose == common_pb2.CONTACT_PURPOSE_TRANSACTIONAL

    replaced = (
        await stub.UpsertTemplate(
            N.UpsertTemplateRequest(
                template=ready_template(body="Pickup {{ pickup_code }} for {{ order_number }}"),
                expected_version=1,
            )
        )
    ).template
    assert (replaced.id, replaced.version) == (first.id, 2)

    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await stub.UpsertTemplate(
            N.UpsertTemplateRequest(template=ready_template(), expected_version=1)
        )
    assert stale.value.code() == grpc.StatusCode.ABORTED

    got = (await stub.GetTemplate(N.GetTemplateRequest(template_id=first.id))).template
    assert got.body == "Pickup {{ pickup_code }} for {{ order_number }}"

    await stub.UpsertTemplate(N.UpsertTemplateRequest(template=ready_template("de")))
    await stub.UpsertTemplate(N.UpsertTemplateRequest(template=ready_template("fr")))
    page = await stub.ListTemplates(N.ListTemplatesRequest(page_size=2, event_type=READY))
    rest = await stub.ListTemplates(
        N.ListTemplatesRequest(page_size=2, event_type=READY, page_token=page.next_page_token)
    )
    assert len(page.templates) == 2
    assert not rest.next_page_token
    listed = {t.language for t in [*page.templates, *rest.templates]}
    assert listed == {"en", "de", "fr"}
    only_de = await stub.ListTemplates(N.ListTemplatesRequest(language="de"))
    assert [t.language for t in only_de.templates] == ["de"]

    await stub.DeleteTemplate(N.DeleteTemplateRequest(template_id=first.id))
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await stub.GetTemplate(N.GetTemplateRequest(template_id=first.id))
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


async def test_an_unknown_variable_is_refused_at_save_naming_it(stub):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.UpsertTemplate(
            N.UpsertTemplateRequest(template=ready_template(body="Hi {{ pikcup_code }}"))
        )
    details = error_details(refused.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.reason == "UNKNOWN_VARIABLE"
    assert details.field == "template.body"
    assert details.metadata["variable"] == "pikcup_code"
    assert "pikcup_code" in details.message
    listed = await stub.ListTemplates(N.ListTemplatesRequest())
    assert not listed.templates


@pytest.mark.parametrize(
    ("template", "field"),
    [
        (N.Template(event_type="", channel=SMS, language="en", body="x"), "template.event_type"),
        (
            N.Template(event_type="no.such", channel=SMS, language="en", body="x"),
            "template.event_type",
        ),
        (N.Template(event_type=READY, channel=0, language="en", body="x"), "template.channel"),
        (
            N.Template(event_type=READY, channel=SMS, language="english!", body="x"),
            "template.language",
        ),
        (N.Template(event_type=READY, channel=SMS, language="en", body=" "), "template.body"),
        (N.Template(event_type=READY, channel=EMAIL, language="en", body="x"), "template.subject"),
        (
            N.Template(event_type=READY, channel=SMS, language="en", body="{% if %}"),
            "template.body",
        ),
    ],
)
async def test_bad_templates_are_refused_naming_the_field(stub, template, field):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.UpsertTemplate(N.UpsertTemplateRequest(template=template))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == field


async def test_preview_falls_back_to_the_base_then_the_fallback_language(stub):
    english = (
        await stub.UpsertTemplate(N.UpsertTemplateRequest(template=ready_template()))
    ).template
    await stub.UpsertTemplate(
        N.UpsertTemplateRequest(template=ready_template("pt", "Código {{ pickup_code }}"))
    )
    sample = variables(pickup_code="K7Q2")

    brazil = await stub.PreviewTemplate(
        N.PreviewTemplateRequest(template_id=english.id, variables=sample, language="pt-BR")
    )
    assert (brazil.rendered.language, brazil.rendered.body) == ("pt", "Código K7Q2")

    japanese = await stub.PreviewTemplate(
        N.PreviewTemplateRequest(template_id=english.id, variables=sample, language="ja")
    )
    assert (japanese.rendered.language, japanese.rendered.body) == ("en", "Code K7Q2")

    inline = await stub.PreviewTemplate(
        N.PreviewTemplateRequest(
            template=N.Template(
                event_type=READY,
                channel=EMAIL,
                language="en",
                subject="Ready: {{ order_number }}",
                body="x",
                html_body="<p>{{ order_number }}</p>",
            ),
            variables=variables(order_number="<b>A-1</b>"),
        )
    )
    assert inline.rendered.subject == "Ready: <b>A-1</b>"
    assert inline.rendered.html_body == "<p>&lt;b&gt;A-1&lt;/b&gt;</p>"


async def test_preview_names_a_missing_variable_and_the_sandbox_blocks_internals(stub):
    english = (
        await stub.UpsertTemplate(N.UpsertTemplateRequest(template=ready_template()))
    ).template
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.PreviewTemplate(N.PreviewTemplateRequest(template_id=english.id))
    assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(missing.value).field == "variables.pickup_code"

    with pytest.raises(grpc.aio.AioRpcError) as unsafe:
        await stub.PreviewTemplate(
            N.PreviewTemplateRequest(
                template=N.Template(
                    event_type="staff.note",
                    channel=SMS,
                    language="en",
                    body="{{ code.__class__.__mro__[1].__subclasses__() }}",
                ),
                variables=variables(code="x"),
            )
        )
    assert unsafe.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "unsafe" in unsafe.value.details() or "__class__" in unsafe.value.details()


async def test_a_replaced_template_keeps_nothing_the_new_one_leaves_empty(stub):
    first = N.Template(
        event_type=READY,
        channel=common_pb2.CONTACT_CHANNEL_EMAIL,
        language="en",
        subject="Ready: {{ order_number }}",
        body="Code {{ pickup_code }}",
        html_body="<p>Code {{ pickup_code }}</p>",
        urgent=True,
    )
    saved = (await stub.UpsertTemplate(N.UpsertTemplateRequest(template=first))).template
    plain = N.Template(
        event_type=READY,
        channel=common_pb2.CONTACT_CHANNEL_EMAIL,
        language="en",
        subject="Ready",
        body="Code",
    )
    replaced = (
        await stub.UpsertTemplate(N.UpsertTemplateRequest(template=plain, expected_version=1))
    ).template
    got = (await stub.GetTemplate(N.GetTemplateRequest(template_id=saved.id))).template
    for template in (replaced, got):
        assert (template.subject, template.body, template.html_body) == ("Ready", "Code", "")
        assert not template.urgent
        assert list(template.variables) == []
