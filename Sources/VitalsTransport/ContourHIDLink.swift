import VitalsWire

/// A USB link to a Contour-style meter: the same ASTM E1381 bytes, carried in 64-byte HID reports
/// (`ContourHIDReport`) on the device's interrupt pipe. Writes are split into reports; reads unwrap one.
public final class ContourHIDLink: USBBulkLink {
    public let inner: any USBBulkLink
    public init(_ inner: any USBBulkLink) { self.inner = inner }

    public var device: USBDeviceSummary { inner.device }

    public func write(_ bytes: [UInt8]) async throws {
        for report in ContourHIDReport.reports(for: bytes) { try await inner.write(report.encoded) }
    }

    public func read(timeout: Duration) async throws -> [UInt8]? {
        guard let report = try await inner.read(timeout: timeout) else { return nil }
        return try ContourHIDReport(bytes: report).data
    }

    public func readInterrupt(timeout: Duration) async throws -> [UInt8]? { nil }
    public func close() { inner.close() }
}
