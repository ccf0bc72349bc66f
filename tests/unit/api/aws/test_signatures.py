"""SigV4 checks: requests signed by botocore's own signer pass; anything else is a 403 in
the service's words (design.md, "The run endpoint speaks AWS", Security)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from headrace.api.aws.signatures import Refused, check_signature
from headrace.config.model import EndpointAuth

AUTH = EndpointAuth("AKIDHEADRACE", "s3cret")
URL = "http://10.0.0.5:4566/"
BODY = b'{"QueueName": "orders"}'
NOW = dt.datetime(2026, 12, 7, 5, 0, tzinfo=dt.UTC)


def signed(
    *, key: str = "AKIDHEADRACE", secret: str = "s3cret", service: str = "sqs", body: bytes = BODY
) -> dict[str, str]:
    """Headers of a request signed by botocore's signer (as boto3 signs it) at NOW."""
    request = AWSRequest(
        method="POST",
        url=URL,
        data=body,
        headers={"X-Amz-Target": "AmazonSQS.GetQueueUrl", "Content-Type": "application/json"},
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
        SigV4Auth(Credentials(key, secret), service, "eu-west-1").add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = "10.0.0.5:4566"
    return headers


def check(headers: dict[str, str], *, service: str = "sqs", body: bytes = BODY, now=NOW) -> None:
    check_signature(
        AUTH, service=service, method="POST", url=URL, headers=headers, body=body, now=now
    )


def test_a_request_signed_with_the_credentials_passes() -> None:
    """The region and service come from the client's own scope."""
    check(signed())


@pytest.mark.parametrize(
    ("service", "unrecognized", "mismatch"),
    [
        ("sqs", "InvalidClientTokenId", "SignatureDoesNotMatch"),
        ("kinesis", "UnrecognizedClientException", "InvalidSignatureException"),
        ("lambda", "UnrecognizedClientException", "InvalidSignatureException"),
    ],
)
def test_refusals_use_each_services_error_names(
    service: str, unrecognized: str, mismatch: str
) -> None:
    """Unknown key → the service's "unrecognized client" error; wrong secret, a changed
    body or a missing Authorization → 403 with its own name."""
    with pytest.raises(Refused) as wrong_key:
        check(signed(key="AKIDOTHER"), service=service)
    assert (wrong_key.value.code, wrong_key.value.http_status) == (unrecognized, 403)
    with pytest.raises(Refused) as wrong_secret:
        check(signed(secret="guess"), service=service)
    assert wrong_secret.value.code == mismatch
    with pytest.raises(Refused) as tampered:
        check(signed(), service=service, body=b'{"QueueName": "other"}')
    assert tampered.value.code == mismatch
    headers = signed()
    del headers["Authorization"]
    with pytest.raises(Refused) as unsigned:
        check(headers, service=service)
    assert unsigned.value.code == unrecognized


def test_a_signature_more_than_15_minutes_off_is_refused() -> None:
    """AWS allows 15 minutes of clock skew; beyond it the signature has expired."""
    check(signed(), now=NOW + dt.timedelta(minutes=14))
    with pytest.raises(Refused, match="Signature expired"):
        check(signed(), now=NOW + dt.timedelta(minutes=16))


def test_an_unsigned_host_header_is_refused() -> None:
    """A signature that does not cover Host could be replayed to another endpoint."""
    headers = signed()
    headers["Authorization"] = headers["Authorization"].replace("host;", "")
    with pytest.raises(Refused):
        check(headers)
