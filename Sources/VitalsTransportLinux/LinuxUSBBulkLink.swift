import CLibUSB
import Foundation
import Logging
import Synchronization
import VitalsTransport
import VitalsWire

/// A claimed USB interface through libusb: bulk OUT, bulk IN and (when the interface has one) interrupt IN,
/// with timeouts.
///
/// libusb's synchronous transfers block, so each direction has its own serial `DispatchQueue` (its own
/// thread): the Swift cooperative pool never waits on USB. A read that is still waiting is cut into slices of
/// at most one second, so `close()` never waits longer than that for it. LIBUSB_ERROR_NO_DEVICE (unplugged,
/// or the USB/IP link dropped) surfaces as `USBLinkError.disconnected`; a stalled endpoint is cleared and
/// reported as `USBLinkError.stalled`.
public final class LinuxUSBBulkLink: USBBulkLink {
    public let device: USBDeviceSummary
    public let interfaceNumber: UInt8
    public let bulkIn: UInt8
    public let bulkOut: UInt8
    public let interruptIn: UInt8?
    /// The data pipe is an interrupt IN/OUT pair (a HID interface, as the Contour meters have) rather than bulk.
    public let dataIsInterrupt: Bool
    let context: LinuxUSB.Pointer
    let handle: LinuxUSB.Pointer
    let logger: Logger
    let readQueue = DispatchQueue(label: "openvitals.usb.bulk-in")
    let writeQueue = DispatchQueue(label: "openvitals.usb.bulk-out")
    let interruptQueue = DispatchQueue(label: "openvitals.usb.interrupt-in")
    /// Transfer buffer for IN: a multiple of the high-speed bulk packet size; a short packet ends the transfer.
    static let inBufferSize = 16_384
    static let slice: Duration = .seconds(1)

    struct State {
        var closed = false
        var released = false
    }
    let state = Mutex(State())

    /// Opens the device at `device.bus`/`device.address`, lets libusb detach a bound kernel driver, makes sure a
    /// configuration is set, and claims `interface` (default: the first PHDC 11073 interface, else the first
    /// interface with a bulk IN and a bulk OUT endpoint).
    public init(device: USBDeviceSummary, interface: UInt8? = nil, logger: Logger) throws(USBLinkError) {
        let chosen: USBInterfaceSummary?
        if let interface {
            chosen = device.interfaces.first { $0.number == interface }
        } else {
            chosen = device.phdc11073Interface ?? device.interfaces.first { i in
                i.endpoints.contains { $0.isIn && $0.transferType == "bulk" } && i.endpoints.contains { !$0.isIn && $0.transferType == "bulk" }
            }
        }
        // A HID interface (no bulk pair) carries its data on an interrupt IN/OUT pair.
        let hid = device.interfaces.first { i in
            i.endpoints.contains { $0.isIn && $0.transferType == "interrupt" } && i.endpoints.contains { !$0.isIn && $0.transferType == "interrupt" }
        }
        let pick = chosen ?? (interface == nil ? hid : nil)
        let pipe = pick.flatMap { c -> (USBInterfaceSummary, USBEndpointSummary, USBEndpointSummary, Bool)? in
            if let i = c.endpoints.first(where: { $0.isIn && $0.transferType == "bulk" }), let o = c.endpoints.first(where: { !$0.isIn && $0.transferType == "bulk" }) {
                return (c, i, o, false)
            }
            if let i = c.endpoints.first(where: { $0.isIn && $0.transferType == "interrupt" }), let o = c.endpoints.first(where: { !$0.isIn && $0.transferType == "interrupt" }) {
                return (c, i, o, true)
            }
            return nil
        }
        guard let (chosen, inEP, outEP, interruptPipe) = pipe else {
            throw .failed(call: "open", code: Int32(LIBUSB_ERROR_NOT_FOUND.rawValue), message: "\(device.vidPid) has no interface with bulk (or interrupt) IN and OUT endpoints")
        }
        let ctx = try LinuxUSB.makeContext()
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(ctx.raw, &list)
        var opened: OpaquePointer?
        var rc: Int32 = Int32(LIBUSB_ERROR_NO_DEVICE.rawValue)
        if n > 0, let list {
            for i in 0..<n {
                guard let dev = list[i], libusb_get_bus_number(dev) == device.bus, libusb_get_device_address(dev) == device.address else { continue }
                rc = libusb_open(dev, &opened)
                break
            }
            libusb_free_device_list(list, 1)
        }
        guard rc == 0, let opened else {
            libusb_exit(ctx.raw)
            throw LinuxUSB.error("libusb_open \(device.location)", rc)
        }
        // Detach a kernel driver bound to the interface on claim, re-attach it on release.
        if libusb_set_auto_detach_kernel_driver(opened, 1) != 0, libusb_kernel_driver_active(opened, Int32(chosen.number)) == 1 {
            _ = libusb_detach_kernel_driver(opened, Int32(chosen.number))
        }
        var config: Int32 = 0
        if libusb_get_configuration(opened, &config) == 0, config == 0 {
            _ = libusb_set_configuration(opened, 1)
        }
        rc = libusb_claim_interface(opened, Int32(chosen.number))
        guard rc == 0 else {
            libusb_close(opened)
            libusb_exit(ctx.raw)
            throw LinuxUSB.error("libusb_claim_interface \(chosen.number)", rc)
        }
        if chosen.alternateSetting != 0 {
            _ = libusb_set_interface_alt_setting(opened, Int32(chosen.number), Int32(chosen.alternateSetting))
        }
        self.device = device
        self.interfaceNumber = chosen.number
        self.bulkIn = inEP.address
        self.bulkOut = outEP.address
        self.dataIsInterrupt = interruptPipe
        self.interruptIn = interruptPipe ? nil : chosen.endpoints.first { $0.isIn && $0.transferType == "interrupt" }?.address
        self.context = ctx
        self.handle = LinuxUSB.Pointer(raw: opened)
        self.logger = logger
        logger.debug("usb interface claimed", metadata: ["usb.device": "\(device.vidPid)", "usb.location": "\(device.location)", "usb.interface": "\(chosen.number)"])
    }

