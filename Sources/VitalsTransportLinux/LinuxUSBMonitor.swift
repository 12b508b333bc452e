import CLibUSB
import Foundation
import Logging
import Synchronization
import VitalsTransport

/// Watches USB devices arrive and leave.
///
/// Where libusb has hot-plug support (`LinuxUSB.hasHotplug`), a libusb hot-plug callback marks the device
/// list as changed, and the list is still re-read every 5 × `pollInterval` (libusb's udev backend hears
/// nothing where udevd is not running); otherwise the list is polled every `pollInterval`. Either way one thread owns the
/// monitor's libusb context, re-enumerates when something changed, and reports the difference, so the
/// events are the same: every device present at the start arrives first, then arrivals and departures.
/// The callback itself does no I/O (libusb forbids transfers there). `stop()` ends the thread, deregisters
/// the callback, frees the context and finishes `events`.
public final class LinuxUSBMonitor: Sendable {
    public let events: AsyncStream<USBHotplugEvent>
    /// Whether hot-plug callbacks are used (else polling).
    public let usesHotplugCallbacks: Bool
    let continuation: AsyncStream<USBHotplugEvent>.Continuation
    /// Yields once the first enumeration's arrivals are in `events` (then finishes).
    private let enumerated: AsyncStream<Void>
    let control = Control()
    let finished = DispatchSemaphore(value: 0)

    /// `changed` is set by the hot-plug callback and cleared by the monitor thread; `stopped` by `stop()`.
    final class Control: Sendable {
        let changed = Atomic<Bool>(true)
        let stopped = Atomic<Bool>(false)
    }

    public init(pollInterval: Duration = .seconds(1), forcePolling: Bool = false, logger: Logger) throws(USBLinkError) {
        let ctx = try LinuxUSB.makeContext()
        let (stream, continuation) = AsyncStream<USBHotplugEvent>.makeStream(bufferingPolicy: .unbounded)
        events = stream
        self.continuation = continuation
        let (enumerated, enumeratedDone) = AsyncStream<Void>.makeStream()
        self.enumerated = enumerated
        let changed = control
        var callback: libusb_hotplug_callback_handle = 0
        var hotplug = false
        if !forcePolling && LinuxUSB.hasHotplug {
            let fn: libusb_hotplug_callback_fn = { _, _, _, user in
                if let user { Unmanaged<Control>.fromOpaque(user).takeUnretainedValue().changed.store(true, ordering: .releasing) }
                return 0
            }
            let events = Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue)
            let rc = libusb_hotplug_register_callback(
                ctx.raw, events, 0, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, fn,
                Unmanaged.passUnretained(changed).toOpaque(), &callback)
            hotplug = rc == 0
            if rc != 0 { logger.notice("usb hot-plug callback refused; polling", metadata: ["error": "\(LinuxUSB.error("libusb_hotplug_register_callback", rc))"]) }
        }
        usesHotplugCallbacks = hotplug
        let handle = callback
        let useCallbacks = hotplug
        let thread = Thread { [finished, useCallbacks] in
            let hotplug = useCallbacks
            var known: [String: USBDeviceSummary] = [:]
            var lastPoll = ContinuousClock.now
            var first = true
            while !changed.stopped.load(ordering: .acquiring) {
                if hotplug {
                    var tv = timeval(tv_sec: 0, tv_usec: 200_000)
                    _ = libusb_handle_events_timeout_completed(ctx.raw, &tv, nil)
                } else {
                    usleep(100_000)
                }
                // With callbacks, a slow full resync too: libusb's udev backend hears nothing when udevd is not running.
                let flagged = hotplug && changed.changed.exchange(false, ordering: .acquiringAndReleasing)
                let due = flagged || first || ContinuousClock.now - lastPoll >= (hotplug ? pollInterval * 5 : pollInterval)
                guard due else { continue }
                first = false
                lastPoll = ContinuousClock.now
                guard let now = try? LinuxUSB.devices(context: ctx) else { continue }
                var seen: [String: USBDeviceSummary] = [:]
                for d in now { seen[d.location] = d }
                for (key, d) in known where seen[key] == nil {
                    continuation.yield(.left(bus: d.bus, address: d.address))
                }
                for d in now where known[d.location] == nil {
                    continuation.yield(.arrived(d))
                }
                known = seen
                enumeratedDone.finish()
            }
            enumeratedDone.finish()
            if hotplug { libusb_hotplug_deregister_callback(ctx.raw, handle) }
            withExtendedLifetime(changed) {}
            libusb_exit(ctx.raw)
            continuation.finish()
            finished.signal()
        }
        thread.name = "openvitals.usb.monitor"
        thread.start()
    }

    /// Returns once the devices present at the start have been reported (or the monitor stopped).
    public func firstEnumeration() async {
        for await _ in enumerated {}
    }

    /// Ends monitoring and waits (briefly) for the thread to release libusb.
    public func stop() {
        guard !control.stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
    }
}
