"""The kit's local Dask cluster stays quiet and local when port 8787 is taken."""

import socket
import warnings

from dask.distributed import Client

from nasbench_kit.dask_cluster import local_cluster


def test_cluster_starts_silently_on_localhost_when_8787_is_taken():
    blocker = socket.socket()
    try:
        try:
            blocker.bind(("127.0.0.1", 8787))
            blocker.listen(1)
        except OSError:
            pass  # something else holds 8787 already: the situation under test either way
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with local_cluster(1, processes=False) as cluster, Client(cluster) as client:
                assert client.submit(sum, [1, 2, 3]).result() == 6
                server = cluster.scheduler.http_server
                host = server._sockets[next(iter(server._sockets))].getsockname()[0]
                assert cluster.scheduler.http_server.port != 8787 and host == "127.0.0.1"
        assert not [w for w in caught if "8787" in str(w.message) or "HTTP server" in str(w.message)]
    finally:
        blocker.close()
