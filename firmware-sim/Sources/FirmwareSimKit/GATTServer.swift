import VitalsWire

/// A peripheral's attribute table and the ATT server that answers discovery, reads and CCCD writes.
/// Pure: PDUs in, PDUs out. Profile behaviour (what to indicate, RACP) lives in the simulated devices.
public struct GATTServer: Sendable {
    public struct Attribute: Sendable {
        public var handle: UInt16
        public var type: BluetoothUUID
        public var value: [UInt8]
        /// For a declaration of a service: its last handle.
        public var groupEnd: UInt16?
    }

    public private(set) var attributes: [Attribute] = []
    public private(set) var mtu: UInt16 = ATTExchangeMTU.defaultLEMTU
    /// CCCD handle → configured value (bit 0 notify, bit 1 indicate).
    public private(set) var cccd: [UInt16: UInt16] = [:]
    private var openService: Int?

    public init() {}

    @discardableResult
    public mutating func addService(_ uuid: BluetoothUUID) -> UInt16 {
        closeService()
        let h = nextHandle
        attributes.append(Attribute(handle: h, type: GATTAssigned.primaryService, value: uuid.littleEndianBytes, groupEnd: h))
        openService = attributes.count - 1
        return h
    }

    /// Adds a characteristic declaration, its value, and a CCCD when it notifies or indicates. Returns the value handle.
    @discardableResult
    public mutating func addCharacteristic(_ uuid: BluetoothUUID, properties: UInt8, value: [UInt8] = []) -> UInt16 {
        let decl = nextHandle
        let valueHandle = decl + 1
        attributes.append(Attribute(handle: decl, type: GATTAssigned.characteristic, value: [properties, UInt8(valueHandle & 0xFF), UInt8(valueHandle >> 8)] + uuid.littleEndianBytes))
        attributes.append(Attribute(handle: valueHandle, type: uuid, value: value))
        if properties & 0x30 != 0 {
            attributes.append(Attribute(handle: valueHandle + 1, type: GATTAssigned.clientCharacteristicConfiguration, value: [0, 0]))
            cccd[valueHandle + 1] = 0
        }
        if let s = openService { attributes[s].groupEnd = attributes.last!.handle }
        return valueHandle
    }

    public mutating func closeService() { openService = nil }

    /// A new connection: forget the MTU and every CCCD (the simulated devices do not bond).
    public mutating func clearConnectionState() {
        mtu = ATTExchangeMTU.defaultLEMTU
        for k in cccd.keys { cccd[k] = 0 }
    }

    private var nextHandle: UInt16 { (attributes.last?.handle ?? 0) + 1 }

    public func valueHandle(of uuid: BluetoothUUID) -> UInt16? { attributes.first { $0.type == uuid }?.handle }

    /// Replaces an attribute's value (a written characteristic the device keeps).
    public mutating func setValue(_ value: [UInt8], at handle: UInt16) {
        if let i = attributes.firstIndex(where: { $0.handle == handle }) { attributes[i].value = value }
    }

    /// Whether the characteristic at `valueHandle` has notifications (0x0001) or indications (0x0002) enabled.
    public func configuration(ofValue valueHandle: UInt16) -> UInt16 { cccd[valueHandle + 1] ?? 0 }

    public enum Outcome: Sendable {
        /// Answer with this PDU.
        case respond(ATTPDU)
        /// A CCCD write that turned notifications or indications on for the characteristic at `valueHandle`:
        /// answer with `response`, then the device may start sending.
        case subscribed(response: ATTPDU, valueHandle: UInt16)
        /// A write to a characteristic value the device must act on; respond after the device decides.
        case valueWritten(handle: UInt16, value: [UInt8])
        /// A Handle Value Confirmation arrived.
        case confirmed
        /// Nothing to answer (commands, stray responses).
        case none
    }

