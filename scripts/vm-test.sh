#!/usr/bin/env bash
# make vm-test: the hub and firmware-sim against Linux's real Bluetooth and USB stacks (USB through USB/IP and vhci-hcd), in a QEMU guest under software
# emulation (no KVM needed). The guest boots the Debian kernel with a tiny busybox initramfs and mounts this
# machine's root read-only over 9p, so it runs the very binaries just built here.
#
# Exit 0 with a "vm-test: skipped: …" line when the tier cannot run (not root and packages missing, no
# kernel); VM_TEST_REQUIRED=1 turns a skip into a failure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/.build-vm"
PACKAGES=(qemu-system-x86 busybox-static linux-image-amd64 bluez bluez-test-tools usbip)

skip() {
    echo "vm-test: skipped: $*"
    [ "${VM_TEST_REQUIRED:-0}" = 1 ] && exit 1
    exit 0
}

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "vm-test: installing ${missing[*]} (about 1.5 minutes)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null || skip "could not install ${missing[*]}"
    else
        skip "missing ${missing[*]} (run: sudo apt-get install -y ${missing[*]})"
    fi
fi

KERNEL="$(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)"
[ -n "$KERNEL" ] || skip "no /boot/vmlinuz-*-amd64"
KV="${KERNEL#/boot/vmlinuz-}"
[ -d "/lib/modules/$KV" ] || skip "no modules for $KV"

cd "$ROOT"
if [ -n "${VM_TEST_BIN:-}" ]; then
    # Another build of the binaries (scripts/vm-test-mutant.sh runs a deliberately broken one).
    BIN=$VM_TEST_BIN
else
    swift build
    BIN="$(swift build --show-bin-path)"
fi
# The guest runs copies: a rebuild on this machine while the guest runs must not change them under it.
mkdir -p "$WORK/bin"
cp "$BIN/vitals" "$BIN/firmware-sim" "$WORK/bin/"
BIN="$WORK/bin"

# A busybox initramfs that can reach the host root over virtio-9p.
rm -rf "$WORK/initrd" "$WORK/run" "$WORK/first-attempt"
mkdir -p "$WORK/initrd"/{bin,mods,proc,sys,dev,host}
cp /bin/busybox "$WORK/initrd/bin/"
cp "$ROOT/scripts/vm/initrd-init" "$WORK/initrd/init"
for m in netfs fscache 9pnet 9p virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet_virtio; do
    f="$(modinfo -k "$KV" -n "$m" 2>/dev/null || true)"
    # Load order matters: prefix with a sequence number.
    [ -f "$f" ] && cp "$f" "$WORK/initrd/mods/$(printf '%02d' $(ls "$WORK/initrd/mods" | wc -l))-$m.ko"
done
(cd "$WORK/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$WORK/initrd.gz")

boot() {
    rm -rf "$WORK/run"
    mkdir -p "$WORK/run"
    echo "vm-test: booting $KV under QEMU (TCG)"
    set +e
    timeout 300 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 1024 -smp 2 -nographic -no-reboot \
        -kernel "$KERNEL" -initrd "$WORK/initrd.gz" \
        -append "console=ttyS0 panic=-1 quiet vmtest.root=$ROOT vmtest.work=$WORK/run vmtest.bin=$BIN vmtest.only=${VM_TEST_ONLY:-all}" \
        -nic none \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$WORK/run,mount_tag=work,security_model=none,multidevs=remap" \
        > "$WORK/guest.log" 2>&1
    QEMU_RC=$?
    set -e
}
boot
# Emulation is slow and the virtual controllers occasionally miss their start: one more boot before failing.
passed() { [ "${VM_TEST_ONLY:-all}" != all ] && [ "${VM_TEST_ONLY}" != "$1" ] && return 0; grep -qs '^ok: ' "$WORK/run/$1.result"; }
if ! passed ble || ! passed usb; then
    echo "vm-test: first boot did not pass ($(cat "$WORK/run/usb.result" "$WORK/run/ble.result" 2>/dev/null | head -c 400 || echo "no result")); booting once more"
    mkdir -p "$WORK/first-attempt" && cp -r "$WORK/run/." "$WORK/first-attempt/" 2>/dev/null && cp "$WORK/guest.log" "$WORK/first-attempt/"
    boot
fi

status=0
if [ "${VM_TEST_ONLY:-all}" = ble ]; then
    echo "vm-test usb: skipped (VM_TEST_ONLY=ble)"
elif [ -f "$WORK/run/usb.result" ]; then
    sed 's/^ok: //; s/^fail: /FAILED: /' "$WORK/run/usb.result"
    grep -q '^ok: ' "$WORK/run/usb.result" || status=1
else
    echo "vm-test usb: FAILED: no result (qemu exit $QEMU_RC)"
    status=1
fi
if [ "${VM_TEST_ONLY:-all}" = usb ]; then
    echo "vm-test ble: skipped (VM_TEST_ONLY=usb)"
elif [ -f "$WORK/run/ble.result" ]; then
    sed 's/^ok: //; s/^fail: /FAILED: /' "$WORK/run/ble.result"
    grep -q '^ok: ' "$WORK/run/ble.result" || status=1
else
    echo "vm-test ble: FAILED: no result (qemu exit $QEMU_RC)"
    status=1
fi
if [ $status -ne 0 ]; then
    echo "---- guest log (tail)"; tail -40 "$WORK/guest.log"
    for f in usb-probe.out usb-probe.log usbip-loopback.log usbip-bp.log usbip-bp.out usbip-glucose.log usbip-glucose.out usbip-astm.log usbip-astm.out usbip.txt usb-dmesg.log usb-hub.out usb-hub.log hub.log hub.out sim-bp.log sim-glu.log sim-hr.log sim-ecg.log btvirt.log; do
        [ -f "$WORK/run/$f" ] && { echo "---- $f (tail)"; tail -30 "$WORK/run/$f"; }
    done
fi
exit $status