    deinit { release() }

    public func write(_ bytes: [UInt8]) async throws {
        try await run(on: writeQueue) { () throws(USBLinkError) -> Void in
            var data = bytes
            var sent: Int32 = 0
            let rc = self.dataIsInterrupt
                ? libusb_interrupt_transfer(self.handle.raw, self.bulkOut, &data, Int32(data.count), &sent, 5000)
                : libusb_bulk_transfer(self.handle.raw, self.bulkOut, &data, Int32(data.count), &sent, 5000)
            guard rc == 0 else { throw self.failure("bulk OUT", rc, endpoint: self.bulkOut) }
            guard Int(sent) == bytes.count else {
                throw USBLinkError.failed(call: "bulk OUT", code: 0, message: "sent \(sent) of \(bytes.count) bytes")
            }
        }
    }

    public func read(timeout: Duration) async throws -> [UInt8]? {
        try await readIn(endpoint: bulkIn, on: readQueue, timeout: timeout, call: "bulk IN")
    }

    public func readInterrupt(timeout: Duration) async throws -> [UInt8]? {
        guard let interruptIn else { return nil }
        return try await readIn(endpoint: interruptIn, on: interruptQueue, timeout: timeout, call: "interrupt IN")
    }

    func readIn(endpoint: UInt8, on queue: DispatchQueue, timeout: Duration, call: String) async throws -> [UInt8]? {
        try await run(on: queue) { () throws(USBLinkError) -> [UInt8]? in
            var left = timeout
            while true {
                if self.state.withLock({ $0.closed }) { throw USBLinkError.closed }
                let slice = min(left, Self.slice)
                var buf = [UInt8](repeating: 0, count: Self.inBufferSize)
                var got: Int32 = 0
                let rc = endpoint == self.interruptIn || (self.dataIsInterrupt && endpoint == self.bulkIn)
                    ? libusb_interrupt_transfer(self.handle.raw, endpoint, &buf, Int32(buf.count), &got, LinuxUSB.milliseconds(slice))
                    : libusb_bulk_transfer(self.handle.raw, endpoint, &buf, Int32(buf.count), &got, LinuxUSB.milliseconds(slice))
                if rc == 0 || got > 0 { return Array(buf.prefix(Int(got))) }
                guard rc == LIBUSB_ERROR_TIMEOUT.rawValue else { throw self.failure(call, rc, endpoint: endpoint) }
                left -= slice
                if left <= .zero { return nil }
            }
        }
    }

    /// Maps a libusb failure; clears the halt of a stalled endpoint so the next transfer can go.
    func failure(_ call: String, _ rc: Int32, endpoint: UInt8) -> USBLinkError {
        let e = LinuxUSB.error(call, rc, endpoint: endpoint)
        switch e {
        case .stalled:
            _ = libusb_clear_halt(handle.raw, endpoint)
        case .disconnected:
            logger.notice("usb device disconnected", metadata: ["usb.device": "\(device.vidPid)", "usb.location": "\(device.location)"])
        default: break
        }
        return e
    }

    /// Runs a blocking libusb call on `queue`, suspending (not blocking) the calling task.
    func run<T: Sendable>(on queue: DispatchQueue, _ body: @escaping @Sendable () throws(USBLinkError) -> T) async throws -> T {
        if state.withLock({ $0.closed }) { throw USBLinkError.closed }
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            queue.async {
                do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
            }
        }
    }

    /// Stops new transfers, waits for those in flight (a read at most one slice), releases the interface
    /// (re-attaching a detached kernel driver) and closes the device.
    public func close() {
        guard state.withLock({ s in
            defer { s.closed = true }
            return !s.closed
        }) else { return }
        readQueue.sync {}
        writeQueue.sync {}
        interruptQueue.sync {}
        release()
    }

    func release() {
        guard state.withLock({ s in
            defer { s.released = true }
            return !s.released
        }) else { return }
        _ = libusb_release_interface(handle.raw, Int32(interfaceNumber))
        libusb_close(handle.raw)
        libusb_exit(context.raw)
    }
}
