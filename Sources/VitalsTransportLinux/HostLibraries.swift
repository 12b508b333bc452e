import CBlueZ
import CLibUSB

/// What the host's Bluetooth and USB libraries report. The real transports over them arrive with the BLE and
/// USB issues; this proves the system-library targets link and answer.
public enum HostLibraries {
    /// libusb's version, e.g. "1.0.26".
    public static func libusbVersion() -> String {
        guard let v = libusb_get_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }

    /// Whether a Bluetooth HCI adapter is present (hci_get_route finds the first one), by device id.
    public static func firstBluetoothAdapter() -> Int32? {
        let id = hci_get_route(nil)
        return id >= 0 ? id : nil
    }

    /// Converts a textual address through libbluetooth (`str2ba`/`ba2str`), normalising its case.
    public static func normaliseBluetoothAddress(_ text: String) -> String? {
        var addr = bdaddr_t()
        guard text.split(separator: ":").count == 6, str2ba(text, &addr) == 0 else { return nil }
        var out = [CChar](repeating: 0, count: 18)
        ba2str(&addr, &out)
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
