"""What a run of writes in one transaction costs on PostgreSQL, sent three ways: one statement
at a time (each waits for its answer), in psycopg's pipeline mode (`core.sql.pipeline`: sent
without waiting, answered together), and written as one statement (`WITH … INSERT`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/pipeline_bench.py [--writes 8] [--transactions 3000] [--rounds 2]

Makes a scratch database (`bench_pipeline`, dropped at the end) with `--writes` small tables,
each with an index, and runs `--transactions` transactions of one INSERT into each table, the
three ways in turn, `--rounds` times. Prints, per transaction, the CPU time of this process
(the client) and of its database backend (from /proc: run it on the database's machine), and
the wall time. Statements are prepared, as the posting path's are.
"""

import argparse
import os
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg

DATABASE = "bench_pipeline"


def backend_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=8)
    parser.add_argument("--transactions", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith(("postgres://", "postgresql://")):
        raise SystemExit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    try:
        parts = urlsplit(server)
        run(urlunsplit(parts._replace(path=f"/{DATABASE}")), args)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")


def run(url, args):
    with psycopg.connect(url, autocommit=True) as conn:
        for number in range(args.writes):
            conn.execute(
                f"CREATE TABLE t{number} (id bigserial PRIMARY KEY, a bigint, b text, "
                "c timestamptz DEFAULT now())"
            )
            conn.execute(f"CREATE INDEX ON t{number} (a)")
        conn.autocommit = False
        conn.prepare_threshold = 0
        pid = conn.info.backend_pid
        inserts = [f"INSERT INTO t{number} (a, b) VALUES (%s, %s)" for number in range(args.writes)]
        together = (
            "WITH "
            + ", ".join(f"w{number} AS ({sql})" for number, sql in enumerate(inserts[:-1]))
            + f" {inserts[-1]}"
        )
        text = "the text of a comment, about this long"

        def one_by_one(value):
            with conn.transaction():
                for sql in inserts:
                    conn.execute(sql, (value, text))

        def pipelined(value):
            with conn.transaction(), conn.pipeline():
                for sql in inserts:
                    conn.execute(sql, (value, text))

        def one_statement(value):
            with conn.transaction():
                conn.execute(together, [part for _sql in inserts for part in (value, text)])

        print(
            f"{args.writes} INSERTs a transaction, {args.transactions} transactions a way; "
            f"load average {os.getloadavg()[0]:.1f} at the start"
        )
        print("way                client CPU   backend CPU   wall     (ms a transaction)")
        for round_number in range(args.rounds):
            for name, way in (
                ("one by one", one_by_one),
                ("pipelined", pipelined),
                ("one statement", one_statement),
            ):
                for value in range(50):  # prepared, warm
                    way(value)
                client, backend = time.process_time(), backend_cpu(pid)
                wall = time.perf_counter()
                for value in range(args.transactions):
                    way(value)
                count = args.transactions
                print(
                    f"{name:15} {(time.process_time() - client) / count * 1000:10.3f} "
                    f"{(backend_cpu(pid) - backend) / count * 1000:13.3f} "
                    f"{(time.perf_counter() - wall) / count * 1000:7.3f}"
                    + (f"   (round {round_number + 1})" if args.rounds > 1 else "")
                )
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
