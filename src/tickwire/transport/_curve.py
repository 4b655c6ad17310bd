"""CURVE security for routes that leave the host: keys, and the ZAP check of client keys.

A route with a :class:`Curve` encrypts its traffic and authenticates both ends with
ZeroMQ's CURVE mechanism. The binding side is the CURVE server: it holds the server's
secret key and accepts only clients whose public key is in ``authorized_clients``, a
check made by a ZAP handler (one thread per ZeroMQ context, shared by every secure socket
that binds in it, each with its own domain). The connecting side holds its own key pair
and the server's public key. A client with another key, or without CURVE, never
completes the handshake, so it receives nothing and can send nothing. Keys are files in
ZeroMQ's certificate format, written by :func:`write_curve_keys` (``tickwire cluster
keys``).
"""

from __future__ import annotations

import binascii
import itertools
import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import msgspec
import zmq
import zmq.auth
from zmq.utils import z85

from tickwire._exceptions import ConfigError, TransportError

__all__ = [
    "ClientKeys",
    "Curve",
    "CurveKeyPair",
    "ServerSecurity",
    "bind",
    "client_keys",
    "connect",
    "curve_for",
    "write_curve_keys",
]

log = logging.getLogger("tickwire.transport")

_KEY_BYTES = 32
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_LOOPBACK_HOSTS = frozenset({"localhost", "::1", "[::1]"})


