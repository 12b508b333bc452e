import Foundation
import Testing
import VitalsCore
import VitalsDrivers
import VitalsWire

struct GlucoseContextJoinTests {
    let device = DeviceIdentity(transport: .ble, address: "00:AA:01:00:00:00", profileID: "generic-gls")

    func reading(_ seq: UInt32) -> Reading {
        Reading(subject: SubjectID("ida"), device: device, kind: .glucose, observations: [], effectiveTime: Date(timeIntervalSince1970: 0),
                deviceTime: nil, receivedTime: Date(timeIntervalSince1970: 0), sequence: seq, raw: RawFrame(source: "2A18", bytes: [0x10]))
    }

    @Test func theFlagBitIsBitFourOfTheMeasurementFlags() throws {
        // GLS Glucose Measurement, Flags 0x13: time offset, concentration (kg/L), context follows.
        #expect(GlucoseContextJoin<Int>.announcesContext([0x13, 0x01, 0x00]))
        #expect(!GlucoseContextJoin<Int>.announcesContext([0x03, 0x01, 0x00]))
        #expect(!GlucoseContextJoin<Int>.announcesContext([]))
    }

    @Test func aContextJoinsTheReadingWithItsSequenceNumber() throws {
        var join = GlucoseContextJoin<Int>()
        #expect(join.measurement(reading(7), ack: 70, contextFollows: true).isEmpty, "held for its context")
        // Context bytes from the GLS field table: Flags 0x06 (meal, tester-health), Sequence 7, Meal 1
        // (preprandial), Tester-Health 0x22 (tester 2 health care professional, health 2 major issues).
        let context = try GlucoseMeasurementContext(bytes: [0x06, 0x07, 0x00, 0x01, 0x22])
        let (out, unmatched) = join.context(context)
        #expect(!unmatched && out.count == 1 && out[0].ack == 70)
        #expect(Set(out[0].reading.flags.map(\.rawValue)) == ["glucose.meal.preprandial", "glucose.tester.health-care-professional", "glucose.health.major-issues"])
        #expect(join.pending == nil)
    }

    @Test func nothingIsLostWhenTheContextDoesNotCome() throws {
        var join = GlucoseContextJoin<Int>()
        _ = join.measurement(reading(1), ack: 1, contextFollows: true)
        // A context for another record does not release or alter the held one.
        let other = join.context(try GlucoseMeasurementContext(bytes: [0x02, 0x09, 0x00, 0x02]))
        #expect(other.unmatched && other.handOn.isEmpty && join.pending != nil)
        // The next measurement releases it, flagged, and goes on itself.
        let out = join.measurement(reading(2), ack: 2, contextFollows: false)
        #expect(out.map { $0.reading.sequence } == [1, 2])
        #expect(out[0].reading.flags == [.contextMissing] && out[1].reading.flags.isEmpty)
        // The end of a transfer (or of the link) releases a held reading too.
        _ = join.measurement(reading(3), ack: 3, contextFollows: true)
        #expect(join.flush().map { $0.reading.flags } == [[.contextMissing]])
        #expect(join.flush().isEmpty)
    }
}
