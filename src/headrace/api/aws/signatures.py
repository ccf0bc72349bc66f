"""SigV4 checks of AWS requests, for an endpoint bound beyond loopback.

The expected signature is computed by botocore's own signer (canonical request, string to
sign, signing key) over the headers the client says it signed, the body and the client's
credential scope, and compared in constant time. Refusals are 403s in each service's words:
an unknown or missing access key is ``UnrecognizedClientException`` (SQS:
``InvalidClientTokenId``); a wrong signature, or one more than 15 minutes off this machine's
clock, is ``InvalidSignatureException`` (SQS: ``SignatureDoesNotMatch``). Only
header-signed requests are accepted (no presigned URLs).
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Mapping

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from headrace.config.model import EndpointAuth
from headrace.errors import AwsError

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request,\s*SignedHeaders=(?P<headers>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})"
)
# How far a request's X-Amz-Date may be from this machine's clock, as AWS allows.
MAX_SKEW = dt.timedelta(minutes=15)
_UNRECOGNIZED = "The security token included in the request is invalid."
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


class Refused(AwsError):
    """A request whose signature does not check out (403)."""

    http_status = 403

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def check_signature(
    auth: EndpointAuth,
    *,
    service: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    now: dt.datetime | None = None,
) -> None:
    """Raise :class:`Refused` unless the request is signed with ``auth``'s credentials.

    ``service`` is botocore's name of the service answering (its error names differ);
    ``url`` is ``http://<Host header><path and query as sent>``.
    """
    sqs = service == "sqs"
    unrecognized = "InvalidClientTokenId" if sqs else "UnrecognizedClientException"
    mismatch = "SignatureDoesNotMatch" if sqs else "InvalidSignatureException"
    found = _AUTHORIZATION.match(headers.get("Authorization", ""))
    if found is None or not hmac.compare_digest(found["key"], auth.access_key_id):
        raise Refused(unrecognized, _UNRECOGNIZED)
    stamp = headers.get("X-Amz-Date", "")
    try:
        signed_at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise Refused(mismatch, _MISMATCH) from None
    current = now or dt.datetime.now(dt.UTC)
    if abs(current - signed_at) > MAX_SKEW or not stamp.startswith(found["date"]):
        raise Refused(mismatch, f"Signature expired: {stamp} is now earlier or later than allowed.")
    names = found["headers"].split(";")
    lowered = {k.lower(): v for k, v in headers.items()}
    if "host" not in names or any(name not in lowered for name in names):
        raise Refused(mismatch, _MISMATCH)
    request = AWSRequest(method=method, url=url, data=body, headers={n: lowered[n] for n in names})
    request.context["timestamp"] = stamp
    signer = SigV4Auth(
        Credentials(auth.access_key_id, auth.secret_access_key), found["service"], found["region"]
    )
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, found["signature"]):
        raise Refused(mismatch, _MISMATCH)
