import Synchronization
import VitalsWire

/// A simulated glucose meter that sends its memory as an ASTM E1394 message through E1381, laid out the way
/// the Contour USB meters do it: a header (`Bayer`-style sender field with model, versions, serial and
/// SKU; settings; the result count; the meter clock), `P|1`, one R record per stored result (test time in
/// field 9, markers in field 7), and `L|1||N`. Each record goes in its own frame (ETB), the last in an ETX
/// frame; a record longer than 240 characters is split over several.
///
/// Pure: it holds no clock and does no I/O. `start` (meter-initiated) or any byte other than ACK/NAK while
/// idle (host-initiated, as the Contour meters wait for) gives ENQ; each ACK gives the next frame; NAK gives
/// the same frame again (six NAKs in a row end the transfer with EOT); after the last frame is acknowledged
/// it sends EOT and is finished.
public struct ASTMMeter: Sendable {
    public struct StoredResult: Hashable, Sendable {
        public var value: String
        public var unit: String
        /// `P` plasma or `B` whole blood.
        public var method: String
        /// The field-7 markers, e.g. `B` (before meal), `A/M0/T1`, `C` (control), `>` (above range).
        public var markers: String
        public var time: ASTMDateTime
        public init(value: String, unit: String = "mg/dL", method: String = "P", markers: String = "", time: ASTMDateTime) {
            self.value = value
            self.unit = unit
            self.method = method
            self.markers = markers
            self.time = time
        }
    }

    public struct Faults: Hashable, Sendable {
        /// Send frame k (1-based over the transfer) with a wrong checksum, once.
        public var badChecksumOnFrame: Int?
        /// After frame k is acknowledged, send nothing more (the receiver times out).
        public var silentAfterFrame: Int?
        /// Bytes sent before every frame (line noise).
        public var garbageBetweenFrames: [UInt8] = []
        public init(badChecksumOnFrame: Int? = nil, silentAfterFrame: Int? = nil, garbageBetweenFrames: [UInt8] = []) {
            self.badChecksumOnFrame = badChecksumOnFrame
            self.silentAfterFrame = silentAfterFrame
            self.garbageBetweenFrames = garbageBetweenFrames
        }
    }

    public enum Phase: Hashable, Sendable {
        case idle
        case awaitingEnquiryAnswer
        case awaitingFrameAnswer
        case silent
        case finished
    }

    public let message: ASTMMessage
    public let frames: [ASTMFrame]
    public var faults: Faults
    public private(set) var phase: Phase = .idle
    /// Index of the frame being sent.
    public private(set) var current = 0
    public private(set) var retries = 0
    public private(set) var transmissions = 0
    private var corruptedOnce = false

    public init(message: ASTMMessage, faults: Faults = Faults()) {
        self.message = message
        self.faults = faults
        // One record per frame run, as the Contour meters send it; the numbering runs on across records.
        var out: [ASTMFrame] = []
        let records = message.records.map { $0.record.encoded(message.delimiters) + [ASTMControl.cr] }
        for (i, text) in records.enumerated() {
            var run = ASTMFrame.frames(for: text, firstNumber: UInt8((out.count + 1) % 8))
            for j in run.indices { run[j].isFinal = i == records.count - 1 && j == run.count - 1 }
            out += run
        }
        frames = out
    }

    /// A Contour-style meter holding `results`, sequence numbers from 1.
    public init(model: String = "Bayer7410", serial: String = "7410-1234567", clock: ASTMDateTime, results: [StoredResult], faults: Faults = Faults()) {
        let d = ASTMDelimiters.standard
        let settings = ASTMField(raw: Array("A=1^C=00^G=en^I=0200^R=0^S=1^U=0^V=10600^X=070070070180130180070130^Y=120054252099^Z=1".utf8))
        var records: [ASTMMessage.TypedRecord] = [
            .header(ASTMHeaderRecord(delimiters: d, accessPassword: "", senderName: [model, "01.00", serial, "0000-"], senderAddress: settings, reserved: String(results.count), dateTime: clock)),
            .patient(ASTMPatientRecord(sequence: 1)),
        ]
        for (i, r) in results.enumerated() {
            records.append(.result(ASTMResultRecord(
                delimiters: d, sequence: i + 1, testID: ["", "", "", "Glucose"], value: r.value, units: [r.unit, r.method],
                abnormalFlags: r.markers, completed: r.time, contourLayout: true)))
        }
        records.append(.terminator(ASTMTerminatorRecord(sequence: 1, code: "N")))
        self.init(message: ASTMMessage(records: records, delimiters: d), faults: faults)
    }

    public var isFinished: Bool { phase == .finished }

    /// The meter starts a transfer by itself.
    public mutating func start() -> [UInt8] {
        guard phase == .idle else { return [] }
        phase = .awaitingEnquiryAnswer
        return [ASTMControl.enq]
    }

    /// Bytes from the host.
    public mutating func received(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes { out += handle(b) }
        return out
    }

    private mutating func handle(_ b: UInt8) -> [UInt8] {
        switch phase {
        case .idle:
            // The Contour meters answer any byte but ACK and NAK with ENQ.
            return b == ASTMControl.ack || b == ASTMControl.nak ? [] : start()
        case .awaitingEnquiryAnswer:
            if b == ASTMControl.ack {
                current = 0
                retries = 0
                return sendCurrent()
            }
            if b == ASTMControl.nak {
                // Receiver busy: E1381 waits and tries again; here, at once.
                return [ASTMControl.enq]
            }
            return []
        case .awaitingFrameAnswer:
            if b == ASTMControl.ack {
                if let k = faults.silentAfterFrame, current + 1 == k {
                    phase = .silent
                    return []
                }
                current += 1
                retries = 0
                if current == frames.count {
                    phase = .finished
                    return [ASTMControl.eot]
                }
                return sendCurrent()
            }
            if b == ASTMControl.nak {
                retries += 1
                if retries >= 6 {
                    phase = .finished
                    return [ASTMControl.eot]
                }
                return sendCurrent()
            }
            return []
        case .silent, .finished:
            return []
        }
    }

