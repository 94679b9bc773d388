#!/usr/bin/env python3
"""Slow clients against a running capmatch: many connections that send a
form body one byte per second, while a health check runs every half second.
Prints how long /healthz took (worst and median), how the slow posts ended,
and whether the server stayed up. Bounded in time; standard library only.

    scripts/slow-clients.py [URL] [CLIENTS] [SECONDS] [HEALTH_URL]

HEALTH_URL is where /healthz is asked (the same server unless it was
started with --health-bind).

Start the server first, under the usual open-file limit, for example:

    (ulimit -n 1024; ./target/release/capmatch serve --bind 127.0.0.1:18082) &
    scripts/slow-clients.py http://127.0.0.1:18082 1100 45
"""

import asyncio
import statistics
import sys
import time
from urllib.parse import urlparse


async def slow_post(host, port, seconds, outcomes):
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as error:
        outcomes.append(f"refused: {error.strerror}")
        return
    body = b"csrf_token=x&name=" + b"s" * 1000
    head = (
        f"POST /providers HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    try:
        writer.write(head)
        for byte in body:
            if time.monotonic() - started > seconds:
                break
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                answer = await asyncio.wait_for(reader.read(64), timeout=1.0)
            except asyncio.TimeoutError:
                continue
            status = answer.split(b" ")[1].decode() if answer.startswith(b"HTTP/") else "closed"
            outcomes.append(f"{status} after {time.monotonic() - started:.0f}s")
            return
        outcomes.append("still open at the end")
    except (ConnectionError, OSError):
        outcomes.append(f"reset after {time.monotonic() - started:.0f}s")
    finally:
        writer.close()


async def health(url, seconds, timings, failures):
    host, port = url.hostname, url.port or 80
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        t0 = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
            writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            answer = await asyncio.wait_for(reader.read(64), 10)
            writer.close()
            if b" 200 " in answer:
                timings.append(time.monotonic() - t0)
            else:
                failures.append(answer[:30])
        except (OSError, asyncio.TimeoutError) as error:
            failures.append(repr(error))
        await asyncio.sleep(0.5)


async def main():
    url = urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18082")
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 1100
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 45
    health_url = urlparse(sys.argv[4]) if len(sys.argv) > 4 else url
    host, port = url.hostname, url.port or 80
    outcomes, timings, failures = [], [], []
    tasks = [slow_post(host, port, seconds, outcomes) for _ in range(clients)]
    tasks.append(health(health_url, seconds + 5, timings, failures))
    await asyncio.gather(*tasks)
    summary = {}
    for outcome in outcomes:
        kind = outcome.split(" after ")[0]
        summary[kind] = summary.get(kind, 0) + 1
    print(f"{clients} slow clients for {seconds:.0f}s: {summary}")
    if timings:
        print(
            f"/healthz: {len(timings)} answered, median {statistics.median(timings) * 1000:.1f} ms, "
            f"worst {max(timings) * 1000:.1f} ms; {len(failures)} failed"
        )
    else:
        print(f"/healthz never answered; {len(failures)} failures: {failures[:3]}")
    sys.exit(0 if timings and not failures else 1)


if __name__ == "__main__":
    asyncio.run(main())
