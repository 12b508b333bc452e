import Foundation
import Testing
import VitalsTestSupport
import VitalsAnalytics
import VitalsCore

private let t0 = 1_800_000_000.0
private let cgmKey = StreamKey(subject: "s", metric: StreamInput.cgm)

/// A CGM input at `minutes` after t0.
private func cg(_ minutes: Double, _ v: Double, medical: Bool = true, device: String = "cgm-1") -> StreamInput {
    StreamInput(key: cgmKey, time: Date(timeIntervalSince1970: t0 + minutes * 60), value: v, device: device,
                evidenceKey: "\(device)|glucose|seq:\(Int(minutes))", medical: medical, grade: medical ? "medical" : "consumer")
}

/// A cuff or meter reading run through the per-reading rules.
private func spot(_ r: Reading, at minutes: Double, seq: UInt32, medical: Bool = true, subject: String = "s") -> StreamInput {
    var r = r
    r.subject = SubjectID(subject)
    r.effectiveTime = Date(timeIntervalSince1970: t0 + minutes * 60)
    r.sequence = seq
    r.grade = medical ? .medical : .consumer
    return StreamInput.from(r, now: r.effectiveTime)!
}

/// Feeds inputs one by one at their own event time (a live device), collecting every transition.
private func live(_ e: inout StreamingAnalytics, _ inputs: [StreamInput]) -> [AlertTransition] {
    inputs.flatMap { e.process([$0], now: $0.time).transitions }
}

private let liveForever = StreamingConfiguration(liveHorizon: 1e12, escalateAfter: 1e12)

struct StreamCoreTests {
    @Test func reorderBufferReleasesInEventTimeOnceTheWatermarkPasses() {
        var b2 = ReorderBuffer<String>(allowedLateness: 10)
        _ = b2.insert("a", at: 100)
        _ = b2.insert("c", at: 105)
        _ = b2.insert("b", at: 102)
        #expect(b2.insert("d", at: 113).released == ["a", "b"])  // watermark 103
        let late = b2.insert("x", at: 101)                        // older than the watermark: late, not released
        #expect(late.late && late.released.isEmpty)
        #expect(b2.advance(to: 200) == ["c", "d"])                 // idle stream: processing time closes it
        #expect(b2.pendingCount == 0)
    }

    @Test func tumblingSlidingAndSessionWindows() {
        let k = StreamKey(subject: "s", metric: "m")
        var tumbling = WindowOperator(key: k, spec: .tumbling(size: 60))
        var fired: [WindowResult] = []
        for (t, v) in [(0.0, 1.0), (30, 3), (59, 5), (61, 10), (130, 20)] { fired += tumbling.insert(StreamSample(time: t, value: v)) }
        #expect(fired.map(\.start) == [0, 60])
        #expect(fired[0].aggregate.count == 3 && fired[0].aggregate.mean == 3 && fired[0].aggregate.max == 5)
        #expect(fired[1].aggregate.sum == 10)
        #expect(tumbling.insert(StreamSample(time: 10, value: 99)).isEmpty && tumbling.lateCount == 1)

        var sliding = WindowOperator(key: k, spec: .sliding(size: 60, slide: 30))
        var s: [WindowResult] = []
        for t in [0.0, 35, 70, 200] { s += sliding.insert(StreamSample(time: t, value: t)) }
        // Windows [-30,30) {0}, [0,60) {0,35}, [30,90) {35,70}, [60,120) {70}, then [90,150) is empty (never opened).
        #expect(s.map(\.start) == [-30, 0, 30, 60])
        #expect(s.map(\.aggregate.count) == [1, 2, 2, 1])

        var session = WindowOperator(key: k, spec: .session(gap: 120))
        var w: [WindowResult] = []
        for t in [0.0, 60, 120, 1000, 1060, 5000] { w += session.insert(StreamSample(time: t, value: t)) }
        #expect(w.count == 2)
        #expect(w[0].start == 0 && w[0].end == 240 && w[0].aggregate.count == 3)
        #expect(w[1].start == 1000 && w[1].aggregate.values.map(\.time) == [1000, 1060])
        #expect(session.advance(to: 6000).map(\.start) == [5000])
    }