    private mutating func sendCurrent() -> [UInt8] {
        phase = .awaitingFrameAnswer
        transmissions += 1
        var bytes = frames[current].encoded
        if let k = faults.badChecksumOnFrame, k == current + 1, !corruptedOnce {
            corruptedOnce = true
            // Flip the second checksum digit to another hex digit.
            let i = bytes.count - 3
            bytes[i] = bytes[i] == 0x30 ? 0x31 : 0x30
        }
        return faults.garbageBetweenFrames + bytes
    }
}

/// The simulated meter as a USB device for the USB/IP server: one interface of class 0x0A (CDC Data) with
/// bulk OUT 0x01 and bulk IN 0x82, carrying E1381 bytes as they are. Host-initiated, like the Contour meters:
/// whatever the host writes while the meter is idle (EOT, say) makes it send ENQ; ACK and NAK drive the
/// frames. VID 0x1209 (pid.codes) with PID 0x7100.
///
/// The real Contour meters are USB HID devices that wrap the same bytes in 64-byte reports; the simulator
/// uses plain bulk endpoints so the hub's libusb bulk path can drive it.
public final class ASTMMeterUSBFunction: SimulatedUSBFunction {
    public static let vendorID: UInt16 = 0x1209
    public static let productID: UInt16 = 0x7100
    public static let cdcDataClass: UInt8 = 0x0A

    public let usbDescriptor: SimulatedUSBDescriptor
    private let initial: ASTMMeter
    private let meter: Mutex<ASTMMeter>

    /// The HID variant (the real Contour meters' transport): PID 0x7101, interface class 3, interrupt
    /// IN 0x81 and OUT 0x02, bytes wrapped in 64-byte `ContourHIDReport`s.
    public static let hidProductID: UInt16 = 0x7101
    public let hid: Bool

    public init(meter: ASTMMeter, serialNumber: String = "OV-ASTM-0001", hid: Bool = false) {
        self.hid = hid
        usbDescriptor = hid
            ? SimulatedUSBDescriptor(
                vendorID: Self.vendorID, productID: Self.hidProductID, manufacturer: "OpenVitals", product: "Simulated Contour-style HID glucose meter",
                serialNumber: serialNumber, interfaceClass: 3,
                endpoints: [
                    USBEndpointDescriptor(address: 0x81, type: .interrupt, maxPacketSize: 64, interval: 1),
                    USBEndpointDescriptor(address: 0x02, type: .interrupt, maxPacketSize: 64, interval: 1),
                ])
            : SimulatedUSBDescriptor(
                vendorID: Self.vendorID, productID: Self.productID, manufacturer: "OpenVitals", product: "Simulated ASTM glucose meter",
                serialNumber: serialNumber, interfaceClass: Self.cdcDataClass,
                endpoints: [
                    USBEndpointDescriptor(address: 0x01, type: .bulk, maxPacketSize: 64),
                    USBEndpointDescriptor(address: 0x82, type: .bulk, maxPacketSize: 64),
                ])
        initial = meter
        self.meter = Mutex(meter)
    }

    /// A new session starts the meter's memory transfer over.
    public func configured() -> [[UInt8]] {
        meter.withLock { $0 = initial }
        return []
    }

    public func bulkOut(_ data: [UInt8]) -> [[UInt8]] {
        guard hid else {
            let out = meter.withLock { $0.received(data) }
            return out.isEmpty ? [] : [out]
        }
        // One or more 64-byte reports in; the reply split into reports.
        var payload: [UInt8] = []
        for start in stride(from: 0, to: data.count, by: ContourHIDReport.size) {
            guard let r = try? ContourHIDReport(bytes: Array(data[start..<min(start + ContourHIDReport.size, data.count)])) else { return [] }
            payload += r.data
        }
        let out = meter.withLock { $0.received(payload) }
        return ContourHIDReport.reports(for: out).map(\.encoded)
    }

    /// The meter has sent its whole memory (or given up).
    public var isFinished: Bool { meter.withLock { $0.isFinished } }

    /// A meter with a morning of results: plain, before and after meals, a control-solution test, a HI and
    /// a LO, and one in mmol/L.
    public static func demoMeter(faults: ASTMMeter.Faults = ASTMMeter.Faults()) -> ASTMMeter {
        func t(_ h: Int, _ m: Int) -> ASTMDateTime { ASTMDateTime(year: 2025, month: 3, day: 14, hour: h, minute: m) }
        return ASTMMeter(
            model: "Bayer7410", serial: "7410-0000001", clock: t(12, 0),
            results: [
                .init(value: "93", markers: "", time: t(7, 5)),
                .init(value: "112", markers: "B", time: t(7, 30)),
                .init(value: "148", markers: "A", time: t(9, 45)),
                .init(value: "121", markers: "C", time: t(10, 0)),
                .init(value: "600", markers: ">", time: t(10, 30)),
                .init(value: "20", markers: "<", time: t(11, 0)),
                .init(value: "5.6", unit: "mmol/L", markers: "", time: t(11, 30)),
            ],
            faults: faults)
    }
}