    /// Answers one PDU from the client.
    public mutating func handle(_ pdu: ATTPDU) -> Outcome {
        func error(_ code: ATTErrorCode, _ handle: UInt16) -> Outcome {
            .respond(.errorResponse(ATTErrorResponse(requestOpcode: pdu.opcode, handle: handle, error: code)))
        }
        switch pdu {
        case .exchangeMTURequest(let m):
            mtu = max(ATTExchangeMTU.defaultLEMTU, min(m.mtu, 247))
            return .respond(.exchangeMTUResponse(ATTExchangeMTU(mtu: 247)))

        case .readByGroupTypeRequest(let q):
            guard q.startHandle != 0, q.startHandle <= q.endHandle else { return error(.invalidHandle, q.startHandle) }
            guard q.type == GATTAssigned.primaryService else { return error(.unsupportedGroupType, q.startHandle) }
            var entries: [ATTReadByGroupTypeResponse.Entry] = []
            for a in attributes where a.type == q.type && a.handle >= q.startHandle && a.handle <= q.endHandle {
                let e = ATTReadByGroupTypeResponse.Entry(handle: a.handle, endGroupHandle: a.groupEnd ?? a.handle, value: a.value)
                if let first = entries.first, first.value.count != e.value.count { break }
                if (entries.count + 1) * (4 + e.value.count) > Int(mtu) - 2 { break }
                entries.append(e)
            }
            return entries.isEmpty ? error(.attributeNotFound, q.startHandle) : .respond(.readByGroupTypeResponse(.init(entries: entries)))

        case .readByTypeRequest(let q):
            guard q.startHandle != 0, q.startHandle <= q.endHandle else { return error(.invalidHandle, q.startHandle) }
            var entries: [ATTReadByTypeResponse.Entry] = []
            for a in attributes where a.type == q.type && a.handle >= q.startHandle && a.handle <= q.endHandle {
                let e = ATTReadByTypeResponse.Entry(handle: a.handle, value: a.value)
                if let first = entries.first, first.value.count != e.value.count { break }
                if (entries.count + 1) * (2 + e.value.count) > Int(mtu) - 2 { break }
                entries.append(e)
            }
            return entries.isEmpty ? error(.attributeNotFound, q.startHandle) : .respond(.readByTypeResponse(.init(entries: entries)))

        case .findInformationRequest(let q):
            guard q.startHandle != 0, q.startHandle <= q.endHandle else { return error(.invalidHandle, q.startHandle) }
            var entries: [(handle: UInt16, type: BluetoothUUID)] = []
            for a in attributes where a.handle >= q.startHandle && a.handle <= q.endHandle && a.type.short != nil {
                if (entries.count + 1) * 4 > Int(mtu) - 2 { break }
                entries.append((a.handle, a.type))
            }
            return entries.isEmpty ? error(.attributeNotFound, q.startHandle) : .respond(.findInformationResponse(.init(entries: entries)))

        case .readRequest(let h):
            guard let a = attributes.first(where: { $0.handle == h }) else { return error(.invalidHandle, h) }
            return .respond(.readResponse(value: Array(a.value.prefix(Int(mtu) - 1))))

        case .readBlobRequest(let h, let offset):
            guard let a = attributes.first(where: { $0.handle == h }) else { return error(.invalidHandle, h) }
            guard Int(offset) <= a.value.count else { return error(.invalidOffset, h) }
            return .respond(.readBlobResponse(part: Array(a.value[Int(offset)...].prefix(Int(mtu) - 1))))

        case .writeRequest(let hv):
            guard let a = attributes.first(where: { $0.handle == hv.handle }) else { return error(.invalidHandle, hv.handle) }
            if a.type == GATTAssigned.clientCharacteristicConfiguration {
                guard hv.value.count == 2 else { return error(.invalidAttributeValueLength, hv.handle) }
                let config = UInt16(hv.value[0]) | UInt16(hv.value[1]) << 8
                cccd[hv.handle] = config
                // The CCCD follows its characteristic's value handle.
                return config & 0x3 != 0 ? .subscribed(response: .writeResponse, valueHandle: hv.handle - 1) : .respond(.writeResponse)
            }
            return .valueWritten(handle: hv.handle, value: hv.value)

        case .handleValueConfirmation: return .confirmed
        case .writeCommand, .handleValueNotification, .handleValueIndication, .errorResponse, .exchangeMTUResponse,
            .readByTypeResponse, .readByGroupTypeResponse, .findInformationResponse, .readResponse, .readBlobResponse, .writeResponse:
            return .none
        case .unsupported(let op, _):
            return op.isRequest ? .respond(.errorResponse(ATTErrorResponse(requestOpcode: op, handle: 0, error: .requestNotSupported))) : .none
        }
    }
}

extension ATTErrorCode {
    public static let unsupportedGroupType = ATTErrorCode(rawValue: 0x10)
}

extension DeviceOutput {
    /// The answer to a write the device does not take.
    static func writeNotPermitted(_ handle: UInt16) -> [DeviceOutput] {
        [.send(.errorResponse(ATTErrorResponse(requestOpcode: .writeRequest, handle: handle, error: .writeNotPermitted)))]
    }
}
