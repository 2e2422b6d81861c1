"""A TCP proxy on 127.0.0.1 that can stop forwarding while keeping every connection open: the
network partition that no timeout of the server or of the kernel notices (the proxy's kernel
accepts new connections and acknowledges every byte; nothing is answered)."""

import socket
import threading
from types import TracebackType


class StallingProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._forwarding = threading.Event()
        self._forwarding.set()
        self._closed = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def stop_forwarding(self) -> None:
        """Hold every byte from now on, in both directions, on every connection."""
        self._forwarding.clear()

    def resume_forwarding(self) -> None:
        self._forwarding.set()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        self._forwarding.set()  # the held pumps wake, see the proxy closed and end

    def __enter__(self) -> "StallingProxy":
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
                upstream = socket.create_connection(self._target)
            except OSError:
                return
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), name="proxy-pump", daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                # A chunk read while forwarding stops is held too: nothing gets through.
                self._forwarding.wait()
                if self._closed:
                    return
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass
