"""Queue URLs: built on the addressed host, read in any host form, checked for the account."""

from __future__ import annotations

import pytest

from headrace.api.aws.sqs_queue_urls import queue_name, queue_url
from headrace.errors import InvalidAddress, QueueDoesNotExist

ACCOUNT = "000000000000"


def test_url_is_host_account_name() -> None:
    """design.md: queue URLs are http://HOST:PORT/ACCOUNT/NAME."""
    assert (
        queue_url("127.0.0.1:4566", ACCOUNT, "orders")
        == "http://127.0.0.1:4566/000000000000/orders"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4566/000000000000/orders",
        "http://localhost/000000000000/orders",
        "https://sqs.us-east-1.amazonaws.com/000000000000/orders",
        "/000000000000/orders",
    ],
)
def test_any_host_form_names_the_queue(url: str) -> None:
    """The queue is the last path segment whatever the host."""
    assert queue_name(url, ACCOUNT) == "orders"


def test_another_account_is_queue_does_not_exist() -> None:
    """A URL of another account's queue names no queue here."""
    with pytest.raises(QueueDoesNotExist):
        queue_name("http://localhost:4566/111111111111/orders", ACCOUNT)


@pytest.mark.parametrize("url", ["http://localhost:4566/orders", "http://localhost/a/b/c", ""])
def test_not_a_queue_url_is_invalid_address(url: str) -> None:
    """A URL without exactly /ACCOUNT/NAME is SQS's InvalidAddress."""
    with pytest.raises(InvalidAddress):
        queue_name(url, ACCOUNT)
