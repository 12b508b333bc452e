#!/bin/bash
# Runs inside the vm-test guest, in the host's root (read-only) with a writable work share.
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
export VMTEST_ROOT=$(arg vmtest.root) VMTEST_WORK=$(arg vmtest.work) VMTEST_BIN=$(arg vmtest.bin)
# /tmp is the host's (read-only, and may hold this very checkout): scratch space lives on /run's tmpfs.
mkdir -p /run/home /run/tmp
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/run/home TMPDIR=/run/tmp
echo "vm-guest: host root ready at $(cut -d' ' -f1 /proc/uptime) s"
# vmtest.only=ble|usb runs one path (for working on it); the default runs both.
ONLY=$(arg vmtest.only)
[ "$ONLY" = ble ] || bash "$VMTEST_ROOT/scripts/vm/guest-usb.sh"
[ "$ONLY" = usb ] || bash "$VMTEST_ROOT/scripts/vm/guest-ble.sh"
echo "vm-guest: done at $(cut -d' ' -f1 /proc/uptime) s"
sync
/bin/busybox poweroff -f