    @Test func sessionWindowsMergeWhenASampleBridgesThem() {
        var session = WindowOperator(key: StreamKey(subject: "s", metric: "m"), spec: .session(gap: 100), allowedLateness: 500)
        _ = session.insert(StreamSample(time: 0, value: 1))
        _ = session.insert(StreamSample(time: 180, value: 2))   // a second session (gap > 100)
        _ = session.insert(StreamSample(time: 90, value: 3))    // out of order: bridges both
        let all = session.advance(to: 10_000)
        #expect(all.count == 1 && all[0].aggregate.count == 3 && all[0].start == 0)
    }
}

struct AlertLifecycleTests {
    @Test func transitionsFollowTheTable() {
        var a = Alert(id: "x", ruleID: "r", subject: SubjectID("s"), device: DeviceID(rawValue: "d"), severity: .urgent, message: "m", citation: "c",
                      raisedAt: Date(timeIntervalSince1970: 0), effectiveTime: Date(timeIntervalSince1970: 0), evidenceKey: "d|glucose|1")
        let now = Date(timeIntervalSince1970: 10)
        #expect(AlertLifecycle.apply(.extend(evidenceTo: now), to: &a, at: now) == nil && a.state == .raised && a.evidenceTo == now)
        #expect(AlertLifecycle.apply(.deepen(severity: .urgent, ruleID: "r", message: "m", citation: "c", evidenceTo: now), to: &a, at: now) == nil)
        #expect(AlertLifecycle.apply(.acknowledge, to: &a, at: now)?.kind == .acknowledged)
        #expect(AlertLifecycle.apply(.acknowledge, to: &a, at: now) == nil)
        #expect(AlertLifecycle.apply(.escalate(cap: .critical), to: &a, at: now) == nil, "an acknowledged alert is not escalated")
        let deeper = AlertLifecycle.apply(.deepen(severity: .critical, ruleID: "r2", message: "m2", citation: "c", evidenceTo: now), to: &a, at: now)
        #expect(deeper?.kind == .updated && a.state == .updated && a.severity == .critical && a.ruleID == "r2")
        #expect(AlertLifecycle.apply(.resolve(eventTime: now, reason: "ok"), to: &a, at: now)?.kind == .resolved)
        #expect(AlertLifecycle.apply(.acknowledge, to: &a, at: now) == nil && a.state == .resolved)
        var adv = a
        adv.state = .raised
        adv.severity = .advisory
        #expect(AlertLifecycle.apply(.escalate(cap: .advisory), to: &adv, at: now)?.alert.severity == .advisory, "capped: re-notified only")
        #expect(adv.escalations == 1)
    }
}

struct StreamingAnalyticsTests {
    /// Consensus hysteresis: < 70 for ≥ 15 min starts the episode, < 54 for ≥ 15 min deepens it, ≥ 70 for ≥ 15 min ends it;
    /// a short recovery does not.
    @Test func hypoEpisodeIsOneAlertRaisedDeepenedAndResolved() {
        var e = StreamingAnalytics(configuration: liveForever)
        let values: [Double] = [100, 65, 65, 65]       // 5..15 below 70: 10 minutes, not yet
            + [65]                                       // 20: 15 minutes below → raised (urgent)
            + [50, 50, 50, 50]                           // 25..40: 15 minutes below 54 → updated (critical)
            + [80, 80, 60]                               // short recovery: still the same episode
            + [80, 80, 80, 80]                           // 60..75: 15 minutes at or above 70 → resolved
        let trs = live(&e, values.enumerated().map { cg(Double($0.offset) * 5, $0.element) })
        #expect(trs.map(\.kind) == [.raised, .updated, .resolved])
        #expect(trs.map(\.alert.severity) == [.urgent, .critical, .critical])
        #expect(trs.map(\.alert.ruleID) == ["glucose.hypoglycaemia-level-1", "glucose.hypoglycaemia-level-2", "glucose.hypoglycaemia-level-2"])
        #expect(Set(trs.map(\.alert.id)) == ["glucose.hypoglycaemia-episode/cgm-1|glucose|seq:5"], "one episode, one id: the first reading below 70")
        #expect(trs[0].eventTime == Date(timeIntervalSince1970: t0 + 5 * 60))
        #expect(trs[2].alert.evidenceFrom == Date(timeIntervalSince1970: t0 + 5 * 60) && trs[2].eventTime == Date(timeIntervalSince1970: t0 + 75 * 60))
        #expect(trs[0].alert.citation.contains("Danne") && trs[0].alert.citation.contains("ADA"))
        #expect(e.openLiveAlerts.isEmpty)
    }

