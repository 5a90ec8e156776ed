#!/usr/bin/env bash
# Build the deployment of docs/deploy-ssh.md for real on this machine, with throw-away accounts and
# folders, and check what it promises.  Everything stays on 127.0.0.1 and is removed at the end.
#
#   - the server's account (no login shell) owns the database, the keys, the backups and the exports and
#     inbox folders, and runs `kbase serve` as deploy/kbase.service would (its user, group, umask,
#     environment and command line: systemd itself is not needed);
#   - the operators' account is in the socket's group only; its SSH runs deploy/kbase-ssh and nothing else;
#   - the server's account takes SFTP only, chrooted to the folder of the exports and the inbox;
#   - a private sshd on 127.0.0.1:${PORT:-2222} uses deploy/sshd-kbase.conf (the Match blocks) after a
#     Debian-like global part, with root-owned authorized-keys files.
# Then, as the operators' account: ssh -tt shows the sign-in screen and a person can sign in and get a lead;
# no shell, scp, sftp or forwarding; and commands run as that account (runuser: a stand-in for any escape
# from the app) can read none of the server's files, write into none of its folders, and get 401 from the
# socket without a session and 403 for an operation beyond the signed-in role.  As the head of sales' SFTP
# key: only the exports and inbox folders are there, nothing else.  `kbase doctor --client-user` agrees.
#
# Run as root.  Needs openssh-server: `--install` installs it with apt-get when it is missing (CI does).
# Prints PASS/FAIL lines and exits 1 on any failure (2 when it cannot set up at all).  PORT=N picks the
# sshd's port; KBASE_CHECK_PAUSE=SECONDS waits that long before cleaning up, to look around.
set -u
PORT="${PORT:-2222}"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
PY="${KBASE_PYTHON:-/usr/bin/python3.11}"
SITE="$SRC/.venv/lib/python3.11/site-packages"
N=$$
SVC="kbck${N}s"   # stands for kbase
OP="kbck${N}o"    # stands for kbase-op
GRP="kbck${N}g"   # stands for kbase-clients
PASSWORD='Check-Pass-2026!'
PASS=0; FAIL=0
ok()   { echo "PASS  $*"; PASS=$((PASS + 1)); }
bad()  { echo "FAIL  $*"; FAIL=$((FAIL + 1)); }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
die()  { echo "check_ssh_deploy: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "run as root (it creates accounts and a private sshd)"
if [ ! -x /usr/sbin/sshd ]; then
  [ "${1:-}" = --install ] || die "sshd missing: apt-get install -y openssh-server (or run with --install)"
  echo "openssh-server is missing: installing it with apt-get"
  apt_log="$(mktemp)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssh-server; } >"$apt_log" 2>&1; then
    tail -n 5 "$apt_log" >&2; rm -f "$apt_log"
    die "apt-get could not install openssh-server (is the package archive reachable?); nothing was checked"
  fi
  rm -f "$apt_log"
  [ -x /usr/sbin/sshd ] || die "openssh-server installed but /usr/sbin/sshd is missing"
fi
[ -x "$PY" ] || die "no $PY (KBASE_PYTHON names another)"
[ -d "$SITE" ] || die "no $SITE: create the venv first (README)"

# Everything lives under R: a root-owned folder outside /tmp, since sshd wants a chroot whose every folder
# from / down is root-owned and writable by root only.
R="$(mktemp -d /srv/kbck.XXXXXX)" || die "cannot create a folder in /srv"
chmod 755 "$R"
cleanup() {
  [ -f "$R/sshd.pid" ] && kill "$(cat "$R/sshd.pid")" 2>/dev/null
  [ -n "${FWD_PID:-}" ] && kill "$FWD_PID" 2>/dev/null
  if [ -n "${SERVER_PID:-}" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  # Whatever still runs as the throw-away accounts was started by this script (apps of ssh sessions).
  for pid in $(pgrep -u "$OP" 2>/dev/null) $(pgrep -u "$SVC" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  sleep 0.5
  for pid in $(pgrep -u "$OP" 2>/dev/null) $(pgrep -u "$SVC" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
  userdel "$OP" >/dev/null 2>&1
  userdel "$SVC" >/dev/null 2>&1
  groupdel "$GRP" >/dev/null 2>&1
  rm -rf "$R"
}
trap cleanup EXIT

# The shipped files, with their paths moved under R and the accounts' names replaced by the throw-away ones.
install_deploy() {  # install_deploy FILE DEST MODE
  sed -E -e "s#/opt/kbase#$R/opt/kbase#g; s#/run/kbase#$R/run/kbase#g; s#/var/lib/kbase#$R/var/lib/kbase#g" \
    -e "s#/var/log/kbase#$R/var/log/kbase#g; s#/etc/kbase#$R/etc/kbase#g; s#/srv/kbase#$R/srv/kbase#g" \
    -e "s#/etc/default/kbase#$R/etc/default/kbase#g; s#/etc/ssh/authorized_keys#$R/etc/ssh/authorized_keys#g" \
    -e "s#\bkbase-op\b#$OP#g; s#\bkbase-clients\b#$GRP#g" \
    -e "s#^User=kbase\$#User=$SVC#; s#^Group=kbase\$#Group=$SVC#; s#^ACCOUNT=kbase\$#ACCOUNT=$SVC#" \
    -e "s#^Match User kbase\$#Match User $SVC#" \
    "$SRC/deploy/$1" > "$2" && chmod "$3" "$2"
}
as_op() { runuser -u "$OP" -- "$@"; }

echo "--- the accounts and folders (docs/deploy-ssh.md, sections 1 and 2)"
groupadd "$GRP" || die "groupadd failed"
useradd --system --home-dir "$R/var/lib/kbase" --no-create-home --shell /usr/sbin/nologin --user-group "$SVC" \
  || die "useradd $SVC failed"
useradd --home-dir "$R/home/$OP" --no-create-home --shell /bin/sh --user-group --groups "$GRP" "$OP" \
  || die "useradd $OP failed"
usermod -p '*' "$SVC"; usermod -p '*' "$OP"   # no password, yet not locked: sshd without PAM refuses locked ones
install -d -o root -g root -m 0755 "$R/home" "$R/home/$OP" "$R/opt/kbase/venv/bin" "$R/etc/default" \
  "$R/etc/ssh/authorized_keys" "$R/etc/ssh/sshd_config.d" "$R/etc/systemd/system" "$R/srv/kbase" "$R/run" \
  "$R/usr/local/sbin"
install -d -o "$SVC" -g "$SVC" -m 0700 "$R/var/lib/kbase" "$R/etc/kbase" "$R/var/log/kbase" \
  "$R/srv/kbase/exports" "$R/srv/kbase/inbox"
# The app's code as an installed copy would be: readable by all, writable by root only, data/ inside the
# package as a wheel carries it (kbase_tui/_data).
cp -r "$SRC/src" "$R/opt/kbase/" && cp -r "$SRC/data" "$R/opt/kbase/src/kbase_tui/_data" \
  && chmod -R a+rX,go-w "$R/opt/kbase"
cp "$SRC/scripts/kbase_probe.py" "$R/opt/kbase/kbase_probe.py" && chmod 644 "$R/opt/kbase/kbase_probe.py"
cat > "$R/opt/kbase/venv/bin/kbase" <<LAUNCH
#!/bin/sh
# Stands for the venv's kbase command: this check runs the work tree's code.
PYTHONPATH="$R/opt/kbase/src:$SITE" exec "$PY" -m kbase_tui.cli.main "\$@"
LAUNCH
chmod 755 "$R/opt/kbase/venv/bin/kbase"
install_deploy kbase.env "$R/etc/default/kbase" 644
install_deploy kbase-ssh "$R/opt/kbase/kbase-ssh" 755
install_deploy kbase-admin "$R/usr/local/sbin/kbase-admin" 755
install_deploy sshd-kbase.conf "$R/etc/ssh/sshd_config.d/kbase.conf" 644
for unit in kbase.service kbase-backup.service kbase-backup.timer; do
  install_deploy "$unit" "$R/etc/systemd/system/$unit" 644
done
ADMIN="$R/usr/local/sbin/kbase-admin"
PROBE=("$PY" "$R/opt/kbase/kbase_probe.py")
export PYTHONPATH="$R/opt/kbase/src:$SITE"   # for the probe; runuser passes it on
SOCK="$R/run/kbase/kbase.sock"
DB="$R/var/lib/kbase/kbase.sqlite3"

if command -v systemd-analyze >/dev/null; then
  for unit in kbase.service kbase-backup.service kbase-backup.timer; do
    out="$(cd "$R/etc/systemd/system" && systemd-analyze verify "./$unit" 2>&1)"; rc=$?
    if [ "$rc" = 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify $unit: no complaint"
    else bad "systemd-analyze verify $unit: $out"; fi
  done
else
  echo "(systemd-analyze is not installed: the unit files are not verified)"
fi
check "the operators' account is in its own group and the socket's group only" \
  test "$(id -Gn "$OP" | tr ' ' '\n' | sort | tr '\n' ' ')" = "$(printf '%s\n' "$GRP" "$OP" | sort | tr '\n' ' ')"
check "the server's account has no login shell" test "$(getent passwd "$SVC" | cut -d: -f7)" = /usr/sbin/nologin

echo "--- the database, made with the owner's commands (kbase-admin)"
echo "$PASSWORD" | "$ADMIN" init --admin it --password-stdin >/dev/null || die "kbase-admin init failed"
echo "$PASSWORD" | "$ADMIN" user add anna --role caller --password-stdin --no-change >/dev/null || die "user add"
echo "$PASSWORD" | "$ADMIN" user add olga --role supervisor --password-stdin --no-change >/dev/null || die "user add"
# The calling window open at any hour and day, so the check gets its lead whenever it runs.
"$ADMIN" hours --days 1-7 --hours 00:00-24:00 --holidays "" >/dev/null || die "kbase-admin hours failed"
"$ADMIN" backup >/dev/null || die "kbase-admin backup failed"
KEYS=("$R"/etc/kbase/keys/*.key)
BACKUP="$(ls "$R"/var/lib/kbase/backups/*.kbackup | head -n 1)"
check "database 0600 in a 0700 folder, the server's account's" \
  test "$(stat -c '%a %U' "$DB") $(stat -c '%a %U' "$R/var/lib/kbase")" = "600 $SVC 700 $SVC"
check "${#KEYS[@]} key files (audit, backup) 0600 in 0700 folders" \
  test "$(stat -c %a "${KEYS[@]}" "$R/etc/kbase/keys" "$R/etc/kbase" | sort -u | tr '\n' ' ')" = "600 700 "
check "backup $(basename "$BACKUP") 0600" test "$(stat -c %a "$BACKUP")" = 600

echo "--- the server, started as deploy/kbase.service starts it"
unit="$R/etc/systemd/system/kbase.service"
U_USER="$(sed -n 's/^User=//p' "$unit")"; U_GROUP="$(sed -n 's/^Group=//p' "$unit")"
U_UMASK="$(sed -n 's/^UMask=//p' "$unit")"; U_EXEC="$(sed -n 's/^ExecStart=//p' "$unit")"
U_RTMODE="$(sed -n 's/^RuntimeDirectoryMode=//p' "$unit")"
# RuntimeDirectory=kbase: systemd makes /run/kbase, owned by User= and Group=, RuntimeDirectoryMode=.
install -d -o "$U_USER" -g "$U_GROUP" -m "$U_RTMODE" "$R/run/kbase"
# shellcheck disable=SC2046,SC2086 # the environment file's lines and the command line are split on purpose
( umask "$U_UMASK"; exec runuser -u "$U_USER" -g "$U_GROUP" -- env -i PATH=/usr/bin:/bin \
    $(grep -E '^[A-Z_]+=' "$R/etc/default/kbase") $U_EXEC ) 2>"$R/server.err" &
SERVER_PID=$!
for _ in $(seq 1 150); do [ -S "$SOCK" ] && break; sleep 0.2; done
[ -S "$SOCK" ] || { cat "$R/server.err" >&2; die "the server did not start"; }
check "socket 0660 $SVC:$GRP in a 0750 folder of the same owner and group" \
  test "$(stat -c '%a %U:%G' "$SOCK") $(stat -c '%a %U:%G' "$R/run/kbase")" = "660 $SVC:$GRP 750 $SVC:$GRP"

echo "--- sshd of our own on 127.0.0.1:$PORT, with deploy/sshd-kbase.conf"
ssh-keygen -q -t ed25519 -N '' -f "$R/host_key"
for key in operator operator-plain sales sales-plain; do ssh-keygen -q -t ed25519 -N '' -f "$R/$key" -C "$key"; done
{
  echo "restrict,pty,command=\"$R/opt/kbase/kbase-ssh\" $(cat "$R/operator.pub")"
  cat "$R/operator-plain.pub"   # no options: the Match block must hold it alone
} > "$R/etc/ssh/authorized_keys/$OP"
{
  echo "restrict $(cat "$R/sales.pub")"
  cat "$R/sales-plain.pub"
} > "$R/etc/ssh/authorized_keys/$SVC"
chmod 644 "$R/etc/ssh/authorized_keys/$OP" "$R/etc/ssh/authorized_keys/$SVC"
cat > "$R/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $R/host_key
PidFile $R/sshd.pid
UsePAM no
PermitRootLogin no
AllowUsers $OP $SVC
Include $R/etc/ssh/sshd_config.d/*.conf
# What follows is Debian's default sshd_config: the Match blocks above must hold against it.
KbdInteractiveAuthentication no
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
mkdir -p /run/sshd
/usr/sbin/sshd -t -f "$R/sshd_config" || die "sshd config invalid"
/usr/sbin/sshd -f "$R/sshd_config" -E "$R/sshd.log" || die "sshd did not start"
for _ in $(seq 1 50); do [ -s "$R/sshd.pid" ] && break; sleep 0.1; done
OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR)
SSH_OPTS=(-p "$PORT" "${OPTS[@]}")

echo "--- the operators' account over SSH"
for KEY in operator operator-plain; do
  S=(ssh "${SSH_OPTS[@]}" -i "$R/$KEY")
  # Every refusal below only counts if the key gets in at all.
  out="$("${S[@]}" "$OP@127.0.0.1" true 2>&1)"
  if echo "$out" | grep -q "Permission denied"; then
    bad "$KEY: could not authenticate, nothing else checked: $(tail -n 3 "$R/sshd.log")"
    continue
  fi
  echo "$out" | grep -q "kbase needs a terminal" && ok "$KEY: 'ssh host true' gets the forced command" \
    || bad "$KEY: 'ssh host true' did not get the forced command: ${out:0:80}"
  "${PROBE[@]}" - tty "$R/tty-$KEY.out" - - - -- "${S[@]}" -tt "$OP@127.0.0.1" >/dev/null 2>&1
  if grep -aq "Sign in" "$R/tty-$KEY.out" && grep -aq "User name" "$R/tty-$KEY.out"; then
    ok "$KEY: ssh -tt runs kbase (sign-in screen shown)"
  else
    bad "$KEY: ssh -tt did not show the kbase sign-in screen"
  fi
  out="$("${S[@]}" "$OP@127.0.0.1" id 2>&1)"
  echo "$out" | grep -q "uid=" && bad "$KEY: 'ssh host id' ran a command" || ok "$KEY: no shell ('ssh host id' refused)"
  out="$(echo 'id; cat /etc/passwd' | "${S[@]}" "$OP@127.0.0.1" sh 2>&1)"
  echo "$out" | grep -q "uid=\|root:" && bad "$KEY: 'ssh host sh' ran a shell" \
    || ok "$KEY: no shell ('ssh host sh' refused)"
  "${PROBE[@]}" - tty "$R/sh-$KEY.out" - - - -- "${S[@]}" -tt "$OP@127.0.0.1" /bin/sh -c 'id; cat /etc/passwd' \
    >/dev/null 2>&1
  if grep -aq "uid=\|root:x:" "$R/sh-$KEY.out"; then bad "$KEY: 'ssh -tt host /bin/sh' ran a shell"
  elif grep -aq "User name" "$R/sh-$KEY.out"; then ok "$KEY: 'ssh -tt host /bin/sh -c ...' gets kbase, not a shell"
  else bad "$KEY: 'ssh -tt host /bin/sh -c ...': neither a shell nor kbase"; fi
  # Copies of a file any local account may read: only sshd can refuse them.
  rm -f "$R/copied"
  timeout 20 scp -O -q -P "$PORT" "${OPTS[@]}" -i "$R/$KEY" "$OP@127.0.0.1:/etc/passwd" "$R/copied" >/dev/null 2>&1
  [ -s "$R/copied" ] && bad "$KEY: scp -O (scp protocol) copied a file" || ok "$KEY: scp -O (scp protocol) refused"
  rm -f "$R/copied"
  timeout 20 scp -q -P "$PORT" "${OPTS[@]}" -i "$R/$KEY" "$OP@127.0.0.1:/etc/passwd" "$R/copied" >/dev/null 2>&1
  [ -s "$R/copied" ] && bad "$KEY: scp (sftp protocol) copied a file" || ok "$KEY: scp (sftp protocol) refused"
  rm -f "$R/copied"
  echo "get /etc/passwd $R/copied" | timeout 20 sftp -q -P "$PORT" "${OPTS[@]}" -i "$R/$KEY" -b - "$OP@127.0.0.1" \
    >/dev/null 2>&1
  [ -s "$R/copied" ] && bad "$KEY: sftp copied a file" || ok "$KEY: sftp refused"
  # Forwarding: a local (-L) channel is refused; a remote (-R) one cannot be set up.
  "${S[@]}" -v -N -L "127.0.0.1:$((PORT + 77)):127.0.0.1:$PORT" "$OP@127.0.0.1" 2>"$R/fwd-$KEY.log" &
  FWD_PID=$!
  sleep 1.5
  (exec 3<>"/dev/tcp/127.0.0.1/$((PORT + 77))" && timeout 3 head -c 20 <&3) >"$R/fwd-$KEY.data" 2>/dev/null
  sleep 0.5
  kill "$FWD_PID" 2>/dev/null; wait "$FWD_PID" 2>/dev/null; FWD_PID=
  if grep -q "SSH-2.0" "$R/fwd-$KEY.data"; then bad "$KEY: -L forwarding reached sshd through the tunnel"
  elif grep -q "administratively prohibited" "$R/fwd-$KEY.log"; then ok "$KEY: -L forwarding refused"
  else bad "$KEY: -L forwarding: no refusal seen"; fi
  if timeout 10 "${S[@]}" -o ExitOnForwardFailure=yes -N -R "127.0.0.1:$((PORT + 78)):127.0.0.1:22" "$OP@127.0.0.1" \
    >/dev/null 2>&1; then bad "$KEY: -R forwarding accepted"; else ok "$KEY: -R forwarding refused"; fi
  out="$(echo ls | timeout 20 sftp -q -P "$PORT" "${OPTS[@]}" -i "$R/$KEY" -b - "$SVC@127.0.0.1" 2>&1)"
  echo "$out" | grep -q "exports" && bad "$KEY: an operator's key opened the server's account" \
    || ok "$KEY: an operator's key does not open the server's account"
done

echo "--- companies to call: a file dropped into the inbox over SFTP, imported through the socket"
printf 'Компания;Телефон;Город\nООО Ромашка-%s;+7 495 123-45-67;Москва\nАО Лютик-%s;+7 812 765-43-21;Казань\n' \
  "$N" "$N" > "$R/leads.csv"
echo "put $R/leads.csv /inbox/leads.csv" | timeout 20 sftp -q -P "$PORT" "${OPTS[@]}" -i "$R/sales" -b - \
  "$SVC@127.0.0.1" >/dev/null 2>&1
check "the head of sales put leads.csv into the inbox over SFTP: 0600, the server's account's" \
  test "$(stat -c '%a %U' "$R/srv/kbase/inbox/leads.csv" 2>/dev/null)" = "600 $SVC"
out="$(as_op "${PROBE[@]}" "$SOCK" inbox olga "$PASSWORD" 2>&1)"
echo "$out" | grep -qx "leads.csv" && ok "the supervisor sees leads.csv in the inbox through the socket" \
  || bad "inbox through the socket: $out"
out="$(as_op "${PROBE[@]}" "$SOCK" import olga "$PASSWORD" leads.csv 2>&1)"
echo "$out" | grep -q "ok    import of leads.csv: 2 imported" && ok "imported through the socket: 2 companies" \
  || bad "import through the socket: $out"

echo "--- a person signs in over SSH and gets a lead"
out="$("${PROBE[@]}" - tty "$R/sign-in.out" anna "$PASSWORD" "-$N" -- ssh "${SSH_OPTS[@]}" -i "$R/operator" -tt \
  "$OP@127.0.0.1" 2>&1)"
echo "$out" | grep -q "^ok    signed in as anna" && ok "anna signed in over ssh -tt and her lead is on the screen" \
  || { bad "sign-in over ssh: $out"; tr -s ' \n' < "$R/sign-in.out" | tail -c 600; echo; }

echo "--- the socket, as the operators' account (runuser)"
out="$(as_op "${PROBE[@]}" "$SOCK" health 2>&1)"; check "it can connect to the socket (GET /health: 200)" test $? = 0
out="$(as_op "${PROBE[@]}" "$SOCK" anonymous 2>&1)"; rc=$?
while read -r line; do [ -n "$line" ] && echo "      $line"; done <<< "$out"
check "without a session, or with a forged one, every operation and session route answers 401" test "$rc" = 0
out="$(as_op "${PROBE[@]}" "$SOCK" denied anna "$PASSWORD" exporter.export_companies queue.all_outcomes \
  importer.inbox 2>&1)"; rc=$?
check "a caller's session gets 403 for the supervisor's operations (export, outcomes editor, inbox)" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out"
out="$(as_op "${PROBE[@]}" "$SOCK" export olga "$PASSWORD" 2>&1)"
EXPORT="$R/srv/kbase/exports/$(echo "$out" | tail -n 1)"
check "the supervisor's export through the socket: a 0600 file of the server's account in the exports folder" \
  test "$(stat -c '%a %U' "$EXPORT" 2>/dev/null)" = "600 $SVC"

echo "--- the server's files, as the operators' account (runuser)"
SERVER_PY="$(pgrep -u "$SVC" -f 'kbase_tui.cli.main serve' | head -n 1)"
for target in "$DB" "$DB-wal" "${KEYS[@]}" "$BACKUP" "$EXPORT" "$R/srv/kbase/inbox/leads.csv" \
    "$R/etc/default/kbase:readable" "/proc/$SERVER_PY/environ"; do
  case "$target" in
    *:readable) path="${target%:readable}"  # no secret in it: it must be readable, as a control
       if as_op head -c 1 "$path" >/dev/null; then ok "it can read $path (the control: runuser works)"
       else bad "it cannot read $path: the checks around are worth nothing"; fi ;;
    *) if as_op head -c 1 "$target" >/dev/null 2>&1; then bad "it can read $target"
       else ok "it cannot read $target"; fi ;;
  esac
done
for folder in "$R/var/lib/kbase" "$R/etc/kbase/keys" "$R/var/lib/kbase/backups" "$R/srv/kbase/exports" \
    "$R/srv/kbase/inbox" "/proc/$SERVER_PY/fd"; do
  if as_op ls "$folder" >/dev/null 2>&1; then bad "it can list $folder"; else ok "it cannot list $folder"; fi
done
for folder in "$R/var/lib/kbase" "$R/etc/kbase" "$R/var/log/kbase" "$R/srv/kbase" "$R/srv/kbase/exports" \
    "$R/srv/kbase/inbox" "$R/run/kbase" "$R/home/$OP" "$R/opt/kbase"; do
  if as_op touch "$folder/planted" 2>/dev/null; then bad "it can write into $folder"
  else ok "it cannot write into $folder"; fi
done
out="$(as_op find "$R/home/$OP" -writable 2>&1)"
check "nothing in its home is writable by it (no .bashrc, .profile, .pam_environment, .ssh of its own)" test -z "$out"
out="$(as_op "${PROBE[@]}" - modules 2>&1)"
check "the app's modules load no database layer in its process: $out" test $? = 0

echo "--- the head of sales' SFTP key (the server's account, chrooted)"
for KEY in sales sales-plain; do
  SF=(timeout 20 sftp -q -P "$PORT" "${OPTS[@]}" -i "$R/$KEY" -b - "$SVC@127.0.0.1")
  out="$(echo 'ls -1 /' | "${SF[@]}" 2>&1)"
  listing="$(echo "$out" | grep -v '^sftp>' | sed 's#^/##' | sort | tr '\n' ' ')"
  check "$KEY: sees only the exports and inbox folders (ls /: $listing)" test "$listing" = "exports inbox "
  rm -f "$R/collected"
  echo "get /exports/$(basename "$EXPORT") $R/collected" | "${SF[@]}" >/dev/null 2>&1
  check "$KEY: collects the export" cmp -s "$EXPORT" "$R/collected"
  for steal in "$DB" "../var/lib/kbase/kbase.sqlite3" "/../../var/lib/kbase/kbase.sqlite3" "${KEYS[0]}"; do
    rm -f "$R/stolen"
    echo "get $steal $R/stolen" | "${SF[@]}" >/dev/null 2>&1
    [ -s "$R/stolen" ] && bad "$KEY: got $steal" || ok "$KEY: cannot get $steal"
  done
  out="$(printf 'symlink %s /inbox/link-%s\nchmod 755 /exports\n' "$DB" "$KEY" | "${SF[@]}" 2>&1)"
  if [ -e "$R/srv/kbase/inbox/link-$KEY" ] || [ -L "$R/srv/kbase/inbox/link-$KEY" ]; then bad "$KEY: made a link"
  else ok "$KEY: cannot make a link in the inbox"; fi
  check "$KEY: cannot change the exports folder's mode (still 0700)" test "$(stat -c %a "$R/srv/kbase/exports")" = 700
  out="$(ssh "${SSH_OPTS[@]}" -i "$R/$KEY" "$SVC@127.0.0.1" id 2>&1)"
  echo "$out" | grep -q "uid=" && bad "$KEY: 'ssh host id' ran" || ok "$KEY: no shell ('ssh host id': ${out:0:60})"
  rm -f "$R/stolen"
  timeout 20 scp -O -q -P "$PORT" "${OPTS[@]}" -i "$R/$KEY" "$SVC@127.0.0.1:/etc/passwd" "$R/stolen" >/dev/null 2>&1
  [ -s "$R/stolen" ] && bad "$KEY: scp -O copied a file" || ok "$KEY: scp -O (scp protocol) refused"
  if timeout 10 ssh "${SSH_OPTS[@]}" -i "$R/$KEY" -o ExitOnForwardFailure=yes -N \
      -R "127.0.0.1:$((PORT + 79)):127.0.0.1:22" "$SVC@127.0.0.1" >/dev/null 2>&1; then bad "$KEY: -R accepted"
  else ok "$KEY: -R forwarding refused"; fi
  out="$(ssh "${SSH_OPTS[@]}" -i "$R/$KEY" "$OP@127.0.0.1" true 2>&1)"
  echo "$out" | grep -q "kbase needs a terminal" && bad "$KEY: the SFTP key opened the operators' account" \
    || ok "$KEY: the SFTP key does not open the operators' account"
done

echo "--- kbase doctor"
out="$("$ADMIN" doctor --socket "$SOCK" --client-user "$OP" 2>&1)"; rc=$?
echo "$out" | grep -E "Server socket|Socket folder|Exports|Inbox|Client" | sed 's/^/      /'
check "kbase-admin doctor --client-user $OP (as root, with runuser): every check passes" test "$rc" = 0
out="$(runuser -u "$SVC" -- env -i PATH=/usr/bin:/bin $(grep -E '^[A-Z_]+=' "$R/etc/default/kbase") \
  "$R/opt/kbase/venv/bin/kbase" doctor --socket "$SOCK" --client-user "$OP" 2>&1)"; rc=$?
check "kbase doctor --client-user $OP as the server's account (from modes and owners): every check passes" \
  test "$rc" = 0
[ "$rc" = 0 ] || echo "$out"
chmod 644 "$EXPORT"
out="$("$ADMIN" doctor --socket "$SOCK" --client-user "$OP" 2>&1)"; rc=$?
check "and with an export made 0644 by mistake the doctor fails" test "$rc" = 1
echo "$out" | grep -q "readable by group or others" || bad "the doctor did not say why: $out"
chmod 600 "$EXPORT"

[ -n "${KBASE_CHECK_PAUSE:-}" ] && { echo "paused: $R"; sleep "$KBASE_CHECK_PAUSE"; }
echo "--- $PASS passed, $FAIL failed (sshd on 127.0.0.1:$PORT, $(ssh -V 2>&1 | cut -d, -f1))"
[ "$FAIL" = 0 ]
