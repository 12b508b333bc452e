import Foundation
import VitalsCore
import VitalsStore

// The API's JSON shapes (docs/openapi.yaml describes each one). They are separate from the store's types so
// the wire format changes only on purpose.

struct SubjectResource: Encodable {
    var id: String
    var displayName: String?
    var createdAt: Date

    init(_ s: StoredSubject) {
        id = s.id
        displayName = s.displayName
        createdAt = s.createdAt
    }
}

struct NewSubject: Decodable {
    var id: String
    var displayName: String
}

struct AssignmentResource: Encodable {
    var device: String
    var user: Int?
    var subject: String
    var at: Date
    var by: String

    init(_ a: DeviceAssignmentRecord) {
        device = a.deviceID
        user = a.user
        subject = a.subjectID
        at = a.at
        by = a.by
    }
}

struct AssignmentAuditResource: Encodable {
    var seq: Int64
    var from: String?
    var to: String
    var at: Date
    var by: String
    var reason: String?

    init(_ a: DeviceAssignmentAudit) {
        seq = a.seq
        from = a.fromSubject
        to = a.toSubject
        at = a.at
        by = a.by
        reason = a.reason
    }
}

struct DeviceResource: Encodable {
    var id: String
    var transport: String
    var address: String
    var profileID: String?
    var manufacturer: String?
    var model: String?
    var grade: String
    var firstSeen: Date
    var lastSeen: Date
    var assignments: [AssignmentResource]

    init(_ d: VitalsStore.DeviceRecord, assignments: [DeviceAssignmentRecord]) {
        id = d.id
        transport = d.transport
        address = d.address
        profileID = d.profileID
        manufacturer = d.manufacturer
        model = d.model
        grade = d.grade
        firstSeen = d.firstSeen
        lastSeen = d.lastSeen
        self.assignments = assignments.map(AssignmentResource.init)
    }
}

struct AssignmentRequest: Decodable {
    var subject: String
    var user: Int?
    var by: String
    var reason: String?
}

struct AssignmentResponse: Encodable {
    var assignment: AssignmentResource
    /// false when the device already went to that subject (nothing audited).
    var changed: Bool
    var audit: AssignmentAuditResource?
}

struct ObservationResource: Encodable {
    var metric: String
    var mdc: Int64
    var loinc: String?
    var value: Double?
    var state: String
    var unit: String
    var wire: String

    init(_ o: StoredObservation) {
        metric = o.metric
        mdc = o.mdc
        loinc = o.loinc
        value = o.value
        state = o.state
        unit = o.unit
        wire = o.wire
    }
}

struct ReadingResource: Encodable {
    var id: Int64
    var subject: String
    var device: String
    var kind: String
    var effectiveAt: Date
    var receivedAt: Date
    var deviceTime: String?
    var sequence: Int64?
    var deviceUser: Int64?
    var grade: String
    var flags: [String]
    var observations: [ObservationResource]

    init(_ r: StoredReading) {
        id = r.id
        subject = r.subjectID
        device = r.deviceID
        kind = r.kind
        effectiveAt = r.effectiveAt
        receivedAt = r.receivedAt
        deviceTime = r.deviceTime
        sequence = r.sequence
        deviceUser = r.deviceUser
        grade = r.grade
        flags = r.flags
        observations = r.observations.map(ObservationResource.init)
    }
}

struct ReadingPageResource: Encodable {
    var readings: [ReadingResource]
    /// Pass as `cursor` for the next (older) page; null on the last page.
    var next: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(readings, forKey: .readings)
        try c.encode(next, forKey: .next)
    }

    enum CodingKeys: String, CodingKey { case readings, next }
}

struct RefileRequest: Decodable {
    var subject: String
    var by: String
    var reason: String
}

struct RefilingResource: Encodable {
    var seq: Int64
    var from: String
    var to: String
    var at: Date
    var by: String
    var reason: String

    init(_ f: ReadingRefiling) {
        seq = f.seq
        from = f.fromSubject
        to = f.toSubject
        at = f.at
        by = f.by
        reason = f.reason
    }
}

struct RefileResponse: Encodable {
    var reading: ReadingResource
    var refiling: RefilingResource
}

struct AlertResource: Encodable {
    var id: String
    var ruleID: String
    var subject: String
    var device: String
    var severity: String
    var state: String
    var historical: Bool
    var message: String
    var citation: String
    var raisedAt: Date
    var effectiveAt: Date
    var updatedAt: Date?
    var escalations: Int
    var evidenceFrom: Date?
    var evidenceTo: Date?

    init(_ a: Alert) {
        id = a.id
        ruleID = a.ruleID
        subject = a.subject.rawValue
        device = a.device.rawValue
        severity = a.severity.rawValue
        state = a.state.rawValue
        historical = a.historical
        message = a.message
        citation = a.citation
        raisedAt = a.raisedAt
        effectiveAt = a.effectiveTime
        updatedAt = a.updatedAt
        escalations = a.escalations
        evidenceFrom = a.evidenceFrom
        evidenceTo = a.evidenceTo
    }
}

struct AcknowledgeRequest: Decodable {
    var by: String
}

struct AcknowledgementResource: Encodable {
    var by: String
    var at: Date
}

struct AcknowledgeResponse: Encodable {
    var alert: AlertResource
    var acknowledgement: AcknowledgementResource
}

struct Health: Encodable {
    var status: String
    var schemaVersion: Int
}
