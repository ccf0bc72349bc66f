"""Queue mapping behaviour, the same for an embedded queue and a real SQS queue (moto)."""

from __future__ import annotations

from behaviour_harness import Project, queue


async def test_success_deletes_and_drains(project: Project) -> None:
    """§4.1.1: a successful batch is deleted; the run ends once the queue is drained."""
    b = project.backend
    project.configure(
        queues={"orders": queue(b, dlq="orders-dlq"), "orders-dlq": {}},
        mappings=[{"queue": "orders"}],
    )
    bodies = [f"ok:{i}" for i in range(25)]
    b.send("orders", bodies)
    await project.drain()
    assert sorted(e["body"] for e in project.records("ok")) == sorted(bodies)
    assert b.bodies("orders") == []
    assert b.bodies("orders-dlq") == []
