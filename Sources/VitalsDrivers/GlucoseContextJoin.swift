import VitalsCore
import VitalsWire

/// Joins a glucose reading with the Glucose Measurement Context (0x2A34) that the meter sends right after it
/// (GLS: a measurement whose Flags bit 4, "Context Information Follows", is set is followed by a context
/// record with the same Sequence Number).
///
/// A reading that announces a context is held until the context comes. It is handed on without one (flagged
/// `glucose.context-missing`) when anything else comes first: the next measurement, the end of the record
/// transfer, the end of the link. Nothing is dropped. `Ack` is whatever the caller must run once the reading
/// is stored (e.g. an ATT confirmation), carried with it.
public struct GlucoseContextJoin<Ack: Sendable>: Sendable {
    public private(set) var pending: (reading: Reading, ack: Ack?)?

    public init() {}

    /// Whether a Glucose Measurement value announces a context record (Flags bit 4).
    public static func announcesContext(_ measurement: [UInt8]) -> Bool { (measurement.first ?? 0) & 0x10 != 0 }

    /// A new glucose reading: what to hand on now (a held reading that got no context, and this one unless it
    /// waits for its own context).
    public mutating func measurement(_ reading: Reading, ack: Ack?, contextFollows: Bool) -> [(reading: Reading, ack: Ack?)] {
        var out = flush()
        if contextFollows {
            pending = (reading, ack)
        } else {
            out.append((reading, ack))
        }
        return out
    }

    /// A context record: the held reading with the context applied, or nothing when no reading with that
    /// sequence number is held (`unmatched` says so, for the log).
    public mutating func context(_ c: GlucoseMeasurementContext) -> (handOn: [(reading: Reading, ack: Ack?)], unmatched: Bool) {
        guard let held = pending, held.reading.sequence == UInt32(c.sequenceNumber) else { return ([], true) }
        pending = nil
        var r = held.reading
        Self.apply(c, to: &r)
        return ([(r, held.ack)], false)
    }

    /// Hands on a held reading without its context (the transfer or the link ended).
    public mutating func flush() -> [(reading: Reading, ack: Ack?)] {
        guard var held = pending else { return [] }
        pending = nil
        held.reading.flags.insert(.contextMissing)
        return [held]
    }

    /// The context's meal, tester and health fields as flags.
    public static func apply(_ c: GlucoseMeasurementContext, to r: inout Reading) {
        switch c.meal?.rawValue {
        case 1: r.flags.insert(.mealPreprandial)
        case 2: r.flags.insert(.mealPostprandial)
        case 3: r.flags.insert(.mealFasting)
        case 4: r.flags.insert(.mealCasual)
        case 5: r.flags.insert(.mealBedtime)
        default: break
        }
        switch c.tester?.rawValue {
        case 2: r.flags.insert(.testerProfessional)
        case 3: r.flags.insert(.testerLab)
        default: break  // 1 self (the usual case), 15 not available
        }
        switch c.health?.rawValue {
        case 1: r.flags.insert(.healthMinorIssues)
        case 2: r.flags.insert(.healthMajorIssues)
        case 3: r.flags.insert(.healthMenses)
        case 4: r.flags.insert(.healthStress)
        default: break  // 5 no health issues, 15 not available
        }
    }
}
