#!/usr/bin/env bash
# Check the SSH deployment recipe of docs/deploy-ssh.md for real, on 127.0.0.1 only.
#
# Starts a private sshd (its own config and host key in a temp dir, 127.0.0.1:${PORT:-2222}),
# creates a throw-away service account that owns a kbase database (0600 in a 0700 folder),
# gives one operator key `restrict,pty,command=` in a root-owned authorized_keys file and
# puts the account under a `Match User` block with ForceCommand, then checks that:
#   - ssh with a terminal runs the forced command: the kbase sign-in screen appears;
#   - `ssh host cat DB`, `ssh host sh`, scp (both protocols), sftp, -L and -R forwarding
#     and agent forwarding are refused or give nothing of the database;
#   - a second key without any options is held by the sshd Match block alone.
# Needs root (sshd switches users) and openssh-server (apt-get install -y openssh-server).
# Everything it creates is removed at the end.  Exit 0 when every check passes.
set -u
PORT="${PORT:-2222}"
SVC="kbsvc$$"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
PY="${KBASE_PYTHON:-/usr/bin/python3.11}"
SITE="$SRC/.venv/lib/python3.11/site-packages"
T="$(mktemp -d /tmp/kbase-sshcheck.XXXXXX)"
chmod 755 "$T"
PASS=0; FAIL=0
ok()   { echo "PASS  $*"; PASS=$((PASS + 1)); }
bad()  { echo "FAIL  $*"; FAIL=$((FAIL + 1)); }

cleanup() {
  [ -n "${KEEP_LOG:-}" ] && cp -r "$(getent passwd "$SVC" | cut -d: -f6)" /tmp/kbase-sshcheck-home 2>/dev/null
  [ -f "$T/sshd.pid" ] && kill "$(cat "$T/sshd.pid")" 2>/dev/null
  [ -n "${FWD_PID:-}" ] && kill "$FWD_PID" 2>/dev/null
  userdel -r "$SVC" >/dev/null 2>&1
  rm -rf "$T"
  [ -n "${KEYS:-}" ] && rm -rf "$KEYS"
}
trap cleanup EXIT
[ -n "${KEEP_LOG:-}" ] && trap "cp $T/sshd.log /tmp/kbase-sshcheck-sshd.log 2>/dev/null; cleanup" EXIT

[ "$(id -u)" = 0 ] || { echo "run as root"; exit 2; }
[ -x /usr/sbin/sshd ] || { echo "sshd missing: apt-get install -y openssh-server"; exit 2; }

# The app's code as an installed copy would be: readable by all (a work tree may hold 0600 files).
cp -r "$SRC/src" "$T/src" && cp -r "$SRC/data" "$T/data" && chmod -R a+rX "$T/src" "$T/data"
APP="$T/src"

# 1. The service account owns the data; nobody else can read it.
useradd --create-home --shell /bin/bash "$SVC" || exit 2
usermod -p '*' "$SVC"   # no password, but not a locked account (sshd refuses locked ones)
HOME_SVC="$(getent passwd "$SVC" | cut -d: -f6)"
DATA="$HOME_SVC/data"
runuser -u "$SVC" -- mkdir -m 700 "$DATA"
DB="$DATA/kbase.sqlite3"
# The app's wrapper: the only program an operator's ssh session can run.
cat > "$T/kbase-ssh" <<WRAP
#!/bin/sh
# Forced command: ignore what the client asked for (\$SSH_ORIGINAL_COMMAND), run kbase.
if [ ! -t 0 ]; then
  echo "kbase needs a terminal: connect with ssh -t" >&2
  exit 1
fi
export PYTHONPATH="$SITE:$APP" KBASE_DATA_DIR="$DATA" KBASE_CONFIG_DIR="$HOME_SVC/.config/kbase" KBASE_LOG_DIR="$HOME_SVC/log"
exec "$PY" -m kbase_tui.cli.main --db "$DB"
WRAP
chmod 755 "$T/kbase-ssh"
runuser -u "$SVC" -- env PYTHONPATH="$SITE:$APP" KBASE_DATA_DIR="$DATA" KBASE_CONFIG_DIR="$HOME_SVC/.config/kbase" KBASE_LOG_DIR="$HOME_SVC/log" \
  "$PY" -m kbase_tui.cli.main --db "$DB" init >/dev/null || { echo "kbase init failed"; exit 2; }
mode=$(stat -c %a "$DB"); dmode=$(stat -c %a "$DATA")
[ "$mode" = 600 ] && [ "$dmode" = 700 ] && ok "database $mode in a $dmode folder owned by $SVC" || bad "database $mode / folder $dmode"

# 2. sshd of our own on 127.0.0.1, keys in a root-owned file the account cannot edit.
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$T/operator" -C operator-anna
ssh-keygen -q -t ed25519 -N '' -f "$T/plain" -C operator-plain
KEYS="/etc/ssh/kbase-check-keys.$$"   # sshd's StrictModes wants a root-owned path, as in production
mkdir -m 755 "$KEYS"
{
  echo "restrict,pty,command=\"$T/kbase-ssh\" $(cat "$T/operator.pub")"
  cat "$T/plain.pub"    # no options: the Match block below must hold it alone
} > "$KEYS/$SVC"
chmod 644 "$KEYS/$SVC"
cat > "$T/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $KEYS/%u
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
Subsystem sftp /usr/lib/openssh/sftp-server
AllowUsers $SVC

