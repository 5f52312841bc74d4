"""``hf-lineage serve``: the explorer as a local web app (search, lineage, report, Cypher)."""

from __future__ import annotations

import ipaddress
import os
import socket
import time

import click

from hflineage.explorer.cli.common import load_graph, snapshot_option, store_option

__all__ = ["serve"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost`` or a loopback address)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one, chosen by the system)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    return sock


@click.command("serve")
@snapshot_option
@store_option
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Embedded database (hf-lineage db build) for the Cypher console; "
    "default: an in-memory copy of the graph, loaded on the first query.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8750, show_default=True,
    help="Port to listen on; 0 picks a free one.",
)  # fmt: skip
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host that other machines can reach (the app has no login).",
)
def serve(
    snapshots: tuple[str, ...],
    store_uri: str | None,
    db_path: str | None,
    host: str,
    port: int,
    allow_remote: bool,
) -> None:
    """Serve the explorer on this machine: search any model, its lineage, the report and a
    read-only Cypher console, with a JSON API (GET /api/search?q=..., /api/lineage/ID).

    Example: hf-lineage serve --snapshot hub-stats.parquet --port 0
    """
    import uvicorn

    from hflineage.explorer.cli.common import stderr_console
    from hflineage.explorer.cli.html import weekly_series_of
    from hflineage.explorer.serve.api import warm_up
    from hflineage.explorer.serve.app import LOOPBACK_HOSTS, create_app
    from hflineage.explorer.serve.console import CypherConsole
    from hflineage.queries import Window

    loopback = is_loopback(host)
    if not loopback and not allow_remote:
        raise click.UsageError(
            f"--host {host} can be reached from other machines and the app has no login; "
            "add --allow-remote to do it anyway, or use --host 127.0.0.1"
        )
    if db_path is not None and not os.path.isfile(db_path):
        raise click.UsageError(
            f"no database at {db_path}; build one with: hf-lineage db build --snapshot "
            f"SNAPSHOT --db {db_path}"
        )
    sock = bind_socket(host, port)  # first, so a taken port fails before the graph loads
    started = time.perf_counter()
    graph = load_graph(snapshots)
    loaded = time.perf_counter() - started
    title = ", ".join(os.path.basename(s) for s in snapshots) or "hub-stats"
    warm_up(graph)
    app = create_app(
        graph,
        console=CypherConsole(graph, db_path),
        allowed_hosts=LOOPBACK_HOSTS if loopback else ["*"],
        title=title,
        weekly=weekly_series_of(graph, Window(), store_uri, None),
    )
    bound_port = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    if not loopback:
        stderr_console().print(
            f"warning: listening on {host}, reachable from other machines; anyone who can "
            "reach it can read the graph and run Cypher queries", style="yellow",
            highlight=False, markup=False,
        )  # fmt: skip
    click.echo(
        f"hf-lineage serve: {graph.n:,} models (graph {loaded:.1f} s, search index "
        f"{app.state.index_seconds:.1f} s) at http://{shown}:{bound_port}/  (Ctrl+C stops)"
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
