"""Reaching real AWS services: clients, retries with jitter, and AWS's errors in headrace's tree.

Everything here needs the ``aws`` extra (``pip install 'headrace[aws]'``: aiobotocore); the
modules import it lazily, so a config without real AWS sources never needs it.

- :mod:`headrace.aws.clients` -- the client factory: the standard credential chain, the
  endpoint (``AWS_ENDPOINT_URL`` or the config's ``aws: {endpoint_url}``), the region from
  the resource's ARN.
- :mod:`headrace.aws.aws_errors` -- what a failed call means: transient (retry), missing,
  denied, or other; AWS's message in the form Lambda shows it.
- :mod:`headrace.aws.aws_retry` -- exponential backoff with full jitter on the injected clock.
- :mod:`headrace.aws.sqs_api` -- one SQS queue's API calls, typed, retried and translated.
- :mod:`headrace.aws.visibility` -- keeps received SQS messages invisible while headrace
  still holds them (the visibility heartbeat).
"""

from __future__ import annotations