Match User $SVC
    ForceCommand $T/kbase-ssh
    AllowTcpForwarding no
    AllowStreamLocalForwarding no
    AllowAgentForwarding no
    X11Forwarding no
    PermitTunnel no
    PermitUserRC no
    PermitTTY yes
CONF
mkdir -p /run/sshd
/usr/sbin/sshd -t -f "$T/sshd_config" || { echo "sshd config invalid"; exit 2; }
/usr/sbin/sshd -f "$T/sshd_config" -E "$T/sshd.log" || { echo "sshd did not start"; exit 2; }
sleep 1

SSH_OPTS=(-p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR)
for KEY in operator plain; do
  S=(ssh "${SSH_OPTS[@]}" -i "$T/$KEY")
  echo "--- key: $KEY"
  # Every refusal below only counts if the key gets in at all.
  if ! "${S[@]}" "$SVC@127.0.0.1" true 2>&1 | grep -q "kbase needs a terminal"; then
    bad "$KEY: could not authenticate, nothing else checked (see the sshd log)"
    continue
  fi
  # The forced command runs with a terminal: the sign-in screen of kbase comes up.
  timeout 12 script -qfec "${S[*]} -tt $SVC@127.0.0.1" "$T/tty-$KEY.out" </dev/null >/dev/null 2>&1
  if grep -aq "Sign in" "$T/tty-$KEY.out" && grep -aq "User name" "$T/tty-$KEY.out"; then
    ok "$KEY: ssh -t runs kbase (sign-in screen shown)"
  else
    bad "$KEY: ssh -t did not show the kbase sign-in screen"
  fi
  # Asking for a command gives the forced command instead, never the file.
  out="$("${S[@]}" "$SVC@127.0.0.1" cat "$DB" 2>&1 | head -c 2000)"
  if echo "$out" | grep -aq "SQLite format" ; then bad "$KEY: cat DB returned the database"
  elif echo "$out" | grep -q "kbase needs a terminal"; then ok "$KEY: 'ssh host cat DB' ran the forced command, no data"
  else bad "$KEY: unexpected answer to cat: $out"; fi
  out="$("${S[@]}" "$SVC@127.0.0.1" id 2>&1)"
  echo "$out" | grep -q "uid=" && bad "$KEY: a shell command ran" || ok "$KEY: no shell ('ssh host id' refused)"
  out="$(timeout 12 script -qfec "${S[*]} -tt $SVC@127.0.0.1 /bin/sh -c 'cat $DB | head -c 100; id'" "$T/sh-$KEY.out" </dev/null 2>&1; cat "$T/sh-$KEY.out")"
  echo "$out" | grep -aq "uid=\|SQLite format" && bad "$KEY: sh with a terminal ran" || ok "$KEY: 'ssh -t host sh -c ...' gets kbase, not a shell"
  # File copies.
  rm -f "$T/stolen"
  scp -O -q -P "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -i "$T/$KEY" \
    "$SVC@127.0.0.1:$DB" "$T/stolen" >/dev/null 2>&1
  [ -s "$T/stolen" ] && bad "$KEY: scp (legacy) copied the database" || ok "$KEY: scp -O (scp protocol) refused"
  rm -f "$T/stolen"
  timeout 20 scp -q -P "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -i "$T/$KEY" \
    "$SVC@127.0.0.1:$DB" "$T/stolen" >/dev/null 2>&1
  [ -s "$T/stolen" ] && bad "$KEY: scp (sftp) copied the database" || ok "$KEY: scp (sftp protocol) refused"
  rm -f "$T/stolen"
  echo "get $DB $T/stolen" | timeout 20 sftp -q -P "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -i "$T/$KEY" -b - "$SVC@127.0.0.1" >/dev/null 2>&1
  [ -s "$T/stolen" ] && bad "$KEY: sftp copied the database" || ok "$KEY: sftp refused"
  # Port forwarding: local (-L) channel opens are refused; remote (-R) cannot be set up.
  "${S[@]}" -v -N -L "127.0.0.1:$((PORT + 77)):127.0.0.1:$PORT" "$SVC@127.0.0.1" 2>"$T/fwd-$KEY.log" &
  FWD_PID=$!
  sleep 1.5
  (exec 3<>"/dev/tcp/127.0.0.1/$((PORT + 77))" && timeout 3 head -c 20 <&3) >"$T/fwd-$KEY.data" 2>/dev/null
  sleep 0.5
  kill "$FWD_PID" 2>/dev/null; wait "$FWD_PID" 2>/dev/null; FWD_PID=
  if grep -q "SSH-2.0" "$T/fwd-$KEY.data"; then bad "$KEY: -L forwarding reached sshd through the tunnel"
  elif grep -q "administratively prohibited" "$T/fwd-$KEY.log"; then ok "$KEY: -L forwarding refused (administratively prohibited)"
  else bad "$KEY: -L forwarding: no refusal seen"; fi
  if timeout 10 "${S[@]}" -o ExitOnForwardFailure=yes -N -R "127.0.0.1:$((PORT + 78)):127.0.0.1:22" "$SVC@127.0.0.1" >/dev/null 2>&1; then
    bad "$KEY: -R forwarding accepted"
  else ok "$KEY: -R forwarding refused"; fi
done

echo "--- $PASS passed, $FAIL failed (sshd on 127.0.0.1:$PORT, OpenSSH $(ssh -V 2>&1 | cut -d, -f1))"
[ "$FAIL" = 0 ]