    @Test func nonMedicalCGMNeverGoesAboveAdvisory() {
        var e = StreamingAnalytics(configuration: liveForever)
        let trs = live(&e, [60, 60, 60, 60, 50, 50, 50, 50].enumerated().map { cg(Double($0.offset) * 5, $0.element, medical: false) })
        #expect(trs.map(\.kind) == [.raised])
        #expect(trs.allSatisfy { $0.alert.severity == .advisory && $0.alert.message.contains("confirm with a validated device") })
        #expect(e.openLiveAlerts.first?.ruleID == "glucose.hypoglycaemia-level-2", "the record still says level 2")
    }

    /// A data gap is not recovery: the alert stays open through it, low readings after it continue the same
    /// alert, and only 15 minutes at or above 70 end it.
    @Test func aGapDoesNotEndAHypoAlert() {
        var e = StreamingAnalytics(configuration: liveForever)
        var trs = live(&e, [cg(0, 60), cg(5, 60), cg(10, 60), cg(15, 60), cg(60, 60)])
        #expect(trs.map(\.kind) == [.raised], "still open after a 45-minute gap")
        trs = live(&e, [cg(65, 62), cg(70, 61), cg(75, 60), cg(80, 60)])
        #expect(trs.isEmpty, "low again after the gap: the same alert goes on, no second one")
        #expect(e.openLiveAlerts.count == 1)
        trs = live(&e, [cg(85, 80), cg(90, 85), cg(95, 90)])
        #expect(trs.isEmpty, "10 minutes at or above 70 are not yet recovery")
        trs = live(&e, [cg(100, 95)])
        #expect(trs.map(\.kind) == [.resolved] && trs[0].detail.contains("15 minutes"))
    }

    /// A CGM that reads LOW (censored −∞) is below both thresholds: 15 minutes of LOW is a level-2 episode.
    @Test func cgmLowReadingsAreALevel2Episode() {
        var e = StreamingAnalytics(configuration: liveForever)
        let trs = live(&e, [cg(0, 100), cg(5, 90)] + (2..<7).map { cg(Double($0) * 5, -.infinity) })
        #expect(trs.filter { $0.alert.ruleID.hasPrefix("glucose.hypoglycaemia") }.map(\.kind) == [.raised, .updated])
        let last = e.openLiveAlerts.first { $0.ruleID == "glucose.hypoglycaemia-level-2" }
        #expect(last != nil, "the episode deepened to level 2")
        #expect(last?.severity == .critical && last?.message.contains("LOW") == true)
    }

    /// Out-of-order CGM data within the allowed lateness is put back in order before the episode detector sees it.
    @Test func outOfOrderCGMWithinLatenessGivesTheSameEpisodes() {
        let values: [Double] = [100, 60, 60, 60, 60, 60, 90, 90, 90, 90, 90]
        let inOrder = values.enumerated().map { cg(Double($0.offset) * 5, $0.element) }
        var shuffled = inOrder
        shuffled.swapAt(2, 3)
        shuffled.swapAt(7, 8)
        var a = StreamingAnalytics(configuration: StreamingConfiguration(liveHorizon: .infinity, allowedLateness: 600, escalateAfter: .infinity))
        var b = a
        let ta = live(&a, inOrder) + a.tick(now: Date(timeIntervalSince1970: t0 + 3600)).transitions
        let tb = live(&b, shuffled) + b.tick(now: Date(timeIntervalSince1970: t0 + 3600)).transitions
        #expect(ta.map(\.kind) == [.raised, .resolved])
        #expect(ta.map(\.eventID) == tb.map(\.eventID))
        // Data older than the watermark is late: counted, and kept out of the episode detector.
        let late = b.process([cg(0, 40)], now: Date(timeIntervalSince1970: t0 + 3600))
        #expect(late.late == 1 && late.transitions.isEmpty)
    }

