import CLibUSB
import Foundation
import VitalsTransport
import VitalsWire

/// USB through libusb on Linux: enumeration (`devices()`), opening a bulk link (`LinuxUSBBulkLink`) and
/// watching for devices (`LinuxUSBMonitor`). See docs/usb-linux.md for permissions and kernel drivers.
public enum LinuxUSB {
    /// A libusb context, device or handle pointer, moved between the threads that own it in turn.
    struct Pointer: @unchecked Sendable {
        let raw: OpaquePointer
    }

    /// A `USBLinkError` for a libusb return code.
    static func error(_ call: String, _ code: Int32, endpoint: UInt8 = 0) -> USBLinkError {
        switch code {
        case LIBUSB_ERROR_NO_DEVICE.rawValue: .disconnected
        case LIBUSB_ERROR_PIPE.rawValue: .stalled(endpoint: endpoint)
        case LIBUSB_ERROR_OVERFLOW.rawValue: .overflow(endpoint: endpoint)
        default: .failed(call: call, code: code, message: String(cString: libusb_strerror(code)))
        }
    }

    static func makeContext() throws(USBLinkError) -> Pointer {
        var ctx: OpaquePointer?
        let rc = libusb_init(&ctx)
        guard rc == 0, let ctx else { throw error("libusb_init", rc) }
        return Pointer(raw: ctx)
    }

    /// Every USB device on the host, with its interfaces (of the active configuration, else the first),
    /// PHDC descriptors, and the manufacturer, product and serial strings when the device can be opened.
    public static func devices() throws(USBLinkError) -> [USBDeviceSummary] {
        let ctx = try makeContext()
        defer { libusb_exit(ctx.raw) }
        return try devices(context: ctx)
    }

    static func devices(context: Pointer) throws(USBLinkError) -> [USBDeviceSummary] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(context.raw, &list)
        guard n >= 0, let list else { throw error("libusb_get_device_list", Int32(n)) }
        defer { libusb_free_device_list(list, 1) }
        var out: [USBDeviceSummary] = []
        for i in 0..<n {
            guard let dev = list[i] else { continue }
            if let s = summary(of: dev, readStrings: true) { out.append(s) }
        }
        return out.sorted { ($0.bus, $0.address) < ($1.bus, $1.address) }
    }

    /// The decoded configuration descriptor of a device, rebuilt from libusb's parse (its `extra` bytes
    /// keep the class-specific descriptors as sent).
    static func configuration(of dev: OpaquePointer) -> USBConfigurationDescriptor? {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        if libusb_get_active_config_descriptor(dev, &config) != 0 || config == nil {
            guard libusb_get_config_descriptor(dev, 0, &config) == 0 else { return nil }
        }
        guard let c = config?.pointee else { return nil }
        defer { libusb_free_config_descriptor(config) }
        func bytes(_ p: UnsafePointer<UInt8>?, _ n: Int32) -> [UInt8] {
            guard let p, n > 0 else { return [] }
            return Array(UnsafeBufferPointer(start: p, count: Int(n)))
        }
        var interfaces: [USBInterfaceDescriptor] = []
        for i in 0..<Int(c.bNumInterfaces) {
            let intf = c.interface[i]
            for a in 0..<Int(intf.num_altsetting) {
                let alt = intf.altsetting[a]
                var endpoints: [USBEndpointDescriptor] = []
                for e in 0..<Int(alt.bNumEndpoints) {
                    let ep = alt.endpoint[e]
                    var d = USBEndpointDescriptor(address: ep.bEndpointAddress, type: .bulk, maxPacketSize: ep.wMaxPacketSize, interval: ep.bInterval, extra: bytes(ep.extra, ep.extra_length))
                    d.attributes = ep.bmAttributes
                    endpoints.append(d)
                }
                interfaces.append(USBInterfaceDescriptor(
                    number: alt.bInterfaceNumber, alternateSetting: alt.bAlternateSetting, interfaceClass: alt.bInterfaceClass,
                    interfaceSubClass: alt.bInterfaceSubClass, interfaceProtocol: alt.bInterfaceProtocol, interfaceIndex: alt.iInterface,
                    extra: bytes(alt.extra, alt.extra_length), endpoints: endpoints))
            }
        }
        return USBConfigurationDescriptor(
            configurationValue: c.bConfigurationValue, configurationIndex: c.iConfiguration, attributes: c.bmAttributes, maxPower: c.MaxPower,
            extra: bytes(c.extra, c.extra_length), interfaces: interfaces)
    }

    static func summary(of dev: OpaquePointer, readStrings: Bool) -> USBDeviceSummary? {
        var d = libusb_device_descriptor()
        guard libusb_get_device_descriptor(dev, &d) == 0 else { return nil }
        var s = USBDeviceSummary(
            bus: libusb_get_bus_number(dev), address: libusb_get_device_address(dev), vendorID: d.idVendor, productID: d.idProduct,
            deviceClass: d.bDeviceClass, interfaces: configuration(of: dev)?.interfaces.map(USBInterfaceSummary.init) ?? [])
        if readStrings {
            var handle: OpaquePointer?
            if libusb_open(dev, &handle) == 0, let handle {
                defer { libusb_close(handle) }
                s.manufacturer = string(handle, d.iManufacturer)
                s.product = string(handle, d.iProduct)
                s.serialNumber = string(handle, d.iSerialNumber)
            }
        }
        return s
    }

    static func string(_ handle: OpaquePointer, _ index: UInt8) -> String? {
        guard index != 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: 256)
        let n = libusb_get_string_descriptor_ascii(handle, index, &buf, Int32(buf.count))
        guard n > 0 else { return nil }
        return String(decoding: buf.prefix(Int(n)), as: UTF8.self)
    }

    /// Whether this libusb delivers hot-plug events (on Linux: udev or netlink).
    public static var hasHotplug: Bool { libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0 }

    /// Converts a Swift `Duration` to libusb's millisecond timeout (0 would mean "forever": at least 1).
    static func milliseconds(_ d: Duration) -> UInt32 {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return UInt32(clamping: max(1, ms))
    }
}
