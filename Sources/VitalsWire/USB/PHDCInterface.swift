/// What the PHDC class descriptors of one interface say, gathered from the interface and its endpoints.
public struct PHDCInterface: Hashable, Sendable {
    /// bPHDCDataCode of the Class Function descriptor (0x02: IEEE 11073-20601).
    public var dataCode: UInt8
    /// bmCapability bit 0: the metadata message preamble is supported.
    public var metadataPreamble: Bool
    /// wDevSpecializations of the 11073 Function Extension descriptor (empty when absent).
    public var deviceSpecializations: [UInt16]
    /// bmLatencyReliability of each endpoint's QoS descriptor, by endpoint address.
    public var qos: [UInt8: UInt8]
    /// Metadata descriptors' bytes, by endpoint address (0xFF: on the interface itself).
    public var metadata: [UInt8: [UInt8]]

    public init(dataCode: UInt8, metadataPreamble: Bool = false, deviceSpecializations: [UInt16] = [], qos: [UInt8: UInt8] = [:], metadata: [UInt8: [UInt8]] = [:]) {
        self.dataCode = dataCode
        self.metadataPreamble = metadataPreamble
        self.deviceSpecializations = deviceSpecializations
        self.qos = qos
        self.metadata = metadata
    }

    public var is11073_20601: Bool { dataCode == PHDCDescriptor.dataCode11073_20601 }

    /// "PHDC 11073-20601", "PHDC vendor-specific" or "PHDC data code 0xNN".
    public var summary: String {
        switch dataCode {
        case PHDCDescriptor.dataCode11073_20601: "PHDC 11073-20601"
        case PHDCDescriptor.dataCodeVendor: "PHDC vendor-specific"
        default: "PHDC data code 0x\(String(dataCode, radix: 16, uppercase: true))"
        }
    }

    /// Gathers the descriptors; a PHDC interface must carry a Class Function descriptor.
    public init(interfaceExtra: [UInt8], endpoints: [(address: UInt8, extra: [UInt8])]) throws(WireError) {
        var function: (UInt8, UInt8)?
        var specs: [UInt16] = []
        var qos: [UInt8: UInt8] = [:]
        var metadata: [UInt8: [UInt8]] = [:]
        for d in try PHDCDescriptor.decodeAll(interfaceExtra) {
            switch d {
            case .classFunction(let code, let cap): function = (code, cap)
            case .function11073(let s): specs = s
            case .metadata(let m): metadata[0xFF] = m
            case .qos: break
            }
        }
        for (address, extra) in endpoints {
            for d in try PHDCDescriptor.decodeAll(extra) {
                switch d {
                case .qos(_, let bins): qos[address] = bins
                case .metadata(let m): metadata[address] = m
                case .classFunction, .function11073: break
                }
            }
        }
        guard let function else {
            throw WireError(entity: PHDCDescriptor.entity, field: "PHDC Class Function descriptor (0x20)", offset: 0, reason: .invalidValue("missing from the PHDC interface"))
        }
        self.init(dataCode: function.0, metadataPreamble: function.1 & 0x01 != 0, deviceSpecializations: specs, qos: qos, metadata: metadata)
    }
}