    /// The whole state is Codable: stopping half-way, encoding, decoding and going on gives the same transitions.
    @Test func stateSurvivesARestart() throws {
        let values: [Double] = [100, 60, 60, 60, 60, 50, 50, 50, 50, 80, 80, 80, 80, 80]
        let inputs = values.enumerated().map { cg(Double($0.offset) * 5, $0.element) }
        var whole = StreamingAnalytics(configuration: liveForever)
        let expected = live(&whole, inputs)
        var first = StreamingAnalytics(configuration: liveForever)
        var got = live(&first, Array(inputs.prefix(1)))  // not yet in an episode: minima and watermarks still infinite
        got += live(&first, Array(inputs.dropFirst(1).prefix(5)))
        let bytes = try first.serialized()
        var second = try StreamingAnalytics(serialized: bytes)
        got += live(&second, Array(inputs.dropFirst(6)))
        #expect(got.map(\.eventID) == expected.map(\.eventID))
        #expect(expected.map(\.kind) == [.raised, .updated, .resolved])
    }

    @Test func bpCrisisRaisesOnceAndALaterNormalReadingResolvesIt() {
        var e = StreamingAnalytics(configuration: liveForever)
        let inputs = [spot(bp(186, 124, profile: nil), at: 0, seq: 1), spot(bp(190, 110, profile: nil), at: 2, seq: 2)]
        var trs = live(&e, inputs)
        #expect(trs.map(\.kind) == [.raised], "a second crisis reading extends the open alert instead of raising another")
        #expect(trs[0].alert.ruleID == "bp.hypertensive-crisis" && trs[0].alert.severity == .critical)
        // An older normal reading arriving late does not resolve it; a later one does.
        trs = e.process([spot(bp(120, 80, profile: nil), at: 1, seq: 3)], now: Date(timeIntervalSince1970: t0 + 300)).transitions
        #expect(trs.isEmpty)
        trs = live(&e, [spot(bp(150, 95, profile: nil), at: 10, seq: 4)])
        #expect(trs.map(\.kind) == [.resolved] && trs[0].detail.contains("clear of the hypertensive-crisis thresholds"))
        trs = live(&e, [spot(bp(200, 100, profile: nil), at: 20, seq: 5)])
        #expect(trs.map(\.kind) == [.raised] && trs[0].alert.id.hasSuffix("seq:5"), "a new crisis after resolution is a new alert")
    }

