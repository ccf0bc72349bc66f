"""The AWS APIs on ``headrace run``'s endpoint: routing, wire protocols and the services.

A request reaches :mod:`~headrace.api.aws.aws_endpoint`, which picks its service and
operation (:mod:`~headrace.api.aws.service_routing`), decodes it with the service's wire
protocol (JSON, query or REST-JSON, each driven by botocore's own service model), calls the
service's method named after the operation and encodes the answer or the
:class:`~headrace.errors.AwsError` the way that service's SDK parses it.
"""
