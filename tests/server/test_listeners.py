"""How the server listens (a group socket, TLS over TCP for front-end hosts) and what it does on its own."""

from __future__ import annotations

import datetime as dt
import grp
import os
import stat
import tempfile
import time
from pathlib import Path

import pytest

from kbase_tui.client import KbaseClient
from kbase_tui.protocol import queue
from kbase_tui.protocol.errors import ServerUnavailable
from kbase_tui.server.runner import Listen, RunningServer, ServerStartError, ServerThread, bind_unix
from kbase_tui.server.state import ServerState

from ..conftest import PASSWORD
from ..server_harness import settings_for


def _certificates(folder: Path) -> tuple[Path, Path, Path, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def name(text):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def write_key(key, path):
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("kbase test CA"))
        .issuer_name(name("kbase test CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(common: str, usage, san=None):
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(common))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return key, builder.sign(ca_key, hashes.SHA256())

    server_key, server_cert = leaf(
        "127.0.0.1", ExtendedKeyUsageOID.SERVER_AUTH, [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    client_key, client_cert = leaf("frontend-1", ExtendedKeyUsageOID.CLIENT_AUTH)
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(server_cert.public_bytes(pem))
    write_key(server_key, folder / "server.key")
    (folder / "client.pem").write_bytes(client_cert.public_bytes(pem))
    write_key(client_key, folder / "client.key")
    return folder / "ca.pem", folder / "server.pem", folder / "server.key", folder / "client.pem"


class TlsServer(ServerThread):
    def __init__(self, database, folder: Path, listen: Listen) -> None:
        self.state = ServerState(database=database, settings=settings_for(folder))
        self.running = RunningServer(self.state, listen)
        self._thread = None
        self._error = None


async def test_front_end_hosts_reach_the_server_over_tls_with_their_certificate(db, make_user, monkeypatch):
    make_user("caller", "anna")
    folder = Path(tempfile.mkdtemp(prefix="kbs-"))
    ca, cert, key, client_cert = _certificates(folder)
    listen = Listen(
        socket_path=folder / "kbase.sock",
        tcp_host="127.0.0.1",
        tcp_port=0,
        tls_cert=cert,
        tls_key=key,
        tls_client_ca=ca,
    )
    server = TlsServer(db, folder, listen).start()
    try:
        address = f"https://127.0.0.1:{server.running.tcp_port}"
        monkeypatch.setenv("KBASE_SERVER_CA", str(ca))
        # Without a client certificate the handshake is refused: only front-end hosts get in.
        stranger = KbaseClient.for_address(address)
        with pytest.raises(ServerUnavailable):
            await stranger.sign_in("anna", PASSWORD)
        await stranger.aclose()
        monkeypatch.setenv("KBASE_CLIENT_CERT", str(client_cert))
        monkeypatch.setenv("KBASE_CLIENT_KEY", str(folder / "client.key"))
        client = KbaseClient.for_address(address)
        signed = await client.sign_in("anna", PASSWORD)
        assert signed.actor.username == "anna" and signed.actor.client_address.startswith("127.0.0.1")
        await client.call(queue.take_next)
        await client.aclose()
    finally:
        server.stop()


def test_a_tcp_listener_without_tls_is_refused(db):
    folder = Path(tempfile.mkdtemp(prefix="kbs-"))
    running = RunningServer(
        ServerState(database=db, settings=settings_for(folder)),
        Listen(socket_path=folder / "kbase.sock", tcp_host="127.0.0.1", tcp_port=0),
    )
    with pytest.raises(ServerStartError, match="--tls-cert"):
        running.bind()


def test_the_socket_is_born_with_its_group_and_mode(tmp_path):
    group = grp.getgrgid(os.getgid()).gr_name
    folder = Path(tempfile.mkdtemp(prefix="kbs-"))
    listener = bind_unix(folder / "group.sock", group)
    try:
        info = os.stat(folder / "group.sock")
        assert stat.S_IMODE(info.st_mode) == 0o660 and info.st_gid == os.getgid()
    finally:
        listener.close()
    with pytest.raises(ServerStartError, match="group"):
        bind_unix(folder / "other.sock", "no-such-group-kbase")
    (folder / "plain").write_text("x")
    with pytest.raises(ServerStartError, match="not a socket"):
        bind_unix(folder / "plain", None)


def test_a_second_server_on_the_same_socket_is_refused(db):
    folder = Path(tempfile.mkdtemp(prefix="kbs-"))
    with ServerThread(db, folder / "kbase.sock", settings_for(folder)):
        second = RunningServer(
            ServerState(database=db, settings=settings_for(folder)), Listen(socket_path=folder / "kbase.sock")
        )
        with pytest.raises(ServerStartError, match="already listens"):
            second.bind()


def test_the_server_takes_encrypted_backups_on_its_own(sqlite_db):
    from kbase_tui.services import backup

    folder = Path(tempfile.mkdtemp(prefix="kbs-"))
    settings = settings_for(folder)
    settings.backup_every_hours, settings.backup_dir, settings.backup_keep = 24.0, folder / "backups", 3
    with ServerThread(sqlite_db, folder / "kbase.sock", settings):
        deadline = time.monotonic() + 20
        while not list((folder / "backups").glob("*.kbackup")) and time.monotonic() < deadline:
            time.sleep(0.1)
    made = list((folder / "backups").glob("*.kbackup"))
    assert len(made) == 1 and stat.S_IMODE(made[0].stat().st_mode) == 0o600
    assert backup.verify_backup(made[0]).tables > 0