    /// A meter's LOW result (below what it can measure, censored −∞) raises the level-2 alert in the stream,
    /// as it does in `vitals validate`; a HIGH raises nothing, and a LOW never ends a hypo alert.
    @Test func aLowMeterResultRaisesLevel2() throws {
        var e = StreamingAnalytics(configuration: liveForever)
        var low = censoredGlucose(low: true)
        low.effectiveTime = Date(timeIntervalSince1970: t0)
        low.grade = .medical
        let input = try #require(StreamInput.from(low, now: low.effectiveTime), "a LOW is analysed, not dropped")
        #expect(input.value == -.infinity)
        var trs = e.process([input], now: low.effectiveTime).transitions
        #expect(trs.map(\.kind) == [.raised])
        #expect(trs[0].alert.ruleID == "glucose.hypoglycaemia-level-2" && trs[0].alert.severity == .critical && trs[0].alert.message.contains("LOW"))
        var high = censoredGlucose(low: false)
        high.effectiveTime = Date(timeIntervalSince1970: t0 + 600)
        high.sequence = 9
        high.grade = .medical
        var f = StreamingAnalytics(configuration: liveForever)
        trs = f.process([try #require(StreamInput.from(high, now: high.effectiveTime))], now: high.effectiveTime).transitions
        #expect(trs.isEmpty)
        // The open level-2 alert: a later 60 mg/dL extends it, it does not end it.
        trs = live(&e, [spot(glucose(60), at: 5, seq: 4)])
        #expect(trs.isEmpty && e.openLiveAlerts.count == 1)
    }

    /// Value hysteresis: one reading at exactly the threshold, or just past it, does not end an episode.
    @Test func spotAlertsEndOnlyClearOfTheThreshold() {
        var e = StreamingAnalytics(configuration: liveForever)
        var trs = live(&e, [spot(bp(186, 124, profile: nil), at: 0, seq: 1)])
        #expect(trs.map(\.kind) == [.raised])
        for (i, (sys, dia)) in [(180.0, 120.0), (175, 100), (165, 112)].enumerated() {
            trs = live(&e, [spot(bp(sys, dia, profile: nil), at: Double(i + 1) * 5, seq: UInt32(i + 2))])
            #expect(trs.isEmpty, "\(sys)/\(dia) is not clear of the crisis thresholds")
        }
        trs = live(&e, [spot(bp(165, 105, profile: nil), at: 30, seq: 9)])
        #expect(trs.map(\.kind) == [.resolved])

        var g = StreamingAnalytics(configuration: liveForever)
        trs = live(&g, [spot(glucose(62), at: 0, seq: 1)])
        #expect(trs.map(\.kind) == [.raised])
        for (i, v) in [70.0, 75, 79.9].enumerated() {
            trs = live(&g, [spot(glucose(v), at: Double(i + 1) * 5, seq: UInt32(i + 2))])
            #expect(trs.isEmpty, "\(v) mg/dL does not end a hypoglycaemia alert")
        }
        trs = live(&g, [spot(glucose(80), at: 30, seq: 9)])
        #expect(trs.map(\.kind) == [.resolved] && trs[0].detail.contains("80 mg/dL"))
    }

    /// What `firmware-sim run usb-agents` showed: a 52 and an 88 measured 9 minutes apart arrive in one download;
    /// the alert is raised then, and the 88, measured before the alert was raised, does not end it. A re-check
    /// measured after it does.
    @Test func onlyEvidenceMeasuredAfterTheAlertEndsIt() {
        var e = StreamingAnalytics(configuration: liveForever)
        let arrived = Date(timeIntervalSince1970: t0 + 10 * 60)
        var trs = e.process([spot(glucose(52), at: 0, seq: 1), spot(glucose(88), at: 9, seq: 2)], now: arrived).transitions
        #expect(trs.map(\.kind) == [.raised], "raised, not raised and resolved in the same second")
        trs = e.process([spot(glucose(92), at: 25, seq: 3)], now: Date(timeIntervalSince1970: t0 + 26 * 60)).transitions
        #expect(trs.map(\.kind) == [.resolved])
    }

    /// A cuff that reports body movement, a loose cuff or an improper position: its crisis reading raises one
    /// severity lower and asks for a new measurement; such a reading never ends an open alert.
    @Test func doubtfulCuffReadingsAreDowngradedAndNeverResolve() {
        var e = StreamingAnalytics(configuration: liveForever)
        var trs = live(&e, [spot(bp(192, 126, profile: nil, flags: [.bodyMovement]), at: 0, seq: 1)])
        #expect(trs.map(\.alert.severity) == [.urgent] && trs[0].alert.message.contains("body movement"))
        trs = live(&e, [spot(bp(190, 124, profile: nil), at: 5, seq: 2)])
        #expect(trs.map(\.kind) == [.updated] && trs[0].alert.severity == .critical, "a sound crisis reading deepens it")
        trs = live(&e, [spot(bp(118, 76, profile: nil, flags: [.cuffTooLoose]), at: 10, seq: 3)])
        #expect(trs.isEmpty, "a loose-cuff reading cannot show the crisis is over")
        trs = live(&e, [spot(bp(150, 90, profile: nil, flags: [.irregularPulse]), at: 15, seq: 4)])
        #expect(trs.map(\.kind) == [.resolved], "an irregular pulse does not make the measurement doubtful")
    }

    @Test func meterHypoDeepensAndEscalatesUntilAcknowledged() {
        var e = StreamingAnalytics(configuration: StreamingConfiguration(liveHorizon: .infinity, escalateAfter: 600, maxEscalations: 2))
        var trs = live(&e, [spot(glucose(62), at: 0, seq: 1), spot(glucose(50), at: 1, seq: 2)])
        #expect(trs.map(\.kind) == [.raised, .updated])
        #expect(trs.map(\.alert.severity) == [.urgent, .critical])
        let id = trs[0].alert.id
        // 10 minutes without an acknowledgement: re-notified (already critical).
        trs = e.tick(now: Date(timeIntervalSince1970: t0 + 60 + 600)).transitions
        #expect(trs.map(\.kind) == [.escalated] && trs[0].alert.escalations == 1)
        #expect(e.acknowledge(id, at: Date(timeIntervalSince1970: t0 + 700))?.kind == .acknowledged)
        #expect(e.tick(now: Date(timeIntervalSince1970: t0 + 5000)).transitions.isEmpty, "acknowledged: no more escalation")
        trs = live(&e, [spot(glucose(95), at: 90, seq: 3)])
        #expect(trs.map(\.kind) == [.resolved])

        // An urgent alert escalates one step, to critical; a consumer device's stays advisory.
        var f = StreamingAnalytics(configuration: StreamingConfiguration(liveHorizon: .infinity, escalateAfter: 600))
        _ = live(&f, [spot(glucose(62), at: 0, seq: 1), spot(glucose(60), at: 0, seq: 2, medical: false, subject: "t")])
        let esc = f.tick(now: Date(timeIntervalSince1970: t0 + 601)).transitions
        #expect(esc.count == 2)
        #expect(Set(esc.map(\.alert.severity)) == [.critical, .advisory])
    }

    /// A meter uploading two weeks of records at once: everything older than the live horizon becomes a recorded
    /// (historical, resolved) event, never a live alert; only the reading from the last hour raises one.
    @Test func twoWeekBackfillYieldsEventsNotLiveAlerts() {
        var e = StreamingAnalytics()  // live horizon 1 h
        let now = Date(timeIntervalSince1970: t0 + 14 * 86_400)
        var upload: [StreamInput] = []
        var seq: UInt32 = 0
        for day in 0..<14 {
            for (hour, mgdl) in [(7.0, 110.0), (12, day % 3 == 0 ? 48 : 95), (19, day % 4 == 1 ? 65 : 130)] {
                seq += 1
                upload.append(spot(glucose(mgdl), at: Double(day) * 1440 + hour * 60, seq: seq))
            }
        }
        seq += 1
        upload.append(spot(glucose(51), at: 14 * 1440 - 20, seq: seq))  // 20 minutes ago: live
        let out = e.process(upload.shuffled(), now: now)
        let recorded = out.transitions.filter { $0.kind == .recorded && $0.isNewAlert }
        #expect(out.historical == 42)
        // Lows on days 0,3,6,9,12 (48, level 2) and days 1,5,9,13 (65, level 1): day 9's 65 follows its 48 with no
        // normal reading between, so it extends that event; 8 events.
        #expect(recorded.count == 8)
        #expect(out.transitions.filter { $0.kind == .recorded }.allSatisfy { $0.alert.historical && $0.alert.state == .resolved })
        #expect(recorded.filter { $0.alert.severity == .critical }.count == 5)
        #expect(!out.transitions.contains { $0.kind == .raised && $0.alert.historical })
        let liveAlerts = out.transitions.filter { $0.kind == .raised }
        #expect(liveAlerts.count == 1 && liveAlerts[0].alert.severity == .critical && !liveAlerts[0].alert.historical)
        #expect(e.openLiveAlerts.count == 1)
        // A backfill event's span ends at the reading that ended it; a deeper reading deepens it (still recorded).
        var g = StreamingAnalytics()
        let h = g.process([spot(glucose(65), at: 0, seq: 1), spot(glucose(50), at: 5, seq: 2), spot(glucose(90), at: 20, seq: 3)], now: now).transitions
        #expect(h.map(\.kind) == [.recorded, .recorded, .recorded])
        #expect(h.map(\.alert.severity) == [.urgent, .critical, .critical])
        #expect(h.last?.alert.evidenceTo == Date(timeIntervalSince1970: t0 + 20 * 60) && h.allSatisfy { $0.alert.state == .resolved && $0.alert.historical })
    }

    @Test func fallingFastAndPredictedLowAreAdvisories() {
        var e = StreamingAnalytics(configuration: liveForever)
        // 2.4 mg/dL/min fall from 200: falling fast (≥ 2), projection 30 min ahead still above 70.
        var trs = live(&e, (0..<4).map { cg(Double($0) * 5, 200 - Double($0) * 12) })
        #expect(trs.map(\.alert.ruleID) == ["glucose.falling-fast"] && trs[0].alert.severity == .advisory)
        #expect(trs[0].alert.citation.contains("Dexcom"))
        var f = StreamingAnalytics(configuration: liveForever)
        // 1 mg/dL/min from 110: at 95 the projection (95 − 30) is below 70 → predicted low.
        trs = live(&f, (0..<4).map { cg(Double($0) * 5, 110 - Double($0) * 5) })
        #expect(trs.map(\.alert.ruleID) == ["glucose.predicted-low"])
        #expect(abs((StreamingAnalytics.slopePerMinute([StreamSample(time: 0, value: 100), StreamSample(time: 300, value: 85)]) ?? 0) + 3) < 1e-9)
    }
}

/// The reference data (../shared/data relative to the repository root).
let sharedData = SharedData.directory

func simglucose(_ name: String) throws -> [GlucoseReading] {
    let table = try CSVTable.parse(try String(contentsOf: sharedData.appendingPathComponent("cgm/simglucose/\(name).csv"), encoding: .utf8))
    let it = table.columnIndex("Time")!, ic = table.columnIndex("CGM")!
    return table.rows.compactMap { row in
        guard let t = CivilTime.parse(row.fields[it]), let v = Double(row.fields[ic]) else { return nil }
        return GlucoseReading(time: t, mgdl: v)
    }
}

struct StreamingOnReferenceDataTests {
    static var haveData: Bool { SharedData.runs("cgm/simglucose/adult001.csv") }

    /// adult001 (14 days, UVA/Padova simulator, 3-minute CGM): streaming live raises exactly one alert per
    /// level-1 episode and deepens exactly once per level-2 episode, as `GlucoseMetrics` counts them in batch.
    @Test(.enabled(if: haveData, "needs ../shared/data")) func oneAlertPerHypoEpisodeOnAdult001() throws {
        let readings = try simglucose("adult001")
        #expect(readings.count > 6000)
        let level1 = GlucoseMetrics.hypoEpisodes(readings, below: 70)
        let level2 = GlucoseMetrics.hypoEpisodes(readings, below: 54)
        #expect(level1 > 0)
        var e = StreamingAnalytics(configuration: liveForever)
        var trs: [AlertTransition] = []
        for (i, r) in readings.enumerated() {
            let x = StreamInput(key: cgmKey, time: Date(timeIntervalSince1970: r.time), value: r.mgdl, device: "adult001",
                                evidenceKey: "adult001|glucose|seq:\(i)", medical: true, grade: "medical")
            trs += e.process([x], now: x.time).transitions
        }
        let hypo = trs.filter { $0.alert.id.hasPrefix(StreamingRules.hypoEpisodeID) }
        #expect(hypo.filter { $0.kind == .raised }.count == level1)
        #expect(Set(hypo.map(\.alert.id)).count == level1)
        #expect(hypo.filter { $0.kind == .updated }.count == level2)
        #expect(hypo.filter { $0.kind == .resolved }.count + e.openLiveAlerts.filter { $0.id.hasPrefix(StreamingRules.hypoEpisodeID) }.count == level1)

        // The same two weeks uploaded a day later: the same number of episodes, all historical events, no live alert.
        var later = StreamingAnalytics()
        let upload = readings.enumerated().map { i, r in
            StreamInput(key: cgmKey, time: Date(timeIntervalSince1970: r.time), value: r.mgdl, device: "adult001",
                        evidenceKey: "adult001|glucose|seq:\(i)", medical: true, grade: "medical")
        }
        let out = later.process(upload, now: Date(timeIntervalSince1970: readings.last!.time + 86_400))
        #expect(out.transitions.filter { $0.isNewAlert && $0.alert.id.hasPrefix(StreamingRules.hypoEpisodeID) }.count == level1)
        #expect(!out.transitions.contains { $0.kind == .raised })
        #expect(later.openLiveAlerts.isEmpty)
    }
}

struct StreamingBPOnReferenceDataTests {
    static var haveData: Bool { SharedData.runs("bp/bp_hypnos.csv") }

    /// bp_hypnos (24-h ambulatory BP of 5 patients) has hypertensive-crisis readings: streamed per patient, each run of
    /// consecutive crisis readings is one alert, resolved by the next reading below the thresholds.
    @Test(.enabled(if: haveData, "needs ../shared/data")) func crisisAlertsFromAmbulatoryBP() throws {
        let table = try CSVTable.parse(try String(contentsOf: sharedData.appendingPathComponent("bp/bp_hypnos.csv"), encoding: .utf8))
        let (iT, iS, iD, iID) = (table.columnIndex("DATE.TIME")!, table.columnIndex("SYST")!, table.columnIndex("DIAST")!, table.columnIndex("ID")!)
        var rows: [(id: String, t: Double, s: Double, d: Double)] = []
        for r in table.rows {
            guard let t = CivilTime.parse(r.fields[iT]), let s = Double(r.fields[iS]), let d = Double(r.fields[iD]) else { continue }
            rows.append((r.fields[iID], t, s, d))
        }
        rows.sort { ($0.id, $0.t) < ($1.id, $1.t) }
        // Expected, by hand: a crisis reading whose previous reading (same patient) was not a crisis starts a run.
        var runs = 0
        var crises = 0
        for (i, r) in rows.enumerated() where r.s > 180 || r.d > 120 {
            crises += 1
            if i == 0 || rows[i - 1].id != r.id || !(rows[i - 1].s > 180 || rows[i - 1].d > 120) { runs += 1 }
        }
        #expect(crises == 3)
        var e = StreamingAnalytics(configuration: liveForever)
        var trs: [AlertTransition] = []
        for (i, r) in rows.enumerated() {
            var reading = bp(r.s, r.d, profile: nil)
            reading.subject = SubjectID(r.id)
            reading.effectiveTime = Date(timeIntervalSince1970: r.t)
            reading.sequence = UInt32(i)
            reading.grade = .medical
            let x = StreamInput.from(reading, now: reading.effectiveTime)!
            trs += e.process([x], now: x.time).transitions
        }
        #expect(trs.filter { $0.kind == .raised }.count == runs)
        #expect(trs.filter { $0.kind == .raised }.allSatisfy { $0.alert.severity == .critical && $0.alert.ruleID == "bp.hypertensive-crisis" })
        #expect(trs.filter { $0.kind == .resolved }.count == runs - e.openLiveAlerts.count)
    }

    @Test func kioskProtocolAveragesTheLastTwoOfThree() {
        let k = BPProtocols.kiosk([(0, 150, 95), (60, 140, 90), (120, 136, 88), (3600, 130, 80), (3660, 128, 82)])
        #expect(k.count == 2)
        #expect(k[0].readings == 3 && k[0].systolic == 138 && k[0].diastolic == 89)
        #expect(k[1].readings == 2 && !k[1].complete)
    }

    @Test func agpPercentilesByHour() {
        // Hour 0: values 1…100 → p50 50.5 (type 7), p5 5.95; hour 1: one value.
        let r = (1...100).map { GlucoseReading(time: 1_700_006_400 + Double($0), mgdl: Double($0)) } + [GlucoseReading(time: 1_700_006_400 + 3600, mgdl: 80)]
        let agp = AGP.profile(r)
        #expect(agp.count == 2)
        #expect(agp[0].minuteOfDay == 0 && agp[0].count == 100 && agp[0].p50 == 50.5 && abs(agp[0].p5 - 5.95) < 1e-9 && abs(agp[0].p95 - 95.05) < 1e-9)
        #expect(agp[1].minuteOfDay == 60 && agp[1].p5 == 80 && agp[1].p95 == 80)
    }
}
