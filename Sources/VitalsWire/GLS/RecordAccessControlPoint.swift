/// Record Access Control Point (0x2A52), Glucose Service §3.x: written by the collector, indicated by the sensor.
///
/// Value: Op Code uint8, Operator uint8, Operand (variable). Op codes, operators and response codes that this
/// build does not name are kept raw, never rejected, so an unknown device answer is still reported.
public struct RecordAccessControlPoint: Hashable, Sendable, WireDescribable {
    public static let uuid = GATTAssigned.recordAccessControlPoint
    public static let entity = "Record Access Control Point (0x2A52)"

    public struct OpCode: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let reportStoredRecords = OpCode(rawValue: 1)
        public static let deleteStoredRecords = OpCode(rawValue: 2)
        public static let abortOperation = OpCode(rawValue: 3)
        public static let reportNumberOfStoredRecords = OpCode(rawValue: 4)
        public static let numberOfStoredRecordsResponse = OpCode(rawValue: 5)
        public static let responseCode = OpCode(rawValue: 6)
        public var description: String {
            switch rawValue {
            case 1: "Report stored records"
            case 2: "Delete stored records"
            case 3: "Abort operation"
            case 4: "Report number of stored records"
            case 5: "Number of stored records response"
            case 6: "Response Code"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    public struct Operator: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let null = Operator(rawValue: 0)
        public static let allRecords = Operator(rawValue: 1)
        public static let lessThanOrEqual = Operator(rawValue: 2)
        public static let greaterThanOrEqual = Operator(rawValue: 3)
        public static let withinRange = Operator(rawValue: 4)
        public static let firstRecord = Operator(rawValue: 5)
        public static let lastRecord = Operator(rawValue: 6)
        public var description: String {
            switch rawValue {
            case 0: "Null"
            case 1: "All records"
            case 2: "Less than or equal to"
            case 3: "Greater than or equal to"
            case 4: "Within range of (inclusive)"
            case 5: "First record"
            case 6: "Last record"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    public struct ResponseCode: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let success = ResponseCode(rawValue: 1)
        public static let opCodeNotSupported = ResponseCode(rawValue: 2)
        public static let invalidOperator = ResponseCode(rawValue: 3)
        public static let operatorNotSupported = ResponseCode(rawValue: 4)
        public static let invalidOperand = ResponseCode(rawValue: 5)
        public static let noRecordsFound = ResponseCode(rawValue: 6)
        public static let abortUnsuccessful = ResponseCode(rawValue: 7)
        public static let procedureNotCompleted = ResponseCode(rawValue: 8)
        public static let operandNotSupported = ResponseCode(rawValue: 9)
        public var description: String {
            switch rawValue {
            case 1: "Success"
            case 2: "Op Code not supported"
            case 3: "Invalid Operator"
            case 4: "Operator not supported"
            case 5: "Invalid Operand"
            case 6: "No records found"
            case 7: "Abort unsuccessful"
            case 8: "Procedure not completed"
            case 9: "Operand not supported"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    /// Filter Type, the first operand byte of a filtered request.
    public enum FilterType: UInt8, Hashable, Sendable {
        case sequenceNumber = 1
        case userFacingTime = 2
    }

    public var opCode: OpCode
    public var op: Operator
    public var operand: [UInt8]

    public init(opCode: OpCode, operator op: Operator, operand: [UInt8] = []) {
        self.opCode = opCode
        self.op = op
        self.operand = operand
    }

    // Requests a collector writes.
    public static func reportAllRecords() -> Self { .init(opCode: .reportStoredRecords, operator: .allRecords) }
    public static func reportNumberOfAllRecords() -> Self {
        .init(opCode: .reportNumberOfStoredRecords, operator: .allRecords)
    }
    public static func reportRecords(fromSequence n: UInt16) -> Self {
        .init(opCode: .reportStoredRecords, operator: .greaterThanOrEqual, operand: [1, UInt8(n & 0xFF), UInt8(n >> 8)])
    }
    public static func reportNumberOfRecords(fromSequence n: UInt16) -> Self {
        .init(
            opCode: .reportNumberOfStoredRecords, operator: .greaterThanOrEqual,
            operand: [1, UInt8(n & 0xFF), UInt8(n >> 8)])
    }
    public static func abort() -> Self { .init(opCode: .abortOperation, operator: .null) }

    // Responses a sensor indicates.
    public static func numberOfRecords(_ n: UInt16) -> Self {
        .init(opCode: .numberOfStoredRecordsResponse, operator: .null, operand: [UInt8(n & 0xFF), UInt8(n >> 8)])
    }
    public static func response(to request: OpCode, _ code: ResponseCode) -> Self {
        .init(opCode: .responseCode, operator: .null, operand: [request.rawValue, code.rawValue])
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        opCode = OpCode(rawValue: try r.u8("Op Code"))
        op = Operator(rawValue: try r.u8("Operator"))
        let operandOffset = r.offset
        operand = r.rest()
        // Responses have fixed operand sizes; check them so a short indication is caught.
        switch opCode {
        case .numberOfStoredRecordsResponse where operand.count != 2:
            throw operand.count < 2
                ? r.error("Operand.Number of Records", .truncated(needed: 2, available: operand.count), at: operandOffset)
                : r.error("Operand.Number of Records", .trailingBytes(operand.count - 2), at: operandOffset + 2)
        case .responseCode where operand.count != 2:
            let field = operand.isEmpty ? "Operand.Request Op Code" : "Operand.Response Code Value"
            throw operand.count < 2
                ? r.error(field, .truncated(needed: 2 - operand.count, available: 0), at: operandOffset + operand.count)
                : r.error("Operand.Response Code Value", .trailingBytes(operand.count - 2), at: operandOffset + 2)
        default: break
        }
    }

    public func encoded() -> [UInt8] { [opCode.rawValue, op.rawValue] + operand }

    /// For a Number of Stored Records response.
    public var numberOfRecords: UInt16? {
        guard opCode == .numberOfStoredRecordsResponse, operand.count == 2 else { return nil }
        return UInt16(operand[0]) | UInt16(operand[1]) << 8
    }

    /// For a Response Code: the request it answers and the code.
    public var responseCodeValue: (request: OpCode, code: ResponseCode)? {
        guard opCode == .responseCode, operand.count == 2 else { return nil }
        return (OpCode(rawValue: operand[0]), ResponseCode(rawValue: operand[1]))
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A52")),
            ("name", .string("Record Access Control Point")),
            ("opCode", .object([("raw", .int(Int64(opCode.rawValue))), ("name", .string(opCode.description))])),
            ("operator", .object([("raw", .int(Int64(op.rawValue))), ("name", .string(op.description))])),
        ]
        if let n = numberOfRecords {
            o.append(("numberOfRecords", .int(Int64(n))))
        } else if let rc = responseCodeValue {
            o.append(("requestOpCode", .object([("raw", .int(Int64(rc.request.rawValue))), ("name", .string(rc.request.description))])))
            o.append(("responseCodeValue", .object([("raw", .int(Int64(rc.code.rawValue))), ("name", .string(rc.code.description))])))
        } else if !operand.isEmpty {
            var operandJSON: [(String, JSONValue)] = [("hex", .string(Hex.format(operand)))]
            if let ft = operand.first, let filter = FilterType(rawValue: ft) {
                operandJSON.append(("filterType", .string(filter == .sequenceNumber ? "Sequence Number" : "User Facing Time")))
                if filter == .sequenceNumber, operand.count >= 3 {
                    operandJSON.append(("sequenceNumber", .int(Int64(UInt16(operand[1]) | UInt16(operand[2]) << 8))))
                }
            }
            o.append(("operand", .object(operandJSON)))
        }
        return .object(o)
    }
}
