import Foundation

/// How urgent an alert is.
public enum AlertSeverity: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    case advisory
    case urgent
    case critical

    private var rank: Int {
        switch self {
        case .advisory: 0
        case .urgent: 1
        case .critical: 2
        }
    }
    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool { a.rank < b.rank }
}

/// Where an alert is in its life.
public enum AlertState: String, Hashable, Sendable, Codable, CaseIterable {
    case raised
    case updated
    case acknowledged
    case resolved
}

/// An alert raised by an analytics rule, with the evidence that raised it.
public struct Alert: Hashable, Sendable, Codable {
    /// Idempotent id: the same rule on the same evidence always gives the same id.
    public var id: String
    public var ruleID: String
    public var subject: SubjectID
    public var device: DeviceID
    public var severity: AlertSeverity
    public var state: AlertState
    /// Plain words, safe to show the person being measured.
    public var message: String
    /// The guideline the rule follows.
    public var citation: String
    public var raisedAt: Date
    /// When the evidence was measured.
    public var effectiveTime: Date
    /// Natural key of the reading that raised it (device + kind + key).
    public var evidenceKey: String
    /// A record of the past (a backfill older than the live horizon): stored resolved, never notified as live.
    public var historical: Bool = false
    /// The event-time span of the evidence (first and last reading the alert rests on).
    public var evidenceFrom: Date?
    public var evidenceTo: Date?
    /// How many times it was escalated because nobody acknowledged it.
    public var escalations: Int = 0
    /// When its state last changed.
    public var updatedAt: Date?

    public init(
        id: String, ruleID: String, subject: SubjectID, device: DeviceID, severity: AlertSeverity,
        state: AlertState = .raised, message: String, citation: String, raisedAt: Date, effectiveTime: Date,
        evidenceKey: String, historical: Bool = false, evidenceFrom: Date? = nil, evidenceTo: Date? = nil, escalations: Int = 0,
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.ruleID = ruleID
        self.subject = subject
        self.device = device
        self.severity = severity
        self.state = state
        self.message = message
        self.citation = citation
        self.raisedAt = raisedAt
        self.effectiveTime = effectiveTime
        self.evidenceKey = evidenceKey
        self.historical = historical
        self.evidenceFrom = evidenceFrom
        self.evidenceTo = evidenceTo
        self.escalations = escalations
        self.updatedAt = updatedAt
    }
}