class Curve(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The key files of one end of a CURVE route (paths; ``""``: not needed on this end).

    The binding end (gateway, executor, order gateway) needs ``server_secret_key`` and
    ``authorized_clients``; the connecting end needs ``server_public_key`` and
    ``client_secret_key``. :func:`curve_for` fills all four from a keys directory."""

    server_public_key: str = ""
    """The server's public certificate (``public/NAME.key``): whom a client talks to."""
    server_secret_key: str = ""
    """The server's secret certificate (``secret/NAME.key_secret``), on the binding end."""
    client_secret_key: str = ""
    """This client's secret certificate (``secret/NAME.key_secret``), on the connecting end."""
    authorized_clients: str = ""
    """A directory of public certificates (``*.key``): the clients the server accepts."""


class CurveKeyPair(NamedTuple):
    """The two files of one process's key pair."""

    public: Path
    secret: Path


class _ServerKeys(NamedTuple):
    public: bytes
    secret: bytes
    authorized: frozenset[bytes]
    """z85 public keys of the clients allowed in."""


class ClientKeys(NamedTuple):
    """What a connecting socket needs (z85 keys, loaded and checked)."""

    server: bytes
    public: bytes
    secret: bytes


def write_curve_keys(
    directory: Path, names: Sequence[str], *, replace: bool = False
) -> dict[str, CurveKeyPair]:
    """Write one key pair per process name: ``directory/public/NAME.key`` (share it; the
    ``public`` folder is every route's ``authorized_clients``) and
    ``directory/secret/NAME.key_secret`` (mode 0600, in a 0700 folder; keep it on that
    process's host). An existing pair is kept and FileExistsError raised, unless
    ``replace``: new keys lock out every process that still holds the old ones."""
    unique = list(dict.fromkeys(names))
    for name in unique:
        if not _SAFE_NAME.fullmatch(name):
            raise ConfigError(
                f"curve keys: {name!r} is not a usable process name for a key file "
                "(letters, digits, '_', '.', '-'; at most 128)"
            )
    public_dir, secret_dir = directory / "public", directory / "secret"
    pairs = {
        n: CurveKeyPair(public_dir / f"{n}.key", secret_dir / f"{n}.key_secret") for n in unique
    }
    if not replace:
        for pair in pairs.values():
            for path in pair:
                if path.exists():
                    raise FileExistsError(f"curve keys: {path} exists (replace=True overwrites)")
    public_dir.mkdir(parents=True, exist_ok=True)
    secret_dir.mkdir(parents=True, exist_ok=True)
    secret_dir.chmod(0o700)
    for name, pair in pairs.items():
        previous = os.umask(0o077)  # the secret file is never readable by others, even briefly
        try:
            written_public, written_secret = zmq.auth.create_certificates(secret_dir, name)
        finally:
            os.umask(previous)
        Path(written_public).replace(pair.public)
        Path(written_secret).chmod(0o600)
        pair.public.chmod(0o644)
    return pairs


def curve_for(directory: Path, *, server: str, client: str) -> Curve:
    """Both ends' fields for the route from process ``server`` (binds) to ``client``
    (connects), in the layout :func:`write_curve_keys` writes under ``directory``."""
    return Curve(
        server_public_key=str(directory / "public" / f"{server}.key"),
        server_secret_key=str(directory / "secret" / f"{server}.key_secret"),
        client_secret_key=str(directory / "secret" / f"{client}.key_secret"),
        authorized_clients=str(directory / "public"),
    )


def _refuse(where: str, field: str, path: str, why: str) -> ConfigError:
    return ConfigError(f"{where}: curve.{field}: {path!r}: {why}")


def _checked_key(key: bytes | None, where: str, field: str, path: str, part: str) -> bytes:
    if key is None:
        raise _refuse(where, field, path, f"no {part} in this certificate")
    try:
        ok = len(z85.decode(key)) == _KEY_BYTES
    except (ValueError, binascii.Error, KeyError, IndexError):
        ok = False
    if not ok:
        raise _refuse(where, field, path, f"the {part} is not a 40-character z85 CURVE key")
    return key


def _load(curve: Curve, field: str, where: str, *, secret: bool) -> tuple[bytes, bytes | None]:
    path = str(getattr(curve, field))
    if not path:
        raise ConfigError(f"{where}: curve.{field} is required on this end of the route")
    try:
        public, secret_key = zmq.auth.load_certificate(path)
    except (OSError, ValueError, IndexError) as exc:
        raise _refuse(where, field, path, f"cannot read a certificate ({exc})") from None
    public = _checked_key(public, where, field, path, "public-key")
    if secret:
        return public, _checked_key(secret_key, where, field, path, "secret-key")
    return public, None


def client_keys(curve: Curve, where: str) -> ClientKeys:
    """The connecting end's keys, or ConfigError naming ``where``, the field and the path."""
    server, _ = _load(curve, "server_public_key", where, secret=False)
    public, secret = _load(curve, "client_secret_key", where, secret=True)
    assert secret is not None
    return ClientKeys(server, public, secret)


def _server_keys(curve: Curve, where: str) -> _ServerKeys:
    public, secret = _load(curve, "server_secret_key", where, secret=True)
    assert secret is not None
    folder = curve.authorized_clients
    if not folder:
        raise ConfigError(f"{where}: curve.authorized_clients is required on the binding end")
    if not Path(folder).is_dir():
        raise _refuse(where, "authorized_clients", folder, "not a directory")
    authorized = set()
    for path in sorted(Path(folder).glob("*.key")):
        key, _ = _load(
            Curve(authorized_clients=str(path)), "authorized_clients", where, secret=False
        )
        authorized.add(key)
    if not authorized:
        raise _refuse(where, "authorized_clients", folder, "holds no public certificate (*.key)")
    return _ServerKeys(public, secret, frozenset(authorized))


class _Zap:
    """One context's ZAP handler (ZeroMQ RFC 27), on a daemon thread: a CURVE client is
    admitted when its public key is one of its socket's domain's authorised keys."""

    ENDPOINT = "inproc://zeromq.zap.01"

    def __init__(self, context: zmq.Context[zmq.Socket[bytes]]) -> None:
        self.domains: dict[str, frozenset[bytes]] = {}
        self._context = context
        ready = threading.Event()
        failure: list[zmq.ZMQError] = []
        threading.Thread(
            target=self._serve, args=(ready, failure), name="tickwire-zap", daemon=True
        ).start()
        if not ready.wait(10):
            raise TransportError("the ZAP handler thread did not start within 10 s")
        if failure:
            raise failure[0]

    def _serve(self, ready: threading.Event, failure: list[zmq.ZMQError]) -> None:
        sock: zmq.Socket[bytes] | None = None
        try:
            sock = self._context.socket(zmq.REP)
            sock.setsockopt(zmq.LINGER, 0)
            sock.bind(self.ENDPOINT)
        except zmq.ZMQError as exc:  # another ZAP handler holds this context, or it ended
            failure.append(exc)
            if sock is not None:
                sock.close()
            return
        finally:
            ready.set()
        while True:
            try:
                request = sock.recv_multipart()
            except zmq.ContextTerminated:
                sock.close()
                return
            sock.send_multipart(self.answer(request))

    def answer(self, request: list[bytes]) -> list[bytes]:
        """The reply to one ZAP request: 200 with the client's key as user id, or 400."""
        version, request_id, domain, _address, _identity, mechanism, *credentials = (
            request + [b""] * 6
        )[: max(6, len(request))]
        allowed = self.domains.get(domain.decode(errors="replace"), frozenset())
        if version == b"1.0" and mechanism == b"CURVE" and credentials:
            key = z85.encode(credentials[0])
            if key in allowed:
                return [version, request_id, b"200", b"OK", key, b""]
        return [b"1.0", request_id, b"400", b"not an authorised CURVE client", b"", b""]


_zaps: dict[int, _Zap] = {}
"""The ZAP handler of each context that has a secure socket. It stays for the life of the
context: ZeroMQ frees the ZAP endpoint of a stopped handler only later, so a new one
started at once could not bind it. (It ends when the context is terminated.)"""
_zap_lock = threading.Lock()
_domains = itertools.count()


class ServerSecurity:
    """The binding end of a CURVE route: its keys, and its own ZAP domain at the
    context's authenticator (started with the first secure socket of the context)."""

    def __init__(self, context: zmq.Context[zmq.Socket[bytes]], curve: Curve, where: str) -> None:
        self._keys = _server_keys(curve, where)
        self._context = context
        self.domain = f"tickwire-{next(_domains)}"
        with _zap_lock:
            zap = _zaps.get(id(context))
            if zap is None:
                zap = _zaps[id(context)] = _Zap(context)
            zap.domains[self.domain] = self._keys.authorized

    def apply(self, sock: zmq.Socket[bytes]) -> None:
        """Make ``sock`` a CURVE server checked in this domain (before it binds)."""
        sock.setsockopt(zmq.ZAP_DOMAIN, self.domain.encode())
        sock.setsockopt(zmq.CURVE_SERVER, 1)
        sock.setsockopt(zmq.CURVE_PUBLICKEY, self._keys.public)
        sock.setsockopt(zmq.CURVE_SECRETKEY, self._keys.secret)

    def close(self) -> None:
        """Leave the authenticator (idempotent)."""
        with _zap_lock:
            zap = _zaps.get(id(self._context))
            if zap is not None:
                zap.domains.pop(self.domain, None)


def _is_loopback(endpoint: str) -> bool:
    scheme, _, rest = endpoint.partition("://")
    if scheme != "tcp":
        return True  # ipc and inproc never leave the host
    host = rest.rpartition(":")[0].rpartition(";")[2]  # tcp://source;host:port
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


def bind(
    sock: zmq.Socket[bytes], endpoint: str, security: ServerSecurity | None, route: str
) -> str:
    """Bind ``sock`` (a CURVE server with ``security``); the endpoint bound. A plain
    socket bound beyond loopback is logged as a warning: anyone who reaches the port reads
    and sends without a key."""
    if security is not None:
        security.apply(sock)
    elif not _is_loopback(endpoint):
        log.warning(
            "route %r binds %s without CURVE: any host that reaches it can read and send "
            "events; set the route's curve keys (tickwire cluster keys)",
            route,
            endpoint,
        )
    sock.bind(endpoint)
    return sock.getsockopt_string(zmq.LAST_ENDPOINT)


def connect(sock: zmq.Socket[bytes], endpoint: str, keys: ClientKeys | None) -> None:
    """Connect ``sock``, as a CURVE client with ``keys``."""
    if keys is not None:
        sock.setsockopt(zmq.CURVE_SERVERKEY, keys.server)
        sock.setsockopt(zmq.CURVE_PUBLICKEY, keys.public)
        sock.setsockopt(zmq.CURVE_SECRETKEY, keys.secret)
    sock.connect(endpoint)
