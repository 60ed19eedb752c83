"""The group-commit writer the PostgreSQL and Redis stores share, in process."""

from __future__ import annotations

import asyncio

import pytest

from journeyboard.stores.group_commit import Append, GroupCommit
from journeyboard.sync.ports import StoreError


class Database:
    """Numbers updates per document; `failures` says how the next commits fail."""

    def __init__(self) -> None:
        self.batches: list[list[bytes]] = []
        self.heads: dict[str, int] = {}
        self.failures: list[BaseException] = []

    async def commit(self, batch: list[Append]) -> list[int]:
        await asyncio.sleep(0)
        if self.failures:
            raise self.failures.pop(0)
        self.batches.append([item.update for item in batch])
        numbers = []
        for item in batch:
            self.heads[item.name] = self.heads.get(item.name, 0) + 1
            numbers.append(self.heads[item.name])
        return numbers


async def test_what_is_appended_together_commits_together_with_its_numbers() -> None:
    database = Database()
    writer = GroupCommit(database.commit, what="test commit")
    running = asyncio.ensure_future(writer.run())
    numbers = await asyncio.gather(
        writer.append("a", b"1"), writer.append("b", b"2"), writer.append("a", b"3")
    )
    assert numbers == [1, 1, 2]
    assert database.batches == [[b"1", b"2", b"3"]]
    writer.close()
    await running


@pytest.mark.parametrize(
    "failure",
    [StoreError("the database is away"), ValueError("a bug in the commit")],
    ids=["store error", "bug"],
)
async def test_a_failed_commit_fails_its_batch_only_and_the_writer_goes_on(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database()
    database.failures = [failure]
    writer = GroupCommit(database.commit, what="test commit")
    running = asyncio.ensure_future(writer.run())
    with pytest.raises(StoreError, match=str(failure)):
        await writer.append("a", b"lost")
    assert await writer.append("a", b"kept") == 1
    assert "test commit of 1 updates failed" in caplog.text
    writer.close()
    await running


async def test_closing_commits_what_is_queued_and_takes_no_more() -> None:
    database = Database()
    writer = GroupCommit(database.commit, what="test commit")
    queued = [writer.append("a", b"%d" % i) for i in range(3)]
    writer.close()
    with pytest.raises(StoreError, match="closed"):
        writer.append("a", b"late")
    await writer.run()
    assert [future.result() for future in queued] == [1, 2, 3]
